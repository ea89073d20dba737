import { setMaxListeners } from 'node:events';
import { startBackgroundCheckpoints, type BackgroundCheckpoints } from '../indexing/background-checkpoints.js';
import { watchIndexedTree } from '../indexing/keep-index-fresh.js';
import { openDatabase, type Db } from '../indexing/open-database.js';
import { migratedLedgerStore } from '../ledger/ledger-store.js';
import { interruptOwn, recoverInterrupted } from '../ledger/spend-budget.js';
import { loadEncodings } from '../pack/token-counter.js';
import { RedisReplies } from '../pipeline/redis-replies.js';
import { ReplyCache, StoreReplies } from '../pipeline/reply-cache.js';
import type { Reports } from '../report/gateway-reports.js';
import { ReportPool } from '../report/report-pool.js';
import { StoreReports } from '../report/store-reports.js';
import type { CodeContextGateway } from '../route/code-context-gateway.js';
import { InFlight } from '../shared/in-flight.js';
import { PostgresStore } from '../storage/postgres-store.js';
import { RedisLink } from '../storage/redis-link.js';
import { SqliteStore } from '../storage/sqlite-store.js';
import type { Store } from '../storage/store.js';

/**
 * What a gateway process holds for its lifetime: one SQLite connection (the index; and by default the ledger,
 * budgets, cooldowns and cache — opening one per request, pragmas and the migration check included, was a
 * measurable part of the added latency in bench/gateway), or with `[storage] url` the process's one PostgreSQL pool
 * for those; the exact cache with its in-flight coalescing; the reports (on SQLite a worker thread with a connection
 * of its own, off the serving thread; on PostgreSQL the server's work); the requests in flight, and the signal
 * that abandons them when a shutdown's grace period runs out.
 */
export class GatewayRuntime {
  readonly db: Db;
  /** The shared state (ledger, budgets, cooldowns, cache; see src/storage): this connection's, or the team's pool. */
  readonly store: Store;
  readonly cache: ReplyCache;
  /** `[cache] redis_url`: the cache, coalescing across replicas and rate counters; null without one. */
  readonly redis: RedisLink | null;
  readonly reports: Reports;
  private readonly abandon = new AbortController();
  private readonly inFlight = new InFlight();

  constructor(gateway: CodeContextGateway, options: { watch?: boolean; onWarning?: (message: string) => void } = {}) {
    // Every upstream call in flight listens for the shutdown: as many listeners as requests, by design (Node
    // warned of a leak past 10).
    setMaxListeners(0, this.abandon.signal);
    this.db = openDatabase(gateway.config.databasePath);
    const url = gateway.config.values.storage.url;
    this.store = url === undefined ? SqliteStore.of(this.db) : PostgresStore.shared(url);
    // Watching makes "is the index fresh?" a flag check per request (keep-index-fresh.ts).
    this.treeWatch = options.watch === false ? null : watchIndexedTree(gateway.config, options.onWarning);
    // Whatever a process that died left pending or reserved is closed and counted before this one serves (every
    // request waits for it in track; on SQLite it is done by the time the constructor returns).
    this.recovered = this.recover();
    const redisUrl = gateway.config.values.cache.redisUrl;
    this.redis = redisUrl === undefined ? null : RedisLink.shared(redisUrl, options.onWarning);
    const ttl = gateway.config.values.gatewayCacheTtlSeconds;
    if (this.redis) {
      const replies = new RedisReplies(this.redis);
      this.cache = new ReplyCache(replies, ttl, replies);
    } else this.cache = new ReplyCache(new StoreReplies(this.store), ttl);
    // The first requests wait (up to 2 s) for the link rather than miss the cache a fresh replica shares.
    this.redisReady = this.redis?.whenReady(2000) ?? Promise.resolve();
    this.checkpoints = startBackgroundCheckpoints(this.db, gateway.config.databasePath);
    this.reports =
      this.store.dialect === 'sqlite' ? new ReportPool(gateway.config.databasePath) : new StoreReports(this.store);
    loadEncodings();
  }

  private recovered: Promise<number>;
  private readonly redisReady: Promise<void>;

  /** The ledger migrated and dead processes' requests closed; a failure (the file locked) is tried again next time. */
  private recover(): Promise<number> {
    const attempt = migratedLedgerStore(this.store).then(recoverInterrupted);
    attempt.catch(() => {});
    return attempt;
  }
  private readonly checkpoints: BackgroundCheckpoints;
  private readonly treeWatch: { close(): void } | null;

  get shutdown(): AbortSignal {
    return this.abandon.signal;
  }

  /** Run one request's handler, counted as in flight. */
  track<T>(work: () => Promise<T>): Promise<T> {
    return this.inFlight.track(async () => {
      await this.redisReady;
      await (this.recovered = this.recovered.catch(() => this.recover()));
      return work();
    });
  }

  /**
   * Let in-flight requests finish and record themselves for up to `graceMs`; then abandon the rest (their
   * upstream calls are aborted and recorded as interrupted, at their quotes) and give them a moment to write
   * that. Whatever is still open after that is closed as interrupted here. Then the database closes.
   */
  async drain(graceMs: number): Promise<{ finished: boolean }> {
    const finished = await this.inFlight.idle(graceMs);
    if (!finished) {
      this.abandon.abort();
      await this.inFlight.idle(2000);
    }
    // A store out of reach now (PostgreSQL down) leaves them to the next process's recovery: this pid is gone then.
    await interruptOwn(this.store).catch(() => {});
    this.treeWatch?.close();
    await this.reports.close();
    await this.checkpoints.stop();
    if (this.store.dialect === 'postgres') await this.store.close();
    await this.redis?.close();
    this.db.close();
    return { finished };
  }
}
