import { sql } from '../storage/sql-op.js';
import type { Store } from '../storage/store.js';

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

/** How stale this process's copy of the table may be: another process's new cooldown is seen within this. */
const SNAPSHOT_MS = 500;

interface Snapshot {
  readAt: number;
  rows: Array<{ provider: string; model: string; until_ms: number; reason: string }>;
}

/** One copy per store, re-read at most every SNAPSHOT_MS (a query per candidate per request cost ~20 µs). */
const snapshots = new WeakMap<Store, Snapshot>();

/**
 * Providers (or one model of a provider) to skip until a time, in the store so that every CLI process and every
 * gateway process (every replica, on PostgreSQL) share them. Keys are (provider, model); a rejected key cools down
 * every model of the provider called with that key (`model = '*key:<fingerprint>'`, see keyFingerprint).
 */
export class Cooldowns {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  async coolDown(provider: string, model: string, seconds: number, reason: string): Promise<void> {
    if (seconds <= 0) return;
    const untilMs = this.now() + seconds * 1000;
    // The later end wins: a short cooldown never shortens a longer one another process set.
    await this.store.write(() =>
      sql.run(
        `INSERT INTO cooldowns (provider, model, until_ms, reason) VALUES (?, ?, ?, ?)
         ON CONFLICT (provider, model) DO UPDATE SET
           until_ms = CASE WHEN excluded.until_ms > cooldowns.until_ms THEN excluded.until_ms ELSE cooldowns.until_ms END,
           reason = excluded.reason`,
        provider,
        model,
        untilMs,
        reason,
      ),
    );
    snapshots.delete(this.store);
  }

  private async rows(): Promise<Snapshot['rows']> {
    const now = this.now();
    let snapshot = snapshots.get(this.store);
    if (!snapshot || now - snapshot.readAt > SNAPSHOT_MS || now < snapshot.readAt) {
      const rows = await this.store.lookup(() =>
        sql.all<Snapshot['rows'][number]>(
          'SELECT provider, model, until_ms, reason FROM cooldowns WHERE until_ms > ?',
          now,
        ),
      );
      snapshots.set(this.store, (snapshot = { readAt: now, rows }));
    }
    return snapshot.rows;
  }

  /** The cooldown that keeps this provider's model out now, if any: the model's own, or its key's. */
  async active(provider: string, model: string, keyFingerprint: string): Promise<Cooldown | null> {
    const now = this.now();
    const keyed = wholeProvider(keyFingerprint);
    let row: Snapshot['rows'][number] | undefined;
    for (const entry of await this.rows()) {
      if (entry.provider !== provider || (entry.model !== model && entry.model !== keyed) || entry.until_ms <= now)
        continue;
      if (!row || entry.until_ms > row.until_ms) row = entry;
    }
    return row
      ? { provider: row.provider, model: row.model, reason: row.reason, until: new Date(row.until_ms).toISOString() }
      : null;
  }

  async list(): Promise<Cooldown[]> {
    const now = this.now();
    const rows = await this.store.read(() =>
      sql.all<Snapshot['rows'][number]>(
        'SELECT provider, model, until_ms, reason FROM cooldowns WHERE until_ms > ? ORDER BY provider, model',
        now,
      ),
    );
    return rows.map((row) => ({
      provider: row.provider,
      model: row.model,
      reason: row.reason,
      until: new Date(row.until_ms).toISOString(),
    }));
  }
}
