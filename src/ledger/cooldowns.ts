import { cachedStatement, type Db } from '../indexing/open-database.js';

/** The `model` of a cooldown that holds for every model of a provider called with one key (a rejected key). */
export function wholeProvider(keyFingerprint: string): string {
  return `*key:${keyFingerprint}`;
}

export interface Cooldown {
  provider: string;
  model: string;
  reason: string;
  until: string;
}

/**
 * Providers (or one model of a provider) to skip until a time, in the database so that every CLI process and
 * every gateway process on it share them. Keys are (provider, model); a rejected key cools down every model of
 * the provider called with that key (`model = '*key:<fingerprint>'`, see keyFingerprint).
 */
export class Cooldowns {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  coolDown(provider: string, model: string, seconds: number, reason: string): void {
    if (seconds <= 0) return;
    cachedStatement(
      this.db,
      `INSERT INTO cooldowns (provider, model, until_ms, reason) VALUES (?, ?, ?, ?)
       ON CONFLICT (provider, model) DO UPDATE SET until_ms = MAX(until_ms, excluded.until_ms), reason = excluded.reason`,
    ).run(provider, model, this.now() + seconds * 1000, reason);
  }

  /** The cooldown that keeps this provider's model out now, if any: the model's own, or its key's. */
  active(provider: string, model: string, keyFingerprint: string): Cooldown | null {
    const row = cachedStatement(
      this.db,
      `SELECT provider, model, until_ms, reason FROM cooldowns WHERE provider = ? AND model IN (?, ?) AND until_ms > ?
       ORDER BY until_ms DESC LIMIT 1`,
    ).get(provider, model, wholeProvider(keyFingerprint), this.now()) as
      { provider: string; model: string; until_ms: number; reason: string } | undefined;
    return row
      ? { provider: row.provider, model: row.model, reason: row.reason, until: new Date(row.until_ms).toISOString() }
      : null;
  }

  list(): Cooldown[] {
    const rows = cachedStatement(
      this.db,
      'SELECT provider, model, until_ms, reason FROM cooldowns WHERE until_ms > ? ORDER BY provider, model',
    ).all(this.now()) as Array<{ provider: string; model: string; until_ms: number; reason: string }>;
    return rows.map((row) => ({
      provider: row.provider,
      model: row.model,
      reason: row.reason,
      until: new Date(row.until_ms).toISOString(),
    }));
  }
}
