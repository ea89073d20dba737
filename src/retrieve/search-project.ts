import type { AppConfig } from '../config/app-config.js';
import { IndexStore } from '../indexing/index-store.js';
import { ensureIndexFresh, readFresh, type FreshOptions } from '../indexing/keep-index-fresh.js';
import { openExistingDatabase, type Db } from '../indexing/open-database.js';
import { CodeContextError, inputError } from '../shared/errors.js';
import { groupInto } from '../shared/group-into.js';
import { embedGoal } from './embed-goal.js';
import { rankChunks, type RankedChunk, type ScoreParts } from './rank-chunks.js';

export interface SearchResult {
  path: string;
  start_line: number;
  end_line: number;
  symbol: string | null;
  kind: string;
  score: number;
  why: Record<string, number>;
}

export interface SearchOptions {
  query: string;
  onWarning?: (message: string) => void;
  topK?: number;
  /** Rank files (chunk scores aggregated per file) instead of chunks. */
  files?: boolean;
}

/** Chunks considered when ranking files: enough that a file's second and third best chunks are seen. */
const FILE_RANKING_POOL = 300;

const round = (value: number): number => Math.round(value * 10_000) / 10_000;

function whyOf(parts: ScoreParts): Record<string, number> {
  return Object.fromEntries(Object.entries(parts).map(([key, value]) => [key, round(value)]));
}

/** The text of a goal or query; an empty one is a usage error naming its field. */
export function requireGoal(text: string | undefined, field: string): string {
  if (!text || text.trim() === '') throw inputError(field, 'must not be empty');
  return text;
}

/**
 * Open the index of a configured root for reading, brought up to date first (ensureIndexFresh; every reader of
 * chunks comes through here, so the CLI, the HTTP API, the drop-in endpoints and MCP all see the tree as it is now).
 * No database, a zero-length file, or one that no index run has written a file to yet is "no index", a usage error
 * (exit 2); a file that is not ours or is from a newer codecontext is refused untouched (exit 3, see
 * openExistingDatabase).
 */
export async function openIndex(config: AppConfig, options: FreshOptions = {}): Promise<Db> {
  const db = openIndexAsIs(config);
  try {
    await ensureIndexFresh(db, config, options);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * `read` an index brought up to date, as `openIndex` then `read` would: for a read with no side effects (a
 * ranking, a pack, a map), which on a large tree runs while the freshness check does (readFresh), and may run twice.
 */
export async function withFreshIndex<T>(
  config: AppConfig,
  options: FreshOptions,
  read: (db: Db) => Promise<T>,
): Promise<T> {
  const db = openIndexAsIs(config);
  try {
    return await readFresh(db, config, options, () => read(db));
  } finally {
    db.close();
  }
}

/** The index as it is, not refreshed: for readers of the ledger beside it, which read no chunks. */
export function openIndexAsIs(config: AppConfig): Db {
  const missing = (): CodeContextError =>
    // Each front door says how to build it (the CLI names its command, MCP its index_project tool).
    new CodeContextError('usage', `no index at ${config.databasePath}: index ${config.root} first`, {
      details: { missing: 'index', root: config.root },
    });
  const db = openExistingDatabase(config.databasePath);
  if (!db) throw missing();
  const store = new IndexStore(db);
  const state = store.state();
  if (state.status === 'empty' || (state.status === 'building' && !store.hasFiles())) {
    db.close();
    throw missing();
  }
  return db;
}

/** What file ranking reads of a ranked chunk (bench/retrieval/tune-weights.ts re-ranks dumped ones). */
export interface FileRankingEntry {
  chunk: { path: string; end_line: number };
  score: number;
}

/**
 * Aggregate chunk scores per file: the best chunk, plus a little for the next two (breadth of evidence). `ranked`
 * is best first.
 */
export function rankFiles<Entry extends FileRankingEntry = RankedChunk>(
  ranked: readonly Entry[],
): Array<{ path: string; score: number; best: Entry; lines: number }> {
  const byFile = new Map<string, Entry[]>();
  for (const entry of ranked) groupInto(byFile, entry.chunk.path, entry);
  return [...byFile.entries()]
    .map(([path, entries]) => ({
      path,
      best: entries[0]!,
      score: entries[0]!.score + 0.5 * (entries[1]?.score ?? 0) + 0.25 * (entries[2]?.score ?? 0),
      lines: Math.max(...entries.map((entry) => entry.chunk.end_line)),
    }))
    .sort((a, b) => b.score - a.score || (a.path < b.path ? -1 : 1));
}

/** `search-project`: the ranked chunks (or files) of the index for a query, with each score's components. */
export async function searchProject(config: AppConfig, options: SearchOptions): Promise<{ results: SearchResult[] }> {
  requireGoal(options.query, 'query');
  return withFreshIndex(config, { onWarning: options.onWarning }, (db) => rankForSearch(config, db, options));
}

/** The ranking itself, on an open index (it may run twice: see withFreshIndex). */
async function rankForSearch(config: AppConfig, db: Db, options: SearchOptions): Promise<{ results: SearchResult[] }> {
  const query = options.query;
  const topK = options.topK ?? config.values.defaultTopK;
  const goalVector = await embedGoal(config, db, query, options.onWarning);
  if (options.files) {
    const files = rankFiles(rankChunks(db, query, FILE_RANKING_POOL, { goalVector })).slice(0, topK);
    return {
      results: files.map((file) => ({
        path: file.path,
        start_line: 1,
        end_line: file.lines,
        symbol: null,
        kind: 'file',
        score: round(file.score),
        why: { ...whyOf(file.best.why), best_chunk_line: file.best.chunk.start_line },
      })),
    };
  }
  return {
    results: rankChunks(db, query, topK, { goalVector }).map((entry) => ({
      path: entry.chunk.path,
      start_line: entry.chunk.start_line,
      end_line: entry.chunk.end_line,
      symbol: entry.chunk.symbol,
      kind: entry.chunk.symbol_kind ?? entry.chunk.kind,
      score: round(entry.score),
      why: whyOf(entry.why),
    })),
  };
}
