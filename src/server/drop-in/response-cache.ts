import { createHash } from 'node:crypto';
import { cachedStatement, type Db } from '../../indexing/open-database.js';
import type { ProviderReply } from '../../providers/provider-types.js';
import type { ClientChat } from './client-format.js';

/** A stored answer: what the provider said, who said it, and what it cost the first time. */
export interface CachedReply {
  reply: ProviderReply;
  provider: string;
  model: string;
  costUsd: number | null;
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
 * The exact-cache key: SHA-256 of what changes the answer — model, messages (system included, after redaction),
 * sampling parameters and output limit, the context request — plus the index generation when repository context
 * was asked for (a re-index changes the context). Not `stream` (a hit replays as SSE), not the client's format.
 */
export function cacheKey(chat: ClientChat, messages: ClientChat['messages'], indexGeneration: number | null): string {
  return createHash('sha256')
    .update(
      canonical({
        model: chat.model,
        messages,
        max_tokens: chat.maxTokens ?? null,
        temperature: chat.temperature ?? null,
        context: chat.context.auto ? chat.context : null,
        generation: indexGeneration,
      }),
    )
    .digest('hex');
}

export class ResponseCache {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): CachedReply | null {
    const row = cachedStatement(
      this.db,
      'SELECT provider, model, reply, cost_usd FROM response_cache WHERE key = ? AND expires_at_ms > ?',
    ).get(key, this.now()) as { provider: string; model: string; reply: string; cost_usd: number | null } | undefined;
    return row
      ? {
          reply: JSON.parse(row.reply) as ProviderReply,
          provider: row.provider,
          model: row.model,
          costUsd: row.cost_usd,
        }
      : null;
  }

  put(key: string, entry: CachedReply, ttlSeconds: number): void {
    const now = this.now();
    cachedStatement(
      this.db,
      'INSERT OR REPLACE INTO response_cache (key, created_at_ms, expires_at_ms, provider, model, reply, cost_usd) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(key, now, now + ttlSeconds * 1000, entry.provider, entry.model, JSON.stringify(entry.reply), entry.costUsd);
    // Expired entries go when new ones come: the table never grows past a TTL's worth of answers.
    cachedStatement(this.db, 'DELETE FROM response_cache WHERE expires_at_ms <= ?').run(now);
  }
}
