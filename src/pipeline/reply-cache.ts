import { createHash } from 'node:crypto';
import type { ProviderReply } from '../providers/provider-types.js';
import { sql } from '../storage/sql-op.js';
import type { Store } from '../storage/store.js';
import type { RequestOutcome } from './request-outcome.js';

/** A stored answer: what the provider said, who said it, and what it cost the first time (the hit's saving). */
export interface CachedReply {
  reply: ProviderReply;
  provider: string;
  model: string;
  route: 'external' | 'local_model';
  costUsd: number;
  /** What the routing changed of the client's request when the answer was made (replayed in the header). */
  changes: string[];
}

/** Canonical JSON: keys sorted at every level, so field order in the client's body does not change the key. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The exact-cache key: SHA-256 of everything in the client's body that changes the answer (after redaction, the
 * `codecontext` options included, `stream` and `stream_options` left out: a hit replays as SSE), plus the index
 * generation when repository context is asked for (a re-index changes the context), and the models a key is held to
 * (when it is). Not the client's dialect.
 */
export function cacheKey(
  body: Readonly<Record<string, unknown>>,
  options: unknown,
  indexGeneration: number | null,
  allowedModels: readonly string[] | null = null,
): string {
  const { stream: _stream, stream_options: _options, ...rest } = body;
  // A key held to some models gets only answers those models could have given (`auto` routes among them).
  const models = allowedModels ? { models: [...allowedModels].sort() } : {};
  return createHash('sha256')
    .update(canonical({ body: rest, options, generation: indexGeneration, ...models }))
    .digest('hex');
}

/** Where answers are kept for the TTL: the store's response_cache table, or Redis when the gateway has one. */
export interface ReplyEntries {
  get(key: string, now: number): Promise<CachedReply | null>;
  put(key: string, entry: CachedReply, now: number, ttlMs: number): Promise<void>;
}

/** The replica that calls for a key while the others wait for its answer (redis-replies.ts): released when its request ends. */
export interface Lease {
  release(): Promise<void>;
}

/**
 * What a request finds for its key: an answer (stored already, or — `waited` — made meanwhile by the request that
 * led), or the lease that makes it the one to call.
 */
/** `stopped`: the wait for another process's answer was cut short by `signal` (the gateway shutting down). */
export type Lead = { answer: CachedReply; waited: boolean } | { lease: Lease } | { stopped: true };

/** Coalescing across processes: lead the call for a key, or get the answer of the process that leads it. */
export interface Leader {
  lead(key: string, entries: ReplyEntries, now: () => number, signal?: AbortSignal): Promise<Lead>;
}

/** A stored answer as one row: what the store's table holds, and what Redis holds as JSON. */
interface ReplyRow {
  provider: string;
  model: string;
  reply: string;
  cost_usd: number | null;
}

export function rowOf(entry: CachedReply): ReplyRow {
  return {
    provider: entry.provider,
    model: entry.model,
    reply: JSON.stringify({ ...entry.reply, route: entry.route, changes: entry.changes }),
    cost_usd: entry.costUsd,
  };
}

export function entryOf(row: ReplyRow): CachedReply {
  const stored = JSON.parse(row.reply) as ProviderReply & { route?: CachedReply['route']; changes?: string[] };
  const { route, changes, ...reply } = stored;
  return {
    reply,
    provider: row.provider,
    model: row.model,
    route: route ?? 'external',
    costUsd: row.cost_usd ?? 0,
    changes: changes ?? [],
  };
}

/** The answers in the store (SQLite, or every replica's PostgreSQL): the default. */
export class StoreReplies implements ReplyEntries {
  constructor(private readonly store: Store) {}

  async get(key: string, now: number): Promise<CachedReply | null> {
    const row = await this.store.lookup(() =>
      sql.get<ReplyRow>(
        'SELECT provider, model, reply, cost_usd FROM response_cache WHERE key = ? AND expires_at_ms > ?',
        key,
        now,
      ),
    );
    return row ? entryOf(row) : null;
  }

  async put(key: string, entry: CachedReply, now: number, ttlMs: number): Promise<void> {
    const row = rowOf(entry);
    await this.store.write(function* () {
      yield* sql.run(
        `INSERT INTO response_cache (key, created_at_ms, expires_at_ms, provider, model, reply, cost_usd)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET created_at_ms = excluded.created_at_ms, expires_at_ms = excluded.expires_at_ms,
           provider = excluded.provider, model = excluded.model, reply = excluded.reply, cost_usd = excluded.cost_usd`,
        key,
        now,
        now + ttlMs,
        row.provider,
        row.model,
        row.reply,
        row.cost_usd,
      );
      // Expired entries go when new ones come: the table never grows past a TTL's worth of answers.
      yield* sql.run('DELETE FROM response_cache WHERE expires_at_ms <= ?', now);
    });
  }
}

export const NO_LEASE: Lease = { release: async () => {} };

/** A process that leads alone: the stored answer, else it calls (no other process is waited for). */
const SOLO: Leader = {
  lead: async (key, entries, now) => {
    const answer = await entries.get(key, now());
    return answer ? { answer, waited: false } : { lease: NO_LEASE };
  },
};

/**
 * The drop-in exact cache (in the store or Redis, with a TTL) and the coalescing of identical requests in flight:
 * in this process the second waits for the first's answer instead of paying for it again; with a Leader across
 * processes (Redis), a request that another replica is already calling for waits for that one's answer.
 */
export class ReplyCache {
  private readonly pending = new Map<string, Promise<CachedReply | null>>();

  constructor(
    private readonly entries: ReplyEntries,
    private readonly ttlSeconds: number,
    private readonly leader: Leader = SOLO,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): Promise<CachedReply | null> {
    return this.entries.get(key, this.now());
  }

  /** The answer an identical request in flight in this process will have, or null when there is none. */
  inflight(key: string): Promise<CachedReply | null> | null {
    return this.pending.get(key) ?? null;
  }

  /**
   * The stored answer, or that of an identical request another process is calling for (waited for), or the lease
   * that makes this one the caller — released when its request ends, after its answer is stored.
   */
  lead(key: string, signal?: AbortSignal): Promise<Lead> {
    return this.leader.lead(key, this.entries, this.now, signal);
  }

  /** Run `call` as the one request for `key`; its answer, when it has one, is stored and shared. */
  async share(
    key: string,
    call: () => Promise<{ outcome: RequestOutcome; entry: CachedReply | null }>,
  ): Promise<RequestOutcome> {
    let settle: (entry: CachedReply | null) => void = () => {};
    const mine = new Promise<CachedReply | null>((resolve) => (settle = resolve));
    this.pending.set(key, mine);
    let entry: CachedReply | null = null;
    try {
      const result = await call();
      entry = result.entry;
      if (entry) await this.entries.put(key, entry, this.now(), this.ttlSeconds * 1000);
      return result.outcome;
    } finally {
      // Only its own: a second leader for the key (it arrived before this one registered) keeps its followers.
      if (this.pending.get(key) === mine) this.pending.delete(key);
      settle(entry);
    }
  }
}
