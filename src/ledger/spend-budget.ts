import os from 'node:os';
import { cachedStatement, type Db } from '../indexing/open-database.js';

/**
 * Daily and monthly spend limits shared by every process using the database. A request reserves its worst-case
 * cost inside `BEGIN IMMEDIATE` (one writer at a time), so two processes can never both see room that only one
 * of them fits in. When the call ends, its real cost is written to `calls` and the reservation deleted in one
 * transaction. A reservation whose process died (same host, pid gone) or that outlived its deadline is ignored
 * and purged, so a `kill -9` cannot block the budget forever.
 */
export interface BudgetLimits {
  perDay?: number;
  perMonth?: number;
}

export type Reservation =
  { ok: true; id: number } | { ok: false; window: 'day' | 'month'; limit: number; committed: number };

const HOST = os.hostname();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive but not ours.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class SpendBudget {
  constructor(
    private readonly db: Db,
    private readonly limits: BudgetLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.limits.perDay !== undefined || this.limits.perMonth !== undefined;
  }

  /** Reserve `amountUsd` for `runId` until `ttlMs` from now, or say which limit it would break. */
  reserve(runId: string, amountUsd: number, ttlMs: number): Reservation {
    if (!this.enabled) return { ok: true, id: 0 };
    return this.db
      .transaction((): Reservation => {
        const now = this.now();
        this.purge(now);
        const date = new Date(now);
        const windows: Array<['day' | 'month', number | undefined, number]> = [
          ['day', this.limits.perDay, Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate())],
          ['month', this.limits.perMonth, Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)],
        ];
        for (const [window, limit, start] of windows) {
          if (limit === undefined) continue;
          const committed = this.committedSince(start);
          if (committed + amountUsd > limit + 1e-12) return { ok: false, window, limit, committed };
        }
        const result = cachedStatement(
          this.db,
          'INSERT INTO budget_reservations (run_id, amount_usd, created_at_ms, pid, host, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?)',
        ).run(runId, amountUsd, now, process.pid, HOST, now + ttlMs);
        return { ok: true, id: Number(result.lastInsertRowid) };
      })
      .immediate();
  }

  /** Drop a reservation; call inside the transaction that records the call's real cost. */
  release(id: number): void {
    if (id > 0) cachedStatement(this.db, 'DELETE FROM budget_reservations WHERE id = ?').run(id);
  }

  /** Real spend since `startMs` plus live reservations made since then. */
  committedSince(startMs: number): number {
    const spent = (
      cachedStatement(
        this.db,
        'SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM calls WHERE created_at >= ? AND cost_is_estimate = 0',
      ).get(new Date(startMs).toISOString()) as { usd: number }
    ).usd;
    const reserved = (
      cachedStatement(
        this.db,
        'SELECT COALESCE(SUM(amount_usd), 0) AS usd FROM budget_reservations WHERE created_at_ms >= ?',
      ).get(startMs) as { usd: number }
    ).usd;
    return spent + reserved;
  }

  private purge(now: number): void {
    const rows = cachedStatement(
      this.db,
      'SELECT id, pid, host, expires_at_ms FROM budget_reservations',
    ).all() as Array<{ id: number; pid: number; host: string; expires_at_ms: number }>;
    const remove = cachedStatement(this.db, 'DELETE FROM budget_reservations WHERE id = ?');
    for (const row of rows) {
      if (row.expires_at_ms < now || (row.host === HOST && !processAlive(row.pid))) remove.run(row.id);
    }
  }
}
