import { existsSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, type Db } from '../indexing/open-database.js';
import { CodeContextError } from '../shared/errors.js';
import { runOnSqlite } from '../storage/sqlite-store.js';
import { reportOp, type ReportJob } from './gateway-reports.js';

/**
 * A report worker thread (see report-pool.ts): one read-only connection of its own to the gateway's database,
 * opened on the first job and kept (WAL lets it read while the gateway writes), one job at a time.
 */
export interface ReportReply {
  id: number;
  value?: unknown;
  error?: { kind?: CodeContextError['kind']; name: string; message: string; details?: Record<string, unknown> };
}

const { databasePath } = workerData as { databasePath: string };

// Below the serving thread: on Linux a nice value belongs to a thread (setpriority(2), "under NPTL … per-thread"),
// and /proc/thread-self names this one's id. With a report at nice 10 on one core of two, a probe that wakes the
// serving thread is run before the report's next slice. Elsewhere this is skipped, and the report shares evenly.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 10);
} catch {
  // not Linux, or not allowed: the report runs at the gateway's own priority
}
let db: Db | undefined;

// The gateway creates and migrates its database before it serves; with no file there, an empty ledger, as
// readLedgerAt answers (a report never creates a database).
const ledger = (): Db =>
  (db ??= existsSync(databasePath) ? openDatabase(databasePath, { readonly: true }) : openDatabase(':memory:'));

parentPort!.on('message', ({ id, job }: { id: number; job: ReportJob }) => {
  let reply: ReportReply;
  try {
    reply = { id, value: runOnSqlite(ledger(), reportOp(job, 'sqlite')) };
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    reply = {
      id,
      error: {
        name: failure.name,
        message: failure.message,
        ...(failure instanceof CodeContextError ? { kind: failure.kind, details: failure.details } : {}),
      },
    };
  }
  parentPort!.postMessage(reply);
});
// Loaded: the pool may hand this thread a job (its timeout starts now, not while the modules loaded).
parentPort!.postMessage({ ready: true });
