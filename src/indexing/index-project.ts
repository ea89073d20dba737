import type { AppConfig } from '../config/app-config.js';
import { scanOptionsFor } from '../scan/scan-options.js';
import { diskFullError, isDiskFull } from './disk-full.js';
import { embedMissingChunks, type EmbedProgress } from './embed-chunks.js';
import { embeddingsWarning, loadEmbedder } from './embedder.js';
import { IndexStore } from './index-store.js';
import { openDatabase, type Db } from './open-database.js';
import { refreshIndex, type RefreshOptions, type RefreshResult } from './refresh-index.js';
import { historyOptionsFor, type HistoryResult } from './refresh-history.js';

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
  /** `ready` (all chunks have vectors), `skipped` (disabled or --no-embeddings), or `unavailable: <reason>`. */
  embeddings: string;
  /** The git history pass (index_history): its status, commits kept and its share of this run's time. */
  history: HistoryResult & { share_of_elapsed: number };
}

export interface IndexOptions extends RefreshOptions {
  /** Skip the embedding pass (`--no-embeddings`); the config's enable_embeddings = false does too. */
  embeddings?: boolean;
  onEmbedProgress?: (progress: EmbedProgress) => void;
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

async function withIndex<T>(
  config: AppConfig,
  options: IndexOptions,
  shape: (result: RefreshResult, store: IndexStore, embeddings: string) => T,
): Promise<T> {
  const db = openDatabase(config.databasePath);
  const before = indexStateRow(db);
  try {
    const result = await refreshIndex(db, scanOptionsFor(config), { history: historyOptionsFor(config), ...options });
    const embeddings = await embedIfWanted(config, db, options);
    return shape(result, new IndexStore(db), embeddings);
  } catch (error) {
    if (!isDiskFull(error)) throw error;
    // A run that got as far as committing its start (or a batch) changed the index; one that did not, did not.
    throw diskFullError(config.databasePath, error, committedSince(db, before));
  } finally {
    db.close();
  }
}

/**
 * What every committed step of a run changes, as text: the index_state row (start, each batch, finish) and the
 * number of vectors (each embedding batch).
 */
function indexStateRow(db: Db): string {
  return JSON.stringify([
    db.prepare('SELECT * FROM index_state').all(),
    db.prepare('SELECT COUNT(*) FROM chunk_vectors').pluck().get(),
  ]);
}

function committedSince(db: Db, before: string): boolean {
  try {
    return indexStateRow(db) !== before;
  } catch {
    return true;
  }
}

/** BM25 is committed and usable; now embed the chunks that have no vector yet, if embeddings are on and loadable. */
async function embedIfWanted(config: AppConfig, db: Db, options: IndexOptions): Promise<string> {
  if (options.embeddings === false || !config.values.enableEmbeddings) return 'skipped';
  const embedderOptions = {
    model: config.values.embeddingModel,
    modelPath: config.values.embeddingModelPath,
    dataDir: config.dataDir,
  };
  const loaded = await loadEmbedder(embedderOptions);
  if (!loaded.ok) {
    const warning = embeddingsWarning(loaded, embedderOptions);
    if (warning) options.onWarning?.(warning);
    return `unavailable: ${loaded.reason}`;
  }
  await embedMissingChunks(db, loaded.embedder, { signal: options.signal, onProgress: options.onEmbedProgress });
  return 'ready';
}

/** Index the repository (incrementally when an index exists): symbols, chunks, references and BM25 in SQLite. */
export function indexProject(config: AppConfig, options: IndexOptions = {}): Promise<IndexProjectResult> {
  return withIndex(config, options, (result, store, embeddings) => ({
    ...store.totals(),
    skipped: result.skipped,
    generation: result.generation,
    status: result.status,
    elapsed_ms: result.elapsedMs,
    db: config.databasePath,
    changes: {
      added: result.added.length,
      changed: result.changed.length,
      deleted: result.deleted.length,
      unchanged: result.unchanged,
      unreadable: result.unreadable,
    },
    embeddings,
    history: {
      ...result.history!,
      share_of_elapsed: result.elapsedMs > 0 ? +(result.history!.elapsed_ms / result.elapsedMs).toFixed(3) : 0,
    },
  }));
}

/** Re-index only what changed since the last run and report exactly which paths. */
export function refreshChangedFiles(config: AppConfig, options: IndexOptions = {}): Promise<RefreshChangedResult> {
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
