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
 * generation when repository context is asked for (a re-index changes the context). Not the client's dialect.
 */
export function cacheKey(
  body: Readonly<Record<string, unknown>>,
  options: unknown,
  indexGeneration: number | null,
): string {
  const { stream: _stream, stream_options: _options, ...rest } = body;
  return createHash('sha256')
    .update(canonical({ body: rest, options, generation: indexGeneration }))
    .digest('hex');
}

/**
 * The drop-in exact cache (in the store, with a TTL) and the coalescing of identical requests in flight in this
 * process: the second waits for the first's answer instead of paying for it again.
 */
export class ReplyCache {
  private readonly pending = new Map<string, Promise<CachedReply | null>>();

  constructor(
    private readonly store: Store,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<CachedReply | null> {
    const now = this.now();
    const row = await this.store.read(() =>
      sql.get<{ provider: string; model: string; reply: string; cost_usd: number | null }>(
        'SELECT provider, model, reply, cost_usd FROM response_cache WHERE key = ? AND expires_at_ms > ?',
        key,
        now,
      ),
    );
    if (!row) return null;
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

  /** The answer an identical request in flight will have, or null when there is none. */
  inflight(key: string): Promise<CachedReply | null> | null {
    return this.pending.get(key) ?? null;
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
      if (entry) await this.put(key, entry);
      return result.outcome;
    } finally {
      // Only its own: a second leader for the key (it arrived before this one registered) keeps its followers.
      if (this.pending.get(key) === mine) this.pending.delete(key);
      settle(entry);
    }
  }

  private async put(key: string, entry: CachedReply): Promise<void> {
    const now = this.now();
    const reply = JSON.stringify({ ...entry.reply, route: entry.route, changes: entry.changes });
    const expiresAtMs = now + this.ttlSeconds * 1000;
    await this.store.write(function* () {
      yield* sql.run(
        `INSERT INTO response_cache (key, created_at_ms, expires_at_ms, provider, model, reply, cost_usd)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET created_at_ms = excluded.created_at_ms, expires_at_ms = excluded.expires_at_ms,
           provider = excluded.provider, model = excluded.model, reply = excluded.reply, cost_usd = excluded.cost_usd`,
        key,
        now,
        expiresAtMs,
        entry.provider,
        entry.model,
        reply,
        entry.costUsd,
      );
      // Expired entries go when new ones come: the table never grows past a TTL's worth of answers.
      yield* sql.run('DELETE FROM response_cache WHERE expires_at_ms <= ?', now);
    });
  }
}
