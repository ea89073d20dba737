import { randomUUID } from 'node:crypto';
import type { RedisLink } from '../storage/redis-link.js';
import {
  entryOf,
  NO_LEASE,
  rowOf,
  type CachedReply,
  type Leader,
  type Lease,
  type ReplyEntries,
} from './reply-cache.js';

/**
 * How long a leader may call before the requests waiting on it stop waiting and call for themselves: long enough
 * for a slow model's answer, short enough that a leader killed with `kill -9` holds nobody up for long.
 */
export const LEASE_MS = 30_000;
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 100;

/** Deletes the lease only when it is still this holder's (it may have expired and been taken by another). */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * One atomic step of waiting: the answer when it is there ({1, answer}), else the lease when nobody holds it ({2}),
 * else {0}. Atomic, so a leader that stores its answer and releases between a waiter's two reads cannot make the
 * waiter call again.
 */
const ANSWER_OR_LEAD = `local answer = redis.call('GET', KEYS[1])
if answer then return {1, answer} end
if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return {2} end
return {0}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The exact cache and the coalescing across replicas, in Redis (`[cache] redis_url`): an answer is `reply:<key>`
 * with the TTL as its expiry; the request calling for a key holds `lead:<key>` (SET NX with LEASE_MS), and an
 * identical request on any replica waits for the answer while that lease stands. Redis out of reach: a miss, and
 * every request leads (calls for itself) — the cost of a lost Redis is paying twice, never a wrong or stuck answer.
 */
export class RedisReplies implements ReplyEntries, Leader {
  constructor(
    private readonly link: RedisLink,
    private readonly leaseMs = LEASE_MS,
  ) {}

  get(key: string): Promise<CachedReply | null> {
    return this.link.run(async (redis) => {
      const json = await redis.get(`reply:${key}`);
      return json === null ? null : entryOf(JSON.parse(json));
    }, null);
  }

  async put(key: string, entry: CachedReply, _now: number, ttlMs: number): Promise<void> {
    await this.link.run((redis) => redis.set(`reply:${key}`, JSON.stringify(rowOf(entry)), 'PX', ttlMs), null);
  }

  async lead(key: string, _entries: ReplyEntries, now: () => number): Promise<CachedReply | Lease> {
    const holder = randomUUID();
    const deadline = now() + this.leaseMs;
    let pollMs = FIRST_POLL_MS;
    for (;;) {
      const step = await this.link.run(
        (redis) => redis.eval(ANSWER_OR_LEAD, 2, `reply:${key}`, `lead:${key}`, holder, this.leaseMs),
        null,
      );
      // Redis out of reach (now, or while waiting): call for itself.
      if (!Array.isArray(step)) return NO_LEASE;
      if (step[0] === 1) return entryOf(JSON.parse(String(step[1])));
      if (step[0] === 2) return this.leaseOf(key, holder);
      if (now() >= deadline) return NO_LEASE;
      await sleep(pollMs);
      pollMs = Math.min(MAX_POLL_MS, Math.ceil(pollMs * 1.5));
    }
  }

  private leaseOf(key: string, holder: string): Lease {
    return {
      release: async () => {
        await this.link.run((redis) => redis.eval(RELEASE, 1, `lead:${key}`, holder), null);
      },
    };
  }
}
