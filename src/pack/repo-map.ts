/**
 * The repository map (aider's repomap idea): files and their top symbols, ranked by the reference graph and fitted
 * to a token budget. Files are nodes; a file that references a name another file defines gets an edge to it,
 * weighted by √(how often) — a name starting with `_`, defined in more than five files (`get`, `__init__`), or
 * defined only inside a class or function (a method: references are matched by name, and `db.close()` is not a
 * call of every `close` method), or not exported from an ES module, says little about importance and weighs a tenth. PageRank over that graph ranks files; each file's rank then flows
 * along its edges to the definitions it uses, which ranks the symbols. A binary search picks how many of the ranked
 * symbols fit the budget. Every order has a tie rule (path, then line): the same index gives the same map.
 */
import type { AppConfig } from '../config/app-config.js';
import type { Db } from '../indexing/open-database.js';
import { personalizedPageRank } from '../retrieve/personalized-pagerank.js';
import { withFreshIndex } from '../retrieve/search-project.js';
import { CodeContextError } from '../shared/errors.js';
import { DEFAULT_REPO_MAP_TOKENS } from '../shared/input-limits.js';
import { encodingForModel, parseEncoding, TokenCounter, type EncodingName } from './token-counter.js';

export { DEFAULT_REPO_MAP_TOKENS };
const MAX_DEFINING_FILES = 5;
const WEAK_NAME_FACTOR = 0.1;
const DAMPING = 0.85;
const MAX_SIGNATURE_CHARS = 120;

export interface RepoMapSymbol {
  name: string;
  kind: string;
  line: number;
  /** The declaration line (decorators skipped), whitespace collapsed. */
  signature: string;
  rank: number;
}

export interface RepoMapEntry {
  path: string;
  /** PageRank of the file in the reference graph. */
  rank: number;
  /** The file's symbols that made it into the map, by line. */
  symbols: RepoMapSymbol[];
}

export interface RepoMapResult {
  /** The map as the model reads it: one line per file, its symbols indented beneath. */
  text: string;
  /** Files in map order (highest-ranked first). */
  entries: RepoMapEntry[];
  /** Tokens of `text` in `encoding`; never above `budget`. */
  tokens: number;
  budget: number;
  encoding: EncodingName;
  files_total: number;
  /** Ranked lines (symbols, and files without any) the index holds, and how many the budget let in. */
  lines_total: number;
  lines_shown: number;
}

export interface RepoMapOptions {
  tokenBudget?: number;
  /** `o200k_base` | `cl100k_base`; default: the configured model's encoding. */
  encoding?: string;
  signal?: AbortSignal;
}

/** One ranked line of the map: a definition, or a file that defines nothing (`symbol` null). */
interface Tag {
  fileIndex: number;
  symbol: RepoMapSymbol | null;
}

interface SymbolRow {
  file_id: number;
  name: string;
  qualified_name: string;
  kind: string;
  start_line: number;
  signature: string;
}

/** `repo-map`: the repository map of a configured root's index. */
export async function buildRepoMap(config: AppConfig, options: RepoMapOptions = {}): Promise<RepoMapResult> {
  const tokenBudget = options.tokenBudget ?? DEFAULT_REPO_MAP_TOKENS;
  if (!Number.isInteger(tokenBudget) || tokenBudget <= 0)
    throw new CodeContextError('usage', 'tokenBudget must be a positive integer');
  const encoding = options.encoding ? parseEncoding(options.encoding) : encodingForModel(config.values.llmClient.model);
  options.signal?.throwIfAborted();
  return withFreshIndex(config, {}, async (db) =>
    repoMapFromIndex(db, { tokenBudget, counter: new TokenCounter(encoding), signal: options.signal }),
  );
}

/** The map of an open index (see buildRepoMap); packs of overview goals call this with their share of the budget. */
export function repoMapFromIndex(
  db: Db,
  options: { tokenBudget: number; counter: TokenCounter; signal?: AbortSignal },
): RepoMapResult {
  const files = db.prepare('SELECT id, path FROM files ORDER BY path').all() as Array<{ id: number; path: string }>;
  const indexOfFile = new Map(files.map((file, index) => [file.id, index]));
  const symbols = db
    .prepare('SELECT file_id, name, qualified_name, kind, start_line, signature FROM symbols')
    .all() as SymbolRow[];
  const definers = new Map<string, Set<number>>();
  /** `file\0name` where the file defines the name at top level, not only inside a class or function. */
  const topLevel = new Set<string>();
  for (const row of symbols) {
    const fileIndex = indexOfFile.get(row.file_id);
    if (fileIndex === undefined) continue;
    if (row.qualified_name === row.name && !isModulePrivate(files[fileIndex]!.path, row.signature))
      topLevel.add(`${fileIndex}\0${row.name}`);
    let set = definers.get(row.name);
    if (!set) definers.set(row.name, (set = new Set()));
    set.add(fileIndex);
  }
  options.signal?.throwIfAborted();

  // Edges: referencing file → defining file, one per (pair, name) so rank can flow on to the named definition.
  const uses = db
    .prepare(
      'SELECT r.name AS name, c.file_id AS file_id, COUNT(*) AS n FROM refs r JOIN chunks c ON c.id = r.chunk_id GROUP BY r.name, c.file_id',
    )
    .all() as Array<{ name: string; file_id: number; n: number }>;
  const edges: Array<[number, number]> = [];
  const edgeNames: string[] = [];
  const weights: number[] = [];
  for (const use of uses) {
    const from = indexOfFile.get(use.file_id);
    const targets = definers.get(use.name);
    if (from === undefined || !targets) continue;
    const weak = use.name.startsWith('_') || targets.size > MAX_DEFINING_FILES;
    for (const to of [...targets].sort((a, b) => a - b)) {
      if (to === from) continue;
      const nested = !topLevel.has(`${to}\0${use.name}`);
      const weight = Math.sqrt(use.n) * (weak || nested ? WEAK_NAME_FACTOR : 1);
      edges.push([from, to]);
      edgeNames.push(use.name);
      weights.push(weight);
    }
  }
  const fileRank = personalizedPageRank(files.length, edges, new Float64Array(files.length).fill(1), {
    damping: DAMPING,
    weights: Float64Array.from(weights),
  });
  options.signal?.throwIfAborted();

  const outWeight = new Float64Array(files.length);
  edges.forEach(([from], edge) => (outWeight[from]! += weights[edge]!));
  const definitionRank = new Map<string, number>();
  edges.forEach(([from, to], edge) => {
    const key = `${to}\0${edgeNames[edge]}`;
    definitionRank.set(key, (definitionRank.get(key) ?? 0) + (fileRank[from]! * weights[edge]!) / outWeight[from]!);
  });

  const tags: Tag[] = [];
  const defining = new Set<number>();
  for (const row of symbols) {
    const fileIndex = indexOfFile.get(row.file_id);
    if (fileIndex === undefined) continue;
    defining.add(fileIndex);
    tags.push({
      fileIndex,
      symbol: {
        name: row.qualified_name,
        kind: row.kind,
        line: row.start_line,
        signature: declarationLine(row),
        // A nested or module-private definition is not what other files use by that name: it ranks a tenth.
        rank: round(
          (definitionRank.get(`${fileIndex}\0${row.name}`) ?? 0) *
            (topLevel.has(`${fileIndex}\0${row.name}`) ? 1 : WEAK_NAME_FACTOR),
        ),
      },
    });
  }
  files.forEach((_, fileIndex) => {
    if (!defining.has(fileIndex)) tags.push({ fileIndex, symbol: null });
  });
  tags.sort(
    (a, b) =>
      (b.symbol?.rank ?? 0) - (a.symbol?.rank ?? 0) ||
      fileRank[b.fileIndex]! - fileRank[a.fileIndex]! ||
      a.fileIndex - b.fileIndex ||
      (a.symbol?.line ?? 0) - (b.symbol?.line ?? 0) ||
      (a.symbol?.name ?? '').localeCompare(b.symbol?.name ?? ''),
  );

  const render = (count: number): { text: string; entries: RepoMapEntry[] } => {
    const entries = entriesOf(tags.slice(0, count), files, fileRank);
    return { text: entries.map(renderEntry).join(''), entries };
  };
  // Every line costs at least one token, so more lines than the budget never fit: the search stays small.
  let low = 0;
  let high = Math.min(tags.length, options.tokenBudget);
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (options.counter.count(render(middle).text) <= options.tokenBudget) low = middle;
    else high = middle - 1;
  }
  const { text, entries } = render(low);
  return {
    text,
    entries,
    tokens: text === '' ? 0 : options.counter.count(text),
    budget: options.tokenBudget,
    encoding: options.counter.encoding,
    files_total: files.length,
    lines_total: tags.length,
    lines_shown: low,
  };
}

/** Files in the order their first line appears among the ranked tags; symbols of a file by line. */
function entriesOf(
  tags: readonly Tag[],
  files: ReadonlyArray<{ path: string }>,
  fileRank: Float64Array,
): RepoMapEntry[] {
  const byFile = new Map<number, RepoMapEntry>();
  for (const tag of tags) {
    let entry = byFile.get(tag.fileIndex);
    if (!entry)
      byFile.set(
        tag.fileIndex,
        (entry = { path: files[tag.fileIndex]!.path, rank: round(fileRank[tag.fileIndex]!), symbols: [] }),
      );
    if (tag.symbol) entry.symbols.push(tag.symbol);
  }
  for (const entry of byFile.values()) entry.symbols.sort((a, b) => a.line - b.line || a.name.localeCompare(b.name));
  return [...byFile.values()];
}

/** `path`, then one indented line per symbol (`line: declaration`), methods one step deeper. */
function renderEntry(entry: RepoMapEntry): string {
  const lines = entry.symbols.map(
    (symbol) => `${symbol.name.includes('.') ? '    ' : '  '}${symbol.line}: ${symbol.signature}\n`,
  );
  return `${entry.path}\n${lines.join('')}`;
}

/** The line of the signature that names the symbol (decorators and `export` lines skipped), one line, bounded. */
function declarationLine(row: SymbolRow): string {
  const lines = row.signature.split('\n').map((line) => line.trim().replace(/\s+/g, ' '));
  const line = lines.find((text) => text.includes(row.name)) ?? lines.find(Boolean) ?? `${row.kind} ${row.name}`;
  return line.length > MAX_SIGNATURE_CHARS ? `${line.slice(0, MAX_SIGNATURE_CHARS)}…` : line;
}

const ES_MODULE = /\.(?:ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

/** In an ES module a declaration without `export` is visible in its own file only: another file's use is a namesake. */
function isModulePrivate(path: string, signature: string): boolean {
  return ES_MODULE.test(path) && !/^\s*export\b/m.test(signature);
}

const round = (value: number): number => Math.round(value * 1_000_000) / 1_000_000;
