import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../shared/start-worker.js';
import { CodeContextError } from '../shared/errors.js';
import { processFile, type FileOutcome, type FileTask } from './process-file.js';

interface Pending {
  id: number;
  task: FileTask;
  resolve: (outcome: FileOutcome) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  assigned: number;
}

function startWorker(stopFlag: SharedArrayBuffer): Worker {
  return startModuleWorker(import.meta.url, 'parse-worker', { workerData: { stopFlag } });
}

/** A worker still busy this long after close() is terminated after all: a stuck parse must not hang the CLI. */
const STOP_GRACE_MS = 10_000;

/**
 * Tasks posted ahead to each worker. The main thread is busy for ~100 ms at a time writing a batch to SQLite; with
 * one task per worker the workers sat idle for that long (measured: a third of their time on the stdlib index).
 */
const PREFETCH_PER_WORKER = 8;

/**
 * Parses files on worker threads (tree-sitter and the tokenizer are CPU-bound; the main thread keeps the walk and
 * the SQLite writes). With size 0 it parses inline — cheaper than starting workers for a handful of files.
 */
export class ParsePool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;
  private closing = false;
  /** Raised by close(): workers skip the tasks already posted to them instead of parsing them. */
  private readonly stopFlag = new SharedArrayBuffer(4);

  constructor(size: number) {
    for (let index = 0; index < size; index++) {
      const entry: PoolWorker = { worker: startWorker(this.stopFlag), assigned: 0 };
      entry.worker.on('message', (message: { id: number; outcome: FileOutcome }) => this.finish(entry, message));
      entry.worker.on('error', (error) => this.fail(error));
      entry.worker.on('exit', (code) => {
        if (code !== 0 && !this.closing) this.fail(new Error(`parse worker exited with code ${code}`));
      });
      this.workers.push(entry);
    }
  }

  run(task: FileTask): Promise<FileOutcome> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new CodeContextError('runtime', 'parse pool closed'));
    if (this.workers.length === 0) return Promise.resolve(processFile(task));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, resolve, reject });
      this.pump();
    });
  }

  /**
   * Stop every worker between two files and wait for it to end; tasks not parsed yet are rejected. Never
   * `worker.terminate()` while a file is being parsed: tree-sitter's binding (node-addon-api, C++ exceptions) throws
   * a Napi::Error out of the interrupted call and the whole process aborts with SIGABRT (exit 134). That is how a
   * failed write (a full disk) used to end one index run in three to five: the failure closed the pool mid-parse.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    Atomics.store(new Int32Array(this.stopFlag), 0, 1);
    this.rejectAll(new CodeContextError('runtime', 'parse pool closed'));
    await Promise.all(this.workers.map((entry) => stopWorker(entry.worker)));
  }

  private pump(): void {
    for (const entry of this.workers) {
      while (entry.assigned < PREFETCH_PER_WORKER && this.queue.length > 0) {
        const pending = this.queue.shift()!;
        this.running.set(pending.id, pending);
        entry.assigned++;
        entry.worker.postMessage({ id: pending.id, task: pending.task });
      }
    }
  }

  private finish(entry: PoolWorker, message: { id: number; outcome: FileOutcome }): void {
    entry.assigned--;
    const pending = this.running.get(message.id);
    this.running.delete(message.id);
    pending?.resolve(message.outcome);
    this.pump();
  }

  private fail(error: Error): void {
    this.failure ??= new CodeContextError('runtime', `parse worker failed: ${error.message}`, { cause: error });
    this.rejectAll(this.failure);
  }

  private rejectAll(error: Error): void {
    for (const pending of [...this.running.values(), ...this.queue.splice(0)]) pending.reject(error);
    this.running.clear();
  }
}

function stopWorker(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    if (worker.threadId === -1) return resolve();
    const fallback = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
    worker.once('exit', () => {
      clearTimeout(fallback);
      resolve();
    });
    worker.postMessage('stop');
  });
}
