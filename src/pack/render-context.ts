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

/** `path (lines a-b, symbol)` header and a fenced code block; headers and fences count against the budget. */
export function renderBlock(block: ContextBlock): string {
  const label = block.symbol ? `, ${block.symbol}` : '';
  if (block.reference)
    return `${block.path} (lines ${block.startLine}-${block.endLine}${label}): sent earlier in this session, not repeated\n`;
  const extension = block.path.slice(block.path.lastIndexOf('.') + 1).toLowerCase();
  const fence = fenceFor(block.code);
  return `${block.path} (lines ${block.startLine}-${block.endLine}${label})\n${fence}${FENCE_LANGUAGE[extension] ?? ''}\n${block.code}\n${fence}\n`;
}

/** Blocks in reading order: by path, then line. */
export function renderContext(blocks: readonly ContextBlock[]): string {
  return [...blocks]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.startLine - b.startLine))
    .map(renderBlock)
    .join('\n');
}
