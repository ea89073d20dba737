import { CodeContextError } from '../shared/errors.js';
import { sql, type SqlOp } from '../storage/sql-op.js';
import type { Store } from '../storage/store.js';
import { reportOp, type ReportJob, type Reports } from './gateway-reports.js';
import { ReportsBusy, ReportTimedOut, type ReportPoolOptions } from './report-pool.js';

/** PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout. */
const QUERY_CANCELED = '57014';

/**
 * A gateway's reports on PostgreSQL: the server does the work, so the serving thread only waits on a socket and
 * no worker thread is needed. Bounded as the SQLite pool is (report-pool.ts) — `concurrency` reports at a time, so
 * reports never hold more than that many of the pool's connections the requests need; `maxQueued` waiting, then
 * ReportsBusy; and a report past `timeoutMs` is cancelled by the server itself (statement_timeout), ReportTimedOut.
 */
export class StoreReports implements Reports {
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly timeoutMs: number;
  private running = 0;
  private readonly queue: Array<{ go: () => void; refuse: (error: Error) => void }> = [];
  private closed = false;
  private typicalMs = 1000;

  constructor(
    private readonly store: Store,
    options: ReportPoolOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 2;
    this.maxQueued = options.maxQueued ?? 4;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  async run(job: ReportJob): Promise<unknown> {
    if (this.closed) throw new CodeContextError('interrupted', 'the gateway is shutting down');
    if (this.running >= this.concurrency) {
      if (this.queue.length >= this.maxQueued) {
        const ahead = this.queue.length + 1;
        throw new ReportsBusy(Math.max(1, Math.ceil((this.typicalMs * ahead) / this.concurrency / 1000)));
      }
      await new Promise<void>((go, refuse) => this.queue.push({ go, refuse }));
    }
    this.running++;
    const started = performance.now();
    try {
      return await this.store.read(() => this.timed(reportOp(job, this.store.dialect)));
    } catch (error) {
      if ((error as { code?: string }).code === QUERY_CANCELED) throw new ReportTimedOut(job.report, this.timeoutMs);
      throw error;
    } finally {
      this.typicalMs = 0.7 * this.typicalMs + 0.3 * (performance.now() - started);
      this.running--;
      this.queue.shift()?.go();
    }
  }

  private *timed<T>(op: SqlOp<T>): SqlOp<T> {
    // SET LOCAL: for this transaction only; the pooled connection goes back without it.
    if (this.store.dialect === 'postgres')
      yield* sql.script(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(this.timeoutMs))}`);
    return yield* op;
  }

  /** Queued reports are refused; the store belongs to the runtime, which closes it. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.queue.splice(0))
      waiting.refuse(new CodeContextError('interrupted', 'the gateway is shutting down'));
  }
}
