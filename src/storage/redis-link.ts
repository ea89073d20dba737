import { Redis, ReplyError } from 'ioredis';

/** How long one Redis command may take before the request goes on without it (a cache miss, the store's count). */
const COMMAND_TIMEOUT_MS = 200;
/** Reconnection backs off to this: a stopped Redis is tried again about once a second, never in a tight loop. */
const MAX_RECONNECT_DELAY_MS = 1000;
/** Every key this gateway writes starts with this, so one Redis can serve other applications too. */
export const REDIS_PREFIX = 'codecontext:';

const shared = new Map<string, RedisLink>();

/**
 * The gateway's optional Redis (`[cache] redis_url`): the response cache, in-flight coalescing across replicas and
 * per-key rate limits. Nothing depends on it: a command that fails or takes longer than COMMAND_TIMEOUT_MS gives its
 * caller's fallback (a cache miss, a request that leads instead of waiting, the rate counted in the store), so a
 * stopped Redis slows nothing down and lets no spend through — budgets are never kept here. Commands are never
 * queued while the link is down (a queued SET would land seconds later); the link reconnects by itself.
 */
export class RedisLink {
  private readonly client: Redis;
  private down = false;

  /** Holders of the shared link: it disconnects when the last one closes it. */
  private users = 1;

  /** The process's one link for a URL, made on first use; each caller closes it once. */
  static shared(url: string, onWarning?: (message: string) => void): RedisLink {
    let link = shared.get(url);
    if (link) link.users++;
    else shared.set(url, (link = new RedisLink(url, onWarning)));
    return link;
  }

  constructor(
    url: string,
    private readonly onWarning: (message: string) => void = () => {},
  ) {
    this.client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: 2000,
      keyPrefix: REDIS_PREFIX,
      retryStrategy: (times) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS),
    });
    // An outage is said once when it starts and once when it ends, never per request (and never with the URL).
    this.client.on('error', (error: Error) => this.lost(error.message));
    this.client.on('ready', () => this.down && this.back());
  }

  /** Whether commands can be sent now (false while connecting or after a loss). */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Resolves once the link is ready, or after `timeoutMs` (it then serves without Redis until it connects). */
  whenReady(timeoutMs: number): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.client.once('ready', done);
    });
  }

  /** Run commands; their failure (Redis down, slow, or refusing) gives `fallback` instead of an error. */
  async run<T>(commands: (client: Redis) => Promise<T>, fallback: T): Promise<T> {
    if (!this.ready) return fallback;
    try {
      const result = await commands(this.client);
      if (this.down) this.back();
      return result;
    } catch (error) {
      // Redis answered with an error (out of memory, a wrong type): the server is there, only this command
      // failed. An outage is a connection that failed or a command that timed out.
      if (!(error instanceof ReplyError)) this.lost(error instanceof Error ? error.message : String(error));
      return fallback;
    }
  }

  private lost(reason: string): void {
    if (this.down) return;
    this.down = true;
    this.onWarning(
      `redis is unreachable (${reason}): serving without it — cache misses, no coalescing across replicas, rate limits counted in the ledger`,
    );
  }

  private back(): void {
    this.down = false;
    this.onWarning('redis is back: the shared cache, coalescing and rate counters are in use again');
  }

  async close(): Promise<void> {
    if (--this.users > 0) return;
    for (const [url, link] of shared) if (link === this) shared.delete(url);
    this.client.disconnect();
  }
}
