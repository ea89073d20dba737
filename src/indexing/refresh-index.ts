import os from 'node:os';
import path from 'node:path';
import { CodeContextError } from '../shared/errors.js';
import { isInsideOrEqual } from '../shared/paths.js';
import { nodeScanFs } from '../scan/scan-fs.js';
import { walkRepo, type ScannedFile, type WalkOptions } from '../scan/walk-repo.js';
import { compareWithCatalog } from './compare-catalog.js';
import { IndexStore, type IndexedFile } from './index-store.js';
import type { Db } from './open-database.js';
import { ParsePool } from './parse-pool.js';
import type { FileTask } from './process-file.js';
import { refreshHistory, type HistoryOptions, type HistoryResult } from './refresh-history.js';
import { recordingScanFs, saveTreeSnapshot, snapshotKey } from './tree-snapshot.js';

export interface IndexProgress {
  phase: 'scan' | 'parse' | 'done';
  done: number;
  total: number;
}

export interface RefreshOptions {
  /** Parser threads; default: one per core, up to 4. Fewer than MIN_FILES_FOR_WORKERS files parse inline. */
  workers?: number;
  signal?: AbortSignal;
  onProgress?: (progress: IndexProgress) => void;
  onWarning?: (message: string) => void;
  now?: () => Date;
  /** Also bring the history index in line with HEAD (refresh-history.ts); left as it is when absent. */
  history?: HistoryOptions;
}

export interface RefreshResult {
  added: string[];
  changed: string[];
  deleted: string[];
  unchanged: number;
  unreadable: number;
  skipped: number;
  generation: number;
  status: string;
  elapsedMs: number;
  /** The history pass, when asked for; its time is inside elapsedMs. */
  history?: HistoryResult;
}

const MIN_FILES_FOR_WORKERS = 48;
const MAX_IN_FLIGHT = 64;
const BATCH_FILES = 100;
const BATCH_MS = 250;

/**
 * Bring the index in line with the tree (the algorithm is written down in README.md beside this file):
 * scan, compare with the catalog by size+mtime then content hash, parse only what changed, write each batch of
 * files in one transaction, then drop files that disappeared. Safe to interrupt at any point: the next run
 * resumes from what was committed.
 */
export async function refreshIndex(db: Db, scan: WalkOptions, options: RefreshOptions = {}): Promise<RefreshResult> {
  const started = Date.now();
  const now = options.now ?? (() => new Date());
  const onProgress = options.onProgress ?? (() => {});
  const store = new IndexStore(db);
  const catalog = store.catalog();

  const files: ScannedFile[] = [];
  let skipped = 0;
  const recording = recordingScanFs(nodeScanFs);
  const root = path.resolve(scan.root);
  for await (const event of walkRepo(scan, { fs: recording.fs })) {
    if (event.kind === 'file') {
      files.push(event.file);
      // A kept file is checked against the catalog, not the snapshot.
      recording.entries.delete(event.file.absolutePath);
      if (files.length % 1000 === 0) onProgress({ phase: 'scan', done: files.length, total: 0 });
    } else if (event.kind === 'skipped') {
      skipped++;
      // A binary file does not turn into text by an edit worth noticing: not stat'ed by the freshness check.
      if (event.skipped.reason === 'binary') recording.entries.delete(`${root}${path.sep}${event.skipped.path}`);
    }
    throwIfAborted(options.signal);
  }

  const { tasks, unchanged, deleted } = compareWithCatalog(files, catalog);
  const result: RefreshResult = {
    added: [],
    changed: [],
    deleted,
    unchanged,
    unreadable: 0,
    skipped,
    generation: store.state().generation,
    status: 'ready',
    elapsedMs: 0,
  };

  if (tasks.length > 0 || deleted.length > 0 || store.state().status !== 'ready') {
    store.startRun(tasks.length, now());
    let generation: number | null = null;
    const generationForWrite = (): number => (generation ??= store.nextGeneration());
    await parseAndWrite(store, tasks, result, generationForWrite, options, onProgress);
    if (deleted.length > 0) store.writeBatch([], [], deleted, generationForWrite());
    store.finishRun(now());
    result.generation = store.state().generation;
  }
  // Saved only after a run that got to the end: an interrupted one leaves the old snapshot, which no longer matches.
  // A data directory inside the tree changes with every connection (the WAL files come and go): never a reason to
  // rescan, and never watched.
  const dataDir = db.memory ? null : path.dirname(path.resolve(db.name));
  const entries = [...recording.entries.values()].filter((entry) => !dataDir || !isInsideOrEqual(dataDir, entry[0]));
  saveTreeSnapshot(db, { scanOptions: snapshotKey(scan), entries });
  if (options.history !== undefined) result.history = refreshHistory(db, root, options.history);
  result.added.sort();
  result.changed.sort();
  result.status = store.state().label;
  result.elapsedMs = Date.now() - started;
  onProgress({ phase: 'done', done: tasks.length, total: tasks.length });
  return result;
}

async function parseAndWrite(
  store: IndexStore,
  tasks: ReadonlyArray<FileTask & { isNew: boolean }>,
  result: RefreshResult,
  generationForWrite: () => number,
  options: RefreshOptions,
  onProgress: (progress: IndexProgress) => void,
): Promise<void> {
  const workerCount =
    tasks.length < MIN_FILES_FOR_WORKERS ? 0 : (options.workers ?? Math.min(4, os.availableParallelism()));
  const pool = new ParsePool(workerCount);
  const indexed: IndexedFile[] = [];
  const touched: Array<{ path: string; mtimeMs: number; size: number }> = [];
  let done = 0;
  let lastFlush = Date.now();
  // The first failed write (a full disk, say) ends the run: nothing more is dispatched or written after it.
  const writeFailures: unknown[] = [];
  const flush = (): void => {
    if (indexed.length > 0 || touched.length > 0) {
      const generation = indexed.length > 0 ? generationForWrite() : 0;
      try {
        store.writeBatch(indexed.splice(0), touched.splice(0), [], generation, { done, total: tasks.length });
      } catch (error) {
        writeFailures.push(error);
        throw error;
      }
    }
    lastFlush = Date.now();
    onProgress({ phase: 'parse', done, total: tasks.length });
  };
  const inFlight = new Set<Promise<void>>();
  try {
    for (const task of tasks) {
      if (options.signal?.aborted || writeFailures.length > 0) break;
      const job = pool.run(task).then((outcome) => {
        if (writeFailures.length > 0) return;
        done++;
        if (outcome.kind === 'indexed') {
          indexed.push(outcome.file);
          (task.isNew ? result.added : result.changed).push(task.path);
          for (const warning of outcome.file.parsed.warnings) options.onWarning?.(warning);
        } else if (outcome.kind === 'unchanged') {
          touched.push(outcome);
          result.unchanged++;
        } else {
          result.unreadable++;
          options.onWarning?.(`${outcome.path}: cannot be read (${outcome.message}); left out of the index`);
        }
        if (indexed.length + touched.length >= BATCH_FILES || Date.now() - lastFlush >= BATCH_MS) flush();
      });
      inFlight.add(job);
      void job.finally(() => inFlight.delete(job)).catch(() => {});
      if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    }
    // After a failed write the files still in flight are not waited for: closing the pool drops them.
    if (writeFailures.length === 0) await Promise.all(inFlight);
    // The failed job may have settled (and left inFlight) before the loop saw it.
    if (writeFailures.length > 0) throw writeFailures[0];
    flush();
  } finally {
    await pool.close();
  }
  throwIfAborted(options.signal);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new CodeContextError('interrupted', 'interrupted: the index keeps what was committed; run again to resume');
}
