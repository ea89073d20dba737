import { watch, type FSWatcher } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import type { AppConfig } from '../config/app-config.js';
import { scanOptionsFor } from '../scan/scan-options.js';
import type { WalkOptions } from '../scan/walk-repo.js';
import { startModuleWorker } from '../shared/start-worker.js';
import { cachedStatement, type Db } from './open-database.js';
import { refreshIndex } from './refresh-index.js';
import { historyBehind, historyOptionsFor, refreshHistory, type HistoryOptions } from './refresh-history.js';
import type { TreeCheck } from './tree-check-worker.js';
import { loadTreeSnapshot, treeUnchanged } from './tree-snapshot.js';

export interface FreshOptions {
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
  /** readFresh checks in a worker from this many catalog files (PARALLEL_CHECK_MIN_FILES; tests lower it). */
  parallelCheckMinFiles?: number;
}

/**
 * Per database, the refresh running in this process (concurrent readers join it rather than start their own) and
 * the tree watcher of a long-running server. Process-wide on purpose: requests of one server open their own
 * connections, and the coalescing must span them. Two processes are serialised by SQLite's write lock.
 */
const running = new Map<string, Promise<void>>();
const watchers = new Map<string, TreeWatcher>();

/**
 * Bring the index up to date before a read — the one step every reader passes through (`openIndex`). Skipped when
 * `refresh_on_read` is false (`--no-refresh`). With a watcher (serve-api, mcp) a clean tree costs a flag check;
 * otherwise a stat pass over the catalog and the last scan's directories (tree-snapshot.ts) decides, and only a
 * difference runs `refreshIndex` (a scan, then only what changed is parsed). A refresh that fails (the database
 * locked by another writer past the busy timeout, say) is a warning: the read goes on with the index as it is.
 */
export async function ensureIndexFresh(db: Db, config: AppConfig, options: FreshOptions = {}): Promise<void> {
  if (!config.values.refreshOnRead) return;
  const key = config.databasePath;
  const watcher = watchers.get(key);
  if (watcher?.clean) {
    // One turn of the event loop first: an edit made before this request was sent has its inotify event ready in
    // the same poll that read the request, and this lets its callback run (mark dirty) before the flag is trusted.
    await nextTurn();
    if (watcher.clean) {
      // A commit moves HEAD without an event in the watched tree: the history is checked on its own.
      const history = historyOptionsFor(config);
      if (historyBehind(db, config.root, history)) refreshHistorySafely(db, config, history, options);
      return;
    }
  }
  const inFlight = running.get(key);
  if (inFlight) {
    await inFlight;
    // Without a watcher, a refresh already under way answers for this read too; with one, it does unless the tree
    // moved again since it started.
    if (!watcher || watcher.clean) return;
  }
  const refresh = refreshIfChanged(db, config, watcher, options).finally(() => running.delete(key));
  running.set(key, refresh);
  await refresh;
}

/**
 * Catalog files from which the stat pass runs in a worker beside the read (readFresh). Starting a worker costs
 * ~30–50 ms of the other core here, against ~8 µs per file and directory for the pass: below this, inline is faster.
 */
export const PARALLEL_CHECK_MIN_FILES = 4_000;

/**
 * `read` the index as `ensureIndexFresh` then `read` would, sooner on a large tree without a watcher (a CLI
 * command): the stat pass runs in a worker on its own connection while `read` runs here, and the answer is kept
 * when the pass finds the tree unchanged — the common case. Otherwise the index is refreshed as usual and `read`
 * runs again, so the answer is always the one a fresh index gives. `read` must have no side effects (it can run
 * twice): a ranking or a pack, not a request.
 */
export async function readFresh<T>(
  db: Db,
  config: AppConfig,
  options: FreshOptions,
  read: () => Promise<T>,
): Promise<T> {
  const key = config.databasePath;
  const speculate =
    config.values.refreshOnRead &&
    config.databasePath !== ':memory:' &&
    !watchers.has(key) &&
    !running.has(key) &&
    cachedStatement(db, 'SELECT status FROM index_state WHERE id = 1').pluck().get() === 'ready' &&
    (cachedStatement(db, 'SELECT count(*) FROM files').pluck().get() as number) >=
      (options.parallelCheckMinFiles ?? PARALLEL_CHECK_MIN_FILES);
  if (!speculate) {
    await ensureIndexFresh(db, config, options);
    return read();
  }
  const verdict = treeUnchangedInWorker(key, scanOptionsFor(config));
  const first = await read().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if ((await verdict) && !historyBehind(db, config.root, historyOptionsFor(config))) {
    if ('error' in first) throw first.error;
    return first.value;
  }
  await ensureIndexFresh(db, config, options);
  return read();
}

/**
 * treeUnchanged in the process's tree-check worker, started on first use and kept, so a long-lived caller pays for
 * its start once. It holds the process open only while a check is pending (ref'd then, unref'd when none is). A
 * worker that dies answers "changed" for every check it had, and the next check starts a new one.
 */
let checker: { worker: Worker; pending: Map<number, (unchanged: boolean) => void>; nextId: number } | undefined;

function treeUnchangedInWorker(databasePath: string, scan: WalkOptions): Promise<boolean> {
  if (!checker) {
    const worker = startModuleWorker(import.meta.url, 'tree-check-worker');
    const started = { worker, pending: new Map<number, (unchanged: boolean) => void>(), nextId: 0 };
    worker.on('message', ({ id, unchanged }: { id: number; unchanged: boolean }) => {
      started.pending.get(id)?.(unchanged === true);
      started.pending.delete(id);
      if (started.pending.size === 0) worker.unref();
    });
    const fail = (): void => {
      for (const resolve of started.pending.values()) resolve(false);
      started.pending.clear();
      if (checker === started) checker = undefined;
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    checker = started;
  }
  const { worker, pending } = checker;
  const id = checker.nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.ref();
    const check: TreeCheck = { id, databasePath, scan };
    worker.postMessage(check);
  });
}

async function refreshIfChanged(
  db: Db,
  config: AppConfig,
  watcher: TreeWatcher | undefined,
  options: FreshOptions,
): Promise<void> {
  // Cleared before looking, so an event that arrives while the check runs marks the tree dirty again.
  watcher?.markClean();
  // An index another run is building (or left interrupted) is that run's to finish: read it as it is, and look
  // again on the next read (the watches follow a snapshot only a finished run saves).
  if (cachedStatement(db, 'SELECT status FROM index_state WHERE id = 1').pluck().get() !== 'ready') {
    watcher?.markDirty();
    return;
  }
  const scan = scanOptionsFor(config);
  const history = historyOptionsFor(config);
  try {
    if (!treeUnchanged(db, scan))
      await refreshIndex(db, scan, { signal: options.signal, onWarning: options.onWarning, history });
    // A commit moves HEAD without touching the tree: the history is checked on its own (two small file reads).
    else if (historyBehind(db, config.root, history)) refreshHistorySafely(db, config, history, options);
  } catch (error) {
    watcher?.markDirty();
    if (options.signal?.aborted) throw error;
    options.onWarning?.(`index not refreshed (${(error as Error).message}); answering from the index as it is`);
    return;
  }
  watcher?.follow(db);
}

/**
 * Watch the indexed tree for a long-running server: one non-recursive `fs.watch` per directory the last scan
 * listed (the ignored ones — node_modules, build output — are never watched). Any event marks the tree dirty; the
 * next read then runs the stat pass and a refresh if needed, and the watched set follows the new scan. When a watch
 * cannot be set up (ENOSPC: the inotify limit; EMFILE) every watch is dropped and reads fall back to the stat pass.
 * Returns a handle whose `close()` stops watching (the server's shutdown). `deps.watch` replaces `fs.watch` (tests).
 */
export function watchIndexedTree(
  config: AppConfig,
  onWarning: (message: string) => void = () => {},
  deps: { watch?: typeof watch } = {},
): { close(): void } {
  const key = config.databasePath;
  watchers.get(key)?.close();
  const watcher = new TreeWatcher(onWarning, deps.watch ?? watch);
  if (config.values.refreshOnRead) watchers.set(key, watcher);
  return {
    close: () => {
      watcher.close();
      if (watchers.get(key) === watcher) watchers.delete(key);
    },
  };
}

class TreeWatcher {
  private readonly watches = new Map<string, FSWatcher>();
  // Dirty until the first read has checked the tree and started the watches.
  private dirty = true;
  private failed = false;

  constructor(
    private readonly onWarning: (message: string) => void,
    private readonly watchDirectory: typeof watch,
  ) {}

  get clean(): boolean {
    return !this.dirty && !this.failed;
  }

  markClean(): void {
    this.dirty = false;
  }

  markDirty(): void {
    this.dirty = true;
  }

  /** Watch exactly the directories of the last scan. */
  follow(db: Db): void {
    if (this.failed) return;
    const directories = new Set(
      (loadTreeSnapshot(db)?.entries ?? []).filter((entry) => entry[3] === 1).map((entry) => entry[0]),
    );
    for (const [directory, handle] of this.watches) {
      if (directories.has(directory)) continue;
      handle.close();
      this.watches.delete(directory);
    }
    for (const directory of directories) {
      if (this.watches.has(directory)) continue;
      try {
        const handle = this.watchDirectory(directory, { persistent: false }, () => this.markDirty());
        // A watched directory that goes away ends its watch; the next read looks at the tree again.
        handle.on('error', () => {
          handle.close();
          this.watches.delete(directory);
          this.markDirty();
        });
        this.watches.set(directory, handle);
      } catch (error) {
        this.fail(error);
        return;
      }
    }
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.close();
    this.onWarning(`cannot watch the tree (${(error as Error).message}); checking it by stat calls before each read`);
  }

  close(): void {
    for (const handle of this.watches.values()) handle.close();
    this.watches.clear();
  }
}

/** The history pass of a read: like a refresh, a failure (the write lock held elsewhere) is a warning. */
function refreshHistorySafely(db: Db, config: AppConfig, history: HistoryOptions, options: FreshOptions): void {
  try {
    refreshHistory(db, config.root, history);
  } catch (error) {
    options.onWarning?.(`history not refreshed (${(error as Error).message}); ranking with the history as it is`);
  }
}
