import type { AppConfig } from '../config/app-config.js';
import { scanOptionsFor } from '../scan/scan-options.js';
import { IndexStore } from './index-store.js';
import { openDatabase } from './open-database.js';
import { refreshIndex, type RefreshOptions, type RefreshResult } from './refresh-index.js';

export interface IndexProjectResult {
  files: number;
  chunks: number;
  symbols: number;
  languages: Record<string, number>;
  skipped: number;
  generation: number;
  status: string;
  elapsed_ms: number;
  db: string;
  changes: { added: number; changed: number; deleted: number; unchanged: number; unreadable: number };
}

export interface RefreshChangedResult {
  added: number;
  changed: number;
  deleted: number;
  unchanged: number;
  elapsed_ms: number;
  generation: number;
  paths: { added: string[]; changed: string[]; deleted: string[] };
}

async function withIndex<T>(config: AppConfig, options: RefreshOptions, shape: (result: RefreshResult, store: IndexStore) => T): Promise<T> {
  const db = openDatabase(config.databasePath);
  try {
    const result = await refreshIndex(db, scanOptionsFor(config), options);
    return shape(result, new IndexStore(db));
  } finally {
    db.close();
  }
}

/** Index the repository (incrementally when an index exists): symbols, chunks, references and BM25 in SQLite. */
export function indexProject(config: AppConfig, options: RefreshOptions = {}): Promise<IndexProjectResult> {
  return withIndex(config, options, (result, store) => ({
    ...store.totals(),
    skipped: result.skipped,
    generation: result.generation,
    status: result.status,
    elapsed_ms: result.elapsedMs,
    db: config.databasePath,
    changes: {
      added: result.added.length, changed: result.changed.length, deleted: result.deleted.length,
      unchanged: result.unchanged, unreadable: result.unreadable,
    },
  }));
}

/** Re-index only what changed since the last run and report exactly which paths. */
export function refreshChangedFiles(config: AppConfig, options: RefreshOptions = {}): Promise<RefreshChangedResult> {
  return withIndex(config, options, (result) => ({
    added: result.added.length,
    changed: result.changed.length,
    deleted: result.deleted.length,
    unchanged: result.unchanged,
    elapsed_ms: result.elapsedMs,
    generation: result.generation,
    paths: { added: result.added, changed: result.changed, deleted: result.deleted },
  }));
}
