import { openDatabase, type Db } from '../indexing/open-database.js';
import { interruptOwn, recoverInterrupted } from '../ledger/spend-budget.js';
import { ReplyCache } from '../pipeline/reply-cache.js';
import type { CodeContextGateway } from '../route/code-context-gateway.js';

/**
 * What a gateway process holds for its lifetime: one SQLite connection (ledger, budgets, cooldowns, cache —
 * opening one per request, pragmas and the migration check included, was a measurable part of the added latency
 * in bench/gateway), the exact cache with its in-flight coalescing, the requests in flight, and the signal that
 * abandons them when a shutdown's grace period runs out.
 */
export class GatewayRuntime {
  readonly db: Db;
  readonly cache: ReplyCache;
  private readonly abandon = new AbortController();
  private inFlight = 0;
  private idle: Array<() => void> = [];

  constructor(gateway: CodeContextGateway) {
    this.db = openDatabase(gateway.config.databasePath);
    // Whatever a process that died left pending or reserved is closed and counted before this one serves.
    recoverInterrupted(this.db);
    this.cache = new ReplyCache(this.db, gateway.config.values.gatewayCacheTtlSeconds);
  }

  get shutdown(): AbortSignal {
    return this.abandon.signal;
  }

  /** Run one request's handler, counted as in flight. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await work();
    } finally {
      if (--this.inFlight === 0) for (const wake of this.idle.splice(0)) wake();
    }
  }

  private settled(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * Let in-flight requests finish and record themselves for up to `graceMs`; then abandon the rest (their
   * upstream calls are aborted and recorded as interrupted, at their quotes) and give them a moment to write
   * that. Whatever is still open after that is closed as interrupted here. Then the database closes.
   */
  async drain(graceMs: number): Promise<{ finished: boolean }> {
    const finished = await this.settled(graceMs);
    if (!finished) {
      this.abandon.abort();
      await this.settled(2000);
    }
    interruptOwn(this.db);
    this.db.close();
    return { finished };
  }
}
