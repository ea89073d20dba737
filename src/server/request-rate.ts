import { requestsInLastMinuteOp } from '../ledger/api-keys.js';
import type { RedisLink } from '../storage/redis-link.js';
import type { Store } from '../storage/store.js';

const WINDOW_MS = 60_000;

/**
 * One request counted against a per-minute limit, when it fits: a sliding minute estimated from two fixed windows
 * (the previous one's count weighted by how much of it is still inside the last 60 s), checked and counted in one
 * step so replicas racing for the last slot cannot both take it. Returns 1 (counted) or 0 (over the limit).
 */
const TAKE = `local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[2]) + current >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ${2 * WINDOW_MS})
return 1`;

/**
 * A key's requests-per-minute limit, across replicas: counted in Redis when the gateway has one (a counter per key
 * and minute), else — and whenever Redis is out of reach — read from the ledger's requests of the last minute, which
 * every replica on one PostgreSQL shares. Either way it limits the rate of requests; money is never decided here.
 */
export class RequestRate {
  constructor(
    private readonly store: Store,
    private readonly redis: RedisLink | null,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the key may ask again when it has made its `rpm` requests in the last minute, else 0. */
  async wait(keyId: string, rpm: number): Promise<number> {
    const now = this.now();
    const window = Math.floor(now / WINDOW_MS);
    const intoWindow = now - window * WINDOW_MS;
    const taken = this.redis
      ? await this.redis.run(
          async (redis) =>
            Number(
              await redis.eval(
                TAKE,
                2,
                `rpm:${keyId}:${window}`,
                `rpm:${keyId}:${window - 1}`,
                rpm,
                1 - intoWindow / WINDOW_MS,
              ),
            ),
          null,
        )
      : null;
    if (taken !== null) return taken === 1 ? 0 : Math.max(1, Math.ceil((WINDOW_MS - intoWindow) / 1000));
    const made = await this.store.read(() => requestsInLastMinuteOp(keyId, now));
    return made >= rpm ? 60 : 0;
  }
}
