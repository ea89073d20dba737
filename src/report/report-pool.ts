import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../shared/start-worker.js';
import { CodeContextError } from '../shared/errors.js';
import type { ReportJob } from './gateway-reports.js';
import type { ReportReply } from './report-worker.js';

/**
 * The gateway's reports, off its event loop. better-sqlite3 is synchronous: a sales summary over a 200k-request
 * ledger held the serving thread for 1.6 s, and /health and every proxied request waited behind it (max /health
 * 2.0 s measured with bench/reports/health-under-reports.ts). Here each report runs on a worker thread with its
 * own read-only connection (report-worker.ts), and the serving thread only posts the job and the answer.
 *
 * Bounded: `concurrency` workers (the machine's cores are the gateway's too), at most `maxQueued` jobs waiting,
 * and beyond that `run` refuses at once with ReportsBusy (a 503 with Retry-After) rather than piling up work. A job
 * that runs past `timeoutMs` is answered with ReportTimedOut and its worker terminated; SQLite cannot be
 * interrupted from JavaScript, so that worker's slot stays taken until the thread has really exited.
 */
export class ReportsBusy extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('the gateway is busy with other reports; retry shortly');
    this.name = 'ReportsBusy';
  }
}

export class ReportTimedOut extends Error {
  constructor(report: string, timeoutMs: number) {
    super(`${report} took longer than ${timeoutMs / 1000} s; try a shorter window`);
    this.name = 'ReportTimedOut';
  }
}

export interface ReportPoolOptions {
  concurrency?: number;
  maxQueued?: number;
  timeoutMs?: number;
}

interface Job {
  id: number;
  job: ReportJob;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Running extends Job {
  started: number;
  timer: NodeJS.Timeout;
}

function startWorker(databasePath: string): Worker {
  return startModuleWorker(import.meta.url, 'report-worker', { workerData: { databasePath } });
}

/** What a worker's error reply becomes on this side: our own errors keep their kind (a usage error stays a 400). */
function errorOf(reply: NonNullable<ReportReply['error']>): Error {
  if (reply.kind) return new CodeContextError(reply.kind, reply.message, { details: reply.details });
  const error = new Error(reply.message);
  error.name = reply.name;
  return error;
}

export class ReportPool {
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly timeoutMs: number;
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Running>();
  /** Workers alive: starting, idle, running, or terminated and not yet exited. */
  private readonly workers = new Set<Worker>();
  private booting = 0;
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  /** A moving average of how long a report takes, for Retry-After. */
  private typicalMs = 1000;

  constructor(
    private readonly databasePath: string,
    options: ReportPoolOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 1;
    this.maxQueued = options.maxQueued ?? 4;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Run a report on a worker; rejects with ReportsBusy at once when the queue is full. */
  run(job: ReportJob): Promise<unknown> {
    if (this.closed) return Promise.reject(new CodeContextError('interrupted', 'the gateway is shutting down'));
    // Running or terminated-but-not-exited; a worker still starting holds no job (those wait in the queue).
    const busy = this.workers.size - this.idle.length - this.booting;
    if (busy + this.queue.length >= this.concurrency + this.maxQueued) {
      const ahead = busy + this.queue.length + 1 - this.concurrency;
      return Promise.reject(
        new ReportsBusy(Math.max(1, Math.ceil((this.typicalMs * ahead) / this.concurrency / 1000))),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.pump();
    });
  }

  /** Terminate every worker; queued jobs are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      job.reject(new CodeContextError('interrupted', 'the gateway is shutting down'));
    const workers = [...this.workers];
    for (const running of this.running.values()) {
      clearTimeout(running.timer);
      running.reject(new CodeContextError('interrupted', 'the gateway is shutting down'));
    }
    this.running.clear();
    this.idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0 && this.idle.length > 0) this.dispatch(this.idle.pop()!, this.queue.shift()!);
    while (this.queue.length > this.booting && this.workers.size < this.concurrency) this.start();
  }

  /** A new worker; it joins the idle ones once it says it has loaded (a job's time never counts its start-up). */
  private start(): void {
    const worker = startWorker(this.databasePath);
    this.workers.add(worker);
    this.booting++;
    let booted = false;
    worker.on('message', (reply: ReportReply | { ready: true }) => {
      if (!('ready' in reply)) return this.finish(worker, reply);
      booted = true;
      this.booting--;
      this.becomeIdle(worker);
    });
    worker.on('error', (error) => this.lose(worker, error));
    worker.once('exit', (code) => {
      const error = new Error(`report worker exited with code ${code}`);
      this.lose(worker, error);
      this.workers.delete(worker);
      if (booted) return this.pump();
      // One that never started will not start next time either: fail what waits instead of trying forever.
      this.booting--;
      for (const job of this.queue.splice(0)) job.reject(error);
    });
  }

  private dispatch(worker: Worker, job: Job): void {
    worker.ref();
    const timer = setTimeout(() => {
      this.running.delete(worker);
      job.reject(new ReportTimedOut(job.job.report, this.timeoutMs));
      // Its slot is freed on exit (above), when the thread has stopped.
      void worker.terminate();
    }, this.timeoutMs);
    this.running.set(worker, { ...job, started: performance.now(), timer });
    worker.postMessage({ id: job.id, job: job.job });
  }

  private finish(worker: Worker, reply: ReportReply): void {
    const running = this.running.get(worker);
    if (!running || running.id !== reply.id) return;
    clearTimeout(running.timer);
    this.running.delete(worker);
    this.typicalMs = 0.7 * this.typicalMs + 0.3 * (performance.now() - running.started);
    if (reply.error) running.reject(errorOf(reply.error));
    else running.resolve(reply.value);
    this.becomeIdle(worker);
  }

  private becomeIdle(worker: Worker): void {
    if (this.closed) return;
    // Idle workers never keep the process alive.
    worker.unref();
    this.idle.push(worker);
    this.pump();
  }

  /** A worker that failed or exited: its job (if any) fails, and it is never handed another. */
  private lose(worker: Worker, error: Error): void {
    const running = this.running.get(worker);
    if (running) {
      clearTimeout(running.timer);
      this.running.delete(worker);
      running.reject(error);
    }
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
  }
}
