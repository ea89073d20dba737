import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './open-database.js';

/**
 * WAL checkpoints off the event loop, for a long-lived writer (the gateway). SQLite checkpoints in the committing
 * connection once the WAL passes `wal_autocheckpoint` pages: the commit that crosses it copies every page back to
 * the database file and fsyncs it, on the thread that serves requests. Here a worker thread with a connection of
 * its own runs PASSIVE checkpoints (they never block writers) every few hundred milliseconds, and the serving
 * connection's own threshold is raised to a backstop. Measured in bench/gateway: the serving thread's throughput
 * with `synchronous = OFF` (no fsync at all) was 25% above NORMAL; this keeps NORMAL and moves the fsync away.
 */
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.everyMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

const BACKSTOP_PAGES = 10_000;

export interface BackgroundCheckpoints {
  stop(): Promise<void>;
}

export function startBackgroundCheckpoints(db: Db, databasePath: string, everyMs = 250): BackgroundCheckpoints {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { driver, path: databasePath, everyMs } });
  // Never what keeps a process alive; a worker that fails leaves the backstop to checkpoint.
  worker.unref();
  let exited = false;
  worker.once('exit', () => (exited = true));
  worker.on('error', () => {});
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  return {
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        worker.ref();
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      }),
  };
}
