import { randomUUID } from 'node:crypto';
import type { RedisLink } from '../storage/redis-link.js';
import {
  entryOf,
  NO_LEASE,
  rowOf,
  type CachedReply,
  type Lead,
  type Leader,
  type ReplyEntries,
} from './reply-cache.js';

/**
 * A lease's time to live, renewed by its holder every third of it while it calls: a leader that dies (`kill -9`)
 * holds the others up for at most this long, and a slow model's call keeps its lease however long it takes.
 */
export const LEASE_MS = 10_000;
/** However long a leader keeps renewing, a waiter calls for itself after this (longer than any attempt sequence). */
const MAX_WAIT_MS = 5 * 60_000;
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 100;

/** Deletes the lease only when it is still this holder's (it may have expired and been taken by another). */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** Extends the lease only when it is still this holder's. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * One atomic step of waiting: the answer when it is there ({1, answer}), else the lease when nobody holds it ({2}),
 * else {0}. Atomic, so a leader that stores its answer and releases between a waiter's two reads cannot make the
 * waiter call again.
 */
const ANSWER_OR_LEAD = `local answer = redis.call('GET', KEYS[1])
if answer then return {1, answer} end
if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return {2} end
return {0}`;

/** Resolves after `ms`, or at once when `signal` aborts. */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** A stored answer, or null for an entry that does not read as one (a miss: it is replaced by the next answer). */
function parsed(json: string): CachedReply | null {
  try {
    return entryOf(JSON.parse(json));
  } catch {
    return null;
  }
}

/**
 * The exact cache and the coalescing across replicas, in Redis (`[cache] redis_url`): an answer is `reply:<key>`
 * with the TTL as its expiry; the request calling for a key holds `lead:<key>` (SET NX, renewed while it calls),
 * and an identical request on any replica waits for the answer while that lease stands. Redis out of reach: a miss,
 * and every request leads (calls for itself) — the cost of a lost Redis is paying twice, never a wrong or stuck
 * answer.
 */
export class RedisReplies implements ReplyEntries, Leader {
  constructor(
    private readonly link: RedisLink,
    private readonly leaseMs = LEASE_MS,
  ) {}

  async get(key: string): Promise<CachedReply | null> {
    const json = await this.link.run((redis) => redis.get(`reply:${key}`), null);
    return json === null ? null : parsed(json);
  }

  async put(key: string, entry: CachedReply, _now: number, ttlMs: number): Promise<void> {
    await this.link.run((redis) => redis.set(`reply:${key}`, JSON.stringify(rowOf(entry)), 'PX', ttlMs), null);
  }

  async lead(key: string, _entries: ReplyEntries, now: () => number, signal?: AbortSignal): Promise<Lead> {
    const holder = randomUUID();
    const deadline = now() + MAX_WAIT_MS;
    let pollMs = FIRST_POLL_MS;
    for (let waited = false; ; waited = true) {
      const step = await this.link.run(
        (redis) => redis.eval(ANSWER_OR_LEAD, 2, `reply:${key}`, `lead:${key}`, holder, this.leaseMs),
        null,
      );
      // Redis out of reach (now, or while waiting): call for itself.
      if (!Array.isArray(step)) return { lease: NO_LEASE };
      if (step[0] === 1) {
        const answer = parsed(String(step[1]));
        // An entry that does not read as an answer: call, and the new answer replaces it.
        return answer ? { answer, waited } : { lease: NO_LEASE };
      }
      if (step[0] === 2) return { lease: this.leaseOf(key, holder) };
      if (now() >= deadline) return { lease: NO_LEASE };
      await sleep(pollMs, signal);
      // Shutting down: a waiter has called nothing and holds nothing, so it just stops (no upstream call now).
      if (signal?.aborted) return { stopped: true };
      pollMs = Math.min(MAX_POLL_MS, Math.ceil(pollMs * 1.5));
    }
  }

  /** The held lease, renewed every third of its life until released. */
  private leaseOf(key: string, holder: string) {
    const renew = setInterval(() => {
      void this.link.run((redis) => redis.eval(RENEW, 1, `lead:${key}`, holder, this.leaseMs), null);
    }, this.leaseMs / 3);
    renew.unref();
    return {
      release: async () => {
        clearInterval(renew);
        await this.link.run((redis) => redis.eval(RELEASE, 1, `lead:${key}`, holder), null);
      },
    };
  }
}
