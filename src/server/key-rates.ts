import { requestsInLastMinuteOp, tokensInLastMinuteOp, type AdmittedKey } from '../ledger/api-keys.js';
import type { RedisLink } from '../storage/redis-link.js';
import type { Store } from '../storage/store.js';

const WINDOW_MS = 60_000;

/**
 * The last minute's count of a key, estimated from two fixed one-minute windows: the previous one's count weighted
 * by how much of it is still inside the last 60 s (ARGV[1]), plus the current one's.
 */
const ESTIMATE = `local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local used = previous * tonumber(ARGV[1]) + current`;

/**
 * One request counted against a per-minute limit when it fits (1), or not counted (0): checked and counted in one
 * step, so replicas racing for the last slot cannot both take it.
 */
const TAKE = `${ESTIMATE}
if used >= tonumber(ARGV[2]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ${2 * WINDOW_MS})
return 1`;

/** Whether the tokens already used leave room (1) or not (0); tokens are counted when a request ends. */
const ROOM = `${ESTIMATE}
if used >= tonumber(ARGV[2]) then return 0 end
return 1`;

/** The limit a request ran into, and when the key may ask again. */
export interface RateRefusal {
  limit: 'rpm' | 'tpm';
  retryAfterSeconds: number;
}

/**
 * A key's requests and tokens per minute, across replicas: counted in Redis when the gateway has one (counters per
 * key and minute), else — and whenever Redis is out of reach — read from the ledger's last minute, which every
 * replica on one PostgreSQL shares. Tokens are the input + output of the key's calls as their rows count them, added
 * when a request ends: a request that starts under the limit may end over it, and the next one waits. Rates only:
 * money is never decided here.
 */
export class KeyRates {
  constructor(
    private readonly store: Store,
    private readonly redis: RedisLink | null,
    private readonly now: () => number = Date.now,
  ) {}

  /** Why the key must wait now, or null when its request may go (and is counted against its rpm). */
  async refusal(key: AdmittedKey): Promise<RateRefusal | null> {
    const now = this.now();
    const window = Math.floor(now / WINDOW_MS);
    const untilNextWindow = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
    const weight = 1 - (now - window * WINDOW_MS) / WINDOW_MS;
    const counters = (kind: string) => [`${kind}:${key.keyId}:${window}`, `${kind}:${key.keyId}:${window - 1}`];
    const step = async (script: string, kind: string, limit: number): Promise<number | null> =>
      this.redis
        ? this.redis.run(async (redis) => Number(await redis.eval(script, 2, ...counters(kind), weight, limit)), null)
        : null;
    if (key.tpm !== null) {
      const room = await step(ROOM, 'tpm', key.tpm);
      const used = room === null ? await this.store.lookup(() => tokensInLastMinuteOp(key.keyId, now)) : null;
      if (room === 0) return { limit: 'tpm', retryAfterSeconds: untilNextWindow };
      if (used !== null && used >= key.tpm) return { limit: 'tpm', retryAfterSeconds: 60 };
    }
    if (key.rpm !== null) {
      const taken = await step(TAKE, 'rpm', key.rpm);
      if (taken === 0) return { limit: 'rpm', retryAfterSeconds: untilNextWindow };
      if (taken === null && (await this.store.lookup(() => requestsInLastMinuteOp(key.keyId, now))) >= key.rpm)
        return { limit: 'rpm', retryAfterSeconds: 60 };
    }
    return null;
  }

  /** A request of a key with a tpm limit has ended: its tokens count in Redis (the ledger has them already). */
  async spent(key: AdmittedKey, tokens: number): Promise<void> {
    if (key.tpm === null || tokens <= 0 || !this.redis) return;
    const counter = `tpm:${key.keyId}:${Math.floor(this.now() / WINDOW_MS)}`;
    await this.redis.run(async (redis) => {
      await redis
        .multi()
        .incrby(counter, tokens)
        .pexpire(counter, 2 * WINDOW_MS)
        .exec();
    }, undefined);
  }
}
