import { cachedStatement, cachedTransaction, type Db } from '../indexing/open-database.js';
import { HOST, Ledger, type CallRole } from './ledger.js';

/**
 * Daily and monthly spend limits shared by every process using the database. An attempt reserves its quote (its
 * worst case) inside `BEGIN IMMEDIATE` (one writer at a time), so two processes can never both see room that only
 * one of them fits in; the transaction that writes the attempt's calls row, whose cost then counts instead, sets
 * the reservation to $0, and the row goes when its request closes. Committed spend = every call's counted cost (provider-reported, or a safe bound when
 * the provider reported none) + live reservations.
 *
 * A reservation is written even with no limit set: it is the record of money in flight. One whose process is gone
 * (same host, pid not alive), or another process's that outlived its deadline, is never just dropped — it becomes
 * an `interrupted` calls row at its amount (the provider may have billed the call) and its request is closed as
 * `interrupted`. So a `kill -9` neither blocks the budget forever nor makes it forget spend.
 */
export interface BudgetLimits {
  perDay?: number;
  perMonth?: number;
}

export type Reservation =
  | { ok: true; id: number; amountUsd: number }
  | { ok: false; window: 'day' | 'month'; limit: number; committed: number };

export interface ReservationFor {
  runId: string;
  requestId: number;
  provider: string;
  model: string;
  role: CallRole;
  amountUsd: number;
  ttlMs: number;
}

interface ReservationRow {
  id: number;
  request_id: number | null;
  provider: string | null;
  model: string | null;
  role: CallRole | null;
  amount_usd: number;
  pid: number;
  host: string;
  expires_at_ms: number;
}

/**
 * A reservation whose call never got its own row becomes one: `interrupted`, at the reserved amount (counted
 * against budgets, shown as unreported spend), and the reservation goes. Its request is closed as interrupted.
 */
function chargeInterrupted(db: Db, row: ReservationRow): void {
  if (row.request_id !== null && row.amount_usd > 0) {
    const attempt = (
      cachedStatement(db, 'SELECT COUNT(*) AS n FROM calls WHERE request_id = ?').get(row.request_id) as { n: number }
    ).n;
    new Ledger(db).recordCall(row.request_id, {
      attempt: attempt + 1,
      role: row.role ?? 'first',
      provider: row.provider ?? 'unknown',
      model: row.model ?? 'unknown',
      local: false,
      httpStatus: null,
      errorClass: 'interrupted',
      latencyMs: 0,
      usage: null,
      usageSource: 'interrupted',
      costUsd: row.amount_usd,
      quoteUsd: row.amount_usd,
      quoteInputTokens: null,
    });
  }
  if (row.request_id !== null) closeInterrupted(db, row.request_id);
  cachedStatement(db, 'DELETE FROM budget_reservations WHERE id = ?').run(row.id);
}

const RECONCILE_EVERY_MS = 1000;
const reconciledAt = new WeakMap<Db, number>();

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

  /** Reserve an attempt's quote, or say which limit it would break (nothing is written then). */
  reserve(request: ReservationFor): Reservation {
    return cachedTransaction(this.db, 'budget.reserve', (budget: SpendBudget, request: ReservationFor) =>
      budget.reserveInTransaction(request),
    ).immediate(this, request);
  }

  /** `reserve` for a caller already inside a `BEGIN IMMEDIATE` transaction (one that writes the request row too). */
  reserveInTransaction(request: ReservationFor): Reservation {
    const now = this.now();
    // Other processes' stale reservations still count until reconciled, so checking at most once a second only
    // ever over-counts for that second.
    const last = reconciledAt.get(this.db) ?? -Infinity;
    if (now - last >= RECONCILE_EVERY_MS || now < last) {
      this.reconcile(now);
      reconciledAt.set(this.db, now);
    }
    const refused = this.refusal(request.amountUsd, now);
    if (refused) return refused;
    const result = cachedStatement(
      this.db,
      `INSERT INTO budget_reservations (run_id, request_id, provider, model, role, amount_usd, created_at_ms, pid, host,
         expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      request.runId,
      request.requestId,
      request.provider,
      request.model,
      request.role,
      request.amountUsd,
      now,
      process.pid,
      HOST,
      now + request.ttlMs,
    );
    return { ok: true, id: Number(result.lastInsertRowid), amountUsd: request.amountUsd };
  }

  /** Whether `amountUsd` would fit now, reserving nothing (dry runs, route-request payloads handed to the user). */
  check(amountUsd: number): Reservation {
    return this.refusal(amountUsd, this.now()) ?? { ok: true, id: 0, amountUsd };
  }

  /**
   * An attempt's reservation once its calls row counts instead (call in that row's transaction): its amount goes to
   * 0, but the row stays until the request closes — the marker by which a dead process's request is found and
   * closed as interrupted, so requests need no index of their own for that.
   */
  release(id: number): void {
    if (id > 0) cachedStatement(this.db, 'UPDATE budget_reservations SET amount_usd = 0 WHERE id = ?').run(id);
  }

  /** A request has closed: its reservation rows go (call in the transaction that closes it). */
  closeRequest(requestId: number): void {
    cachedStatement(this.db, 'DELETE FROM budget_reservations WHERE request_id = ?').run(requestId);
  }

  /** Counted spend since `startMs` (calls, estimates included) plus live reservations made since then. */
  committedSince(startMs: number): number {
    const day = new Date(startMs).toISOString().slice(0, 10);
    const spent = (
      cachedStatement(this.db, 'SELECT COALESCE(SUM(usd), 0) AS usd FROM spend_by_day WHERE day >= ?').get(day) as {
        usd: number;
      }
    ).usd;
    const reserved = (
      cachedStatement(
        this.db,
        'SELECT COALESCE(SUM(amount_usd), 0) AS usd FROM budget_reservations WHERE created_at_ms >= ?',
      ).get(startMs) as { usd: number }
    ).usd;
    return spent + reserved;
  }

  private refusal(amountUsd: number, now: number): Reservation | null {
    if (!this.enabled) return null;
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
    return null;
  }

  /**
   * Turn the reservations of processes that are gone — or another process's past its deadline — into
   * `interrupted` calls rows, and close their requests as `interrupted`. Run inside a write transaction.
   */
  reconcile(now = this.now()): number {
    const rows = cachedStatement(this.db, 'SELECT * FROM budget_reservations WHERE NOT (pid = ? AND host = ?)').all(
      process.pid,
      HOST,
    ) as ReservationRow[];
    const stale = rows.filter((row) => row.expires_at_ms < now || (row.host === HOST && !processAlive(row.pid)));
    for (const row of stale) chargeInterrupted(this.db, row);
    return stale.length;
  }
}

/** A pending request whose process is gone: closed as interrupted, its costs summed from its calls. */
function closeInterrupted(db: Db, requestId: number): void {
  cachedStatement(
    db,
    `UPDATE requests SET status = 'interrupted', completed_at = COALESCE(completed_at, ?), owner_pid = NULL, owner_host = NULL,
       error_class = COALESCE(error_class, 'interrupted'),
       attempts = (SELECT COUNT(*) FROM calls WHERE request_id = ?),
       cost_usd = (SELECT COALESCE(SUM(cost_usd), 0) FROM calls WHERE request_id = ? AND cost_is_estimate = 0),
       unreported_cost_usd = (SELECT COALESCE(SUM(cost_usd), 0) FROM calls WHERE request_id = ? AND cost_is_estimate = 1)
     WHERE id = ? AND status = 'pending'`,
  ).run(new Date().toISOString(), requestId, requestId, requestId, requestId);
}

/**
 * At a process's start: what processes that are gone left in flight — their reservations, one per request still
 * open (a request row is written with its first reservation, and the row stays until the request closes) —
 * becomes interrupted spend and closed requests. Returns how many reservations it settled.
 */
export function recoverInterrupted(db: Db): number {
  return db.transaction(() => new SpendBudget(db, {}).reconcile()).immediate();
}

/** Shutdown: this process's live reservations become interrupted spend and its pending requests are closed. */
export function interruptOwn(db: Db): void {
  db.transaction(() => {
    const own = cachedStatement(db, 'SELECT * FROM budget_reservations WHERE pid = ? AND host = ?').all(
      process.pid,
      HOST,
    ) as ReservationRow[];
    for (const row of own) chargeInterrupted(db, row);
  }).immediate();
}
