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
/** How stale this process's copy of the table may be: another process's new cooldown is seen within this. */
const SNAPSHOT_MS = 500;

interface Snapshot {
  readAt: number;
  rows: Array<{ provider: string; model: string; until_ms: number; reason: string }>;
}

/** One copy per connection, re-read at most every SNAPSHOT_MS (a query per candidate per request cost ~20 µs). */
const snapshots = new WeakMap<Db, Snapshot>();

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
    snapshots.delete(this.db);
  }

  private rows(): Snapshot['rows'] {
    const now = this.now();
    let snapshot = snapshots.get(this.db);
    if (!snapshot || now - snapshot.readAt > SNAPSHOT_MS || now < snapshot.readAt) {
      const rows = cachedStatement(
        this.db,
        'SELECT provider, model, until_ms, reason FROM cooldowns WHERE until_ms > ?',
      ).all(now) as Snapshot['rows'];
      snapshots.set(this.db, (snapshot = { readAt: now, rows }));
    }
    return snapshot.rows;
  }

  /** The cooldown that keeps this provider's model out now, if any: the model's own, or its key's. */
  active(provider: string, model: string, keyFingerprint: string): Cooldown | null {
    const now = this.now();
    const keyed = wholeProvider(keyFingerprint);
    let row: Snapshot['rows'][number] | undefined;
    for (const entry of this.rows()) {
      if (entry.provider !== provider || (entry.model !== model && entry.model !== keyed) || entry.until_ms <= now)
        continue;
      if (!row || entry.until_ms > row.until_ms) row = entry;
    }
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
