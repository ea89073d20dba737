/** One block of the rendered context: a contiguous stretch of one file. */
export interface ContextBlock {
  path: string;
  startLine: number;
  endLine: number;
  symbol: string | null;
  kind: string;
  score: number;
  code: string;
  /** Sent earlier in the same session: rendered as a one-line reference instead of the code. */
  reference?: boolean;
  /** Content hashes of the code this block carries (one per packed item; several once merged). */
  contentHashes?: string[];
  /** Placed by a rule rather than ranked (an overview's README opening): its score only orders it. */
  placed?: 'overview_readme';
}

const FENCE_LANGUAGE: Record<string, string> = {
  py: 'python',
  pyi: 'python',
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'tsx',
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  md: 'markdown',
  json: 'json',
  toml: 'toml',
  yml: 'yaml',
  yaml: 'yaml',
};

function fenceFor(code: string): string {
  // A fence longer than any backtick run inside the code, so code containing ``` cannot close it early.
  const longest = Math.max(2, ...[...code.matchAll(/`+/g)].map((match) => match[0].length));
  return '`'.repeat(longest + 1);
}

/**
 * How the context text is written (after Repomix's output styles): `markdown` (the default) is a header line and a
 * fenced block per stretch of code; `xml` wraps everything in one `<context>` element, each stretch a `<chunk>`
 * with its code in CDATA, so the text is well-formed XML whatever the code holds; `plain` has header lines and the
 * code as is. The style is part of what the budget counts: headers, fences and tags are tokens too.
 */
export const CONTEXT_STYLES = ['markdown', 'xml', 'plain'] as const;
export type ContextStyle = (typeof CONTEXT_STYLES)[number];

const escapeAttribute = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** `]]>` cannot occur inside CDATA: end the section before its `>` and open a new one. */
const cdata = (text: string): string => `<![CDATA[\n${text.replace(/]]>/g, ']]]]><![CDATA[>')}\n]]>`;

function xmlAttributes(block: ContextBlock): string {
  const symbol = block.symbol ? ` symbol="${escapeAttribute(block.symbol)}"` : '';
  return `path="${escapeAttribute(block.path)}" lines="${block.startLine}-${block.endLine}"${symbol}`;
}

/** One block in a style: header and code (or a one-line reference); headers and fences count against the budget. */
export function renderBlock(block: ContextBlock, style: ContextStyle = 'markdown'): string {
  const label = block.symbol ? `, ${block.symbol}` : '';
  const header = `${block.path} (lines ${block.startLine}-${block.endLine}${label})`;
  if (style === 'xml')
    return block.reference
      ? `<chunk ${xmlAttributes(block)} sent_earlier="true"/>\n`
      : `<chunk ${xmlAttributes(block)}>${cdata(block.code)}</chunk>\n`;
  if (style === 'plain')
    return block.reference
      ? `--- ${header}: sent earlier in this session, not repeated ---\n`
      : `--- ${header} ---\n${block.code}\n`;
  if (block.reference) return `${header}: sent earlier in this session, not repeated\n`;
  const extension = block.path.slice(block.path.lastIndexOf('.') + 1).toLowerCase();
  const fence = fenceFor(block.code);
  return `${header}\n${fence}${FENCE_LANGUAGE[extension] ?? ''}\n${block.code}\n${fence}\n`;
}

/** The repository map as the first section of a pack, in the pack's style. */
export function renderMapSection(map: string, style: ContextStyle = 'markdown'): string {
  if (style === 'xml') return `<repo_map>${cdata(map.replace(/\n$/, ''))}</repo_map>\n`;
  const title = 'Repository map (files and their top symbols, most referenced first)';
  if (style === 'plain') return `--- ${title} ---\n${map}`;
  const fence = fenceFor(map);
  return `${title}\n${fence}\n${map}${fence}\n`;
}

/**
 * Blocks in relevance order, keeping each file readable: files by their best block's score (ties by path), a
 * file's blocks by line, so a class comes before its method and a reader (or a model, which attends most to what
 * comes first) meets the strongest match first. A data file that happens to match no longer leads just by its path.
 */
export function orderByRelevance(blocks: readonly ContextBlock[]): ContextBlock[] {
  const best = new Map<string, number>();
  for (const block of blocks) best.set(block.path, Math.max(best.get(block.path) ?? -Infinity, block.score));
  return [...blocks].sort(
    (a, b) =>
      best.get(b.path)! - best.get(a.path)! || (a.path < b.path ? -1 : a.path > b.path ? 1 : a.startLine - b.startLine),
  );
}

/** The whole context: an optional map section, then the blocks in relevance order, in one style. */
export function renderContext(
  blocks: readonly ContextBlock[],
  style: ContextStyle = 'markdown',
  mapSection = '',
): string {
  const body = [mapSection, ...orderByRelevance(blocks).map((block) => renderBlock(block, style))]
    .filter(Boolean)
    .join('\n');
  return style === 'xml' ? `<context>\n${body}</context>\n` : body;
}
