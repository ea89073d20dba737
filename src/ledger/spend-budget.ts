import { sql, type SqlOp } from '../storage/sql-op.js';
import type { Store } from '../storage/store.js';
import { HOST, Ledger, type CallRole, type Scope } from './ledger.js';

/**
 * Daily and monthly spend limits shared by every process using the store. An attempt reserves its quote (its
 * worst case) in one write under the budget lock (SQLite: `BEGIN IMMEDIATE`, one writer per file; PostgreSQL: an
 * advisory lock every replica waits for), so two processes can never both see room that only one of them fits in; the transaction that writes the attempt's calls row, whose cost then counts instead, sets
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
  /** The caller's own limits (api-keys.ts): its key's, and its team's. Each holds alongside the store-wide ones. */
  scopes?: ScopeLimit[];
}

/** A limit on the spend of one key or one team (scopesOf names them), counted as the ledger records it. */
export interface ScopeLimit extends Scope {
  perDay?: number;
  perMonth?: number;
}

export type Reservation =
  | { ok: true; id: number; amountUsd: number }
  | { ok: false; window: 'day' | 'month'; limit: number; committed: number; scope?: Scope['scope'] };

export interface ReservationFor {
  runId: string;
  requestId: number;
  provider: string;
  model: string;
  role: CallRole;
  amountUsd: number;
  ttlMs: number;
  /** The caller's key and team: its reservation counts against their budgets too. */
  keyId?: string | null;
  team?: string | null;
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
  key_id: string | null;
  team: string | null;
}

/** The lock every reservation takes: budget checks and the reservations they admit happen one at a time. */
export const BUDGET_LOCK = 'codecontext.budget';

/**
 * A reservation whose call never got its own row becomes one: `interrupted`, at the reserved amount (counted
 * against budgets, shown as unreported spend), and the reservation goes. Its request is closed as interrupted.
 */
function* chargeInterrupted(ledger: Ledger, row: ReservationRow): SqlOp<void> {
  if (row.request_id !== null && row.amount_usd > 0) {
    const count = yield* sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM calls WHERE request_id = ?', row.request_id);
    yield* ledger.recordCallOp(
      row.request_id,
      {
        attempt: (count?.n ?? 0) + 1,
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
      },
      { keyId: row.key_id, team: row.team },
    );
  }
  if (row.request_id !== null) yield* closeInterrupted(row.request_id);
  yield* sql.run('DELETE FROM budget_reservations WHERE id = ?', row.id);
}

const RECONCILE_EVERY_MS = 1000;
const reconciledAt = new WeakMap<Store, number>();

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
    private readonly store: Store,
    private readonly limits: BudgetLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    const some = (limits: { perDay?: number; perMonth?: number }) =>
      limits.perDay !== undefined || limits.perMonth !== undefined;
    return some(this.limits) || (this.limits.scopes ?? []).some(some);
  }

  /** Reserve an attempt's quote, or say which limit it would break (nothing is written then). */
  reserve(request: ReservationFor): Promise<Reservation> {
    return this.store.write(() => this.reserveOp(request));
  }

  /** `reserve` as a step of a caller's write (one that writes the request row too). Takes the budget lock. */
  *reserveOp(request: ReservationFor): SqlOp<Reservation> {
    yield* sql.lock(BUDGET_LOCK);
    const now = this.now();
    // Other processes' stale reservations still count until reconciled, so checking at most once a second only
    // ever over-counts for that second.
    const last = reconciledAt.get(this.store) ?? -Infinity;
    if (now - last >= RECONCILE_EVERY_MS || now < last) {
      yield* this.reconcileOp(now);
      reconciledAt.set(this.store, now);
    }
    const refused = yield* this.refusalOp(request.amountUsd, now);
    if (refused) return refused;
    const row = yield* sql.get<{ id: number }>(
      `INSERT INTO budget_reservations (run_id, request_id, provider, model, role, amount_usd, created_at_ms, pid, host,
         expires_at_ms, key_id, team) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
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
      request.keyId ?? null,
      request.team ?? null,
    );
    return { ok: true, id: row!.id, amountUsd: request.amountUsd };
  }

  /**
   * A request whose row is written but which holds no reservation (its first attempt was refused, and it goes on to
   * the next candidate or closes as blocked) still gets the marker a dead process's requests are found by: a $0
   * reservation row, gone with the rest when the request closes. Without it, a process killed between the refusal
   * and the close left a `pending` row that nothing would ever close. A step of the refusal's write.
   */
  *markOpenOp(request: Pick<ReservationFor, 'runId' | 'requestId' | 'ttlMs'>): SqlOp<void> {
    const held = yield* sql.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM budget_reservations WHERE request_id = ?',
      request.requestId,
    );
    if ((held?.n ?? 0) > 0) return;
    const now = this.now();
    yield* sql.run(
      `INSERT INTO budget_reservations (run_id, request_id, amount_usd, created_at_ms, pid, host, expires_at_ms)
       VALUES (?, ?, 0, ?, ?, ?, ?)`,
      request.runId,
      request.requestId,
      now,
      process.pid,
      HOST,
      now + request.ttlMs,
    );
  }

  /** Whether `amountUsd` would fit now, reserving nothing (dry runs, route-request payloads handed to the user). */
  async check(amountUsd: number): Promise<Reservation> {
    const now = this.now();
    return (await this.store.read(() => this.refusalOp(amountUsd, now))) ?? { ok: true, id: 0, amountUsd };
  }

  /**
   * An attempt's reservation once its calls row counts instead (a step of that row's write): its amount goes to
   * 0, but the row stays until the request closes — the marker by which a dead process's request is found and
   * closed as interrupted, so requests need no index of their own for that.
   */
  *releaseOp(id: number): SqlOp<void> {
    if (id > 0) yield* sql.change('UPDATE budget_reservations SET amount_usd = 0 WHERE id = ?', id);
  }

  /** A request has closed: its reservation rows go (a step of the write that closes it). */
  *closeRequestOp(requestId: number): SqlOp<void> {
    yield* sql.change('DELETE FROM budget_reservations WHERE request_id = ?', requestId);
  }

  /**
   * Counted spend since `startMs` (calls, estimates included) plus live reservations made since then: the whole
   * store's, or one key's or team's (`scope`).
   */
  *committedSinceOp(startMs: number, scope?: Scope): SqlOp<number> {
    const day = new Date(startMs).toISOString().slice(0, 10);
    let spent: { usd: number } | undefined;
    let reserved: { usd: number } | undefined;
    if (scope === undefined) {
      spent = yield* sql.get('SELECT COALESCE(SUM(usd), 0) AS usd FROM spend_by_day WHERE day >= ?', day);
      reserved = yield* sql.get(
        'SELECT COALESCE(SUM(amount_usd), 0) AS usd FROM budget_reservations WHERE created_at_ms >= ?',
        startMs,
      );
    } else {
      spent = yield* sql.get(
        'SELECT COALESCE(SUM(usd), 0) AS usd FROM spend_by_scope_day WHERE scope = ? AND day >= ?',
        scope.scope,
        day,
      );
      reserved = yield* sql.get(
        `SELECT COALESCE(SUM(amount_usd), 0) AS usd FROM budget_reservations WHERE ${scope.column} = ? AND created_at_ms >= ?`,
        scope.id,
        startMs,
      );
    }
    return (spent?.usd ?? 0) + (reserved?.usd ?? 0);
  }

  committedSince(startMs: number): Promise<number> {
    return this.store.read(() => this.committedSinceOp(startMs));
  }

  private *refusalOp(amountUsd: number, now: number): SqlOp<Reservation | null> {
    if (!this.enabled) return null;
    const date = new Date(now);
    const windows: Array<['day' | 'month', number]> = [
      ['day', Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate())],
      ['month', Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)],
    ];
    // The store's own limits (no scope), then each of the caller's.
    const held: Array<[ScopeLimit | undefined, { perDay?: number; perMonth?: number }]> = [
      [undefined, this.limits],
      ...(this.limits.scopes ?? []).map((scope): [ScopeLimit, ScopeLimit] => [scope, scope]),
    ];
    for (const [scope, limits] of held)
      for (const [window, start] of windows) {
        const limit = window === 'day' ? limits.perDay : limits.perMonth;
        if (limit === undefined) continue;
        const committed = yield* this.committedSinceOp(start, scope);
        if (committed + amountUsd > limit + 1e-12)
          return { ok: false, window, limit, committed, ...(scope ? { scope: scope.scope } : {}) };
      }
    return null;
  }

  /**
   * Turn the reservations of processes that are gone — or another process's past its deadline — into
   * `interrupted` calls rows, and close their requests as `interrupted`. A step of a write.
   */
  *reconcileOp(now = this.now()): SqlOp<number> {
    const rows = yield* sql.all<ReservationRow>(
      'SELECT * FROM budget_reservations WHERE NOT (pid = ? AND host = ?)',
      process.pid,
      HOST,
    );
    const stale = rows.filter((row) => row.expires_at_ms < now || (row.host === HOST && !processAlive(row.pid)));
    const ledger = new Ledger(this.store, this.now);
    for (const row of stale) yield* chargeInterrupted(ledger, row);
    return stale.length;
  }
}

/** A pending request whose process is gone: closed as interrupted, its costs summed from its calls. */
function* closeInterrupted(requestId: number): SqlOp<void> {
  yield* sql.run(
    `UPDATE requests SET status = 'interrupted', completed_at = COALESCE(completed_at, ?), owner_pid = NULL, owner_host = NULL,
       error_class = COALESCE(error_class, 'interrupted'),
       attempts = (SELECT COUNT(*) FROM calls WHERE request_id = ?),
       cost_usd = (SELECT COALESCE(SUM(cost_usd), 0) FROM calls WHERE request_id = ? AND cost_is_estimate = 0),
       unreported_cost_usd = (SELECT COALESCE(SUM(cost_usd), 0) FROM calls WHERE request_id = ? AND cost_is_estimate = 1)
     WHERE id = ? AND status = 'pending'`,
    new Date().toISOString(),
    requestId,
    requestId,
    requestId,
    requestId,
  );
}

/**
 * At a process's start: what processes that are gone left in flight — their reservations, one per request still
 * open (a request row is written with its first reservation, and the row stays until the request closes) —
 * becomes interrupted spend and closed requests. Returns how many reservations it settled.
 */
export function recoverInterrupted(store: Store): Promise<number> {
  return store.write(function* () {
    yield* sql.lock(BUDGET_LOCK);
    return yield* new SpendBudget(store, {}).reconcileOp();
  });
}

/** Shutdown: this process's live reservations become interrupted spend and its pending requests are closed. */
export function interruptOwn(store: Store): Promise<void> {
  return store.write(function* () {
    yield* sql.lock(BUDGET_LOCK);
    const own = yield* sql.all<ReservationRow>(
      'SELECT * FROM budget_reservations WHERE pid = ? AND host = ?',
      process.pid,
      HOST,
    );
    const ledger = new Ledger(store);
    for (const row of own) yield* chargeInterrupted(ledger, row);
  });
}
