import { timeOrderedUuid } from '../shared/hash.js';
import {
  Ledger,
  NO_SAVINGS,
  type CallRecord,
  type CallRole,
  type NewRequest,
  type RequestOutcome as LedgerOutcome,
  type Savings,
  type UsageSource,
} from '../ledger/ledger.js';
import { BUDGET_LOCK, SpendBudget, type Reservation, type ReservationFor } from '../ledger/spend-budget.js';
import { costOfUsage, type ModelPrice, type ReportedUsage } from '../providers/prices.js';
import type { ProviderReply, ProviderSpec } from '../providers/provider-types.js';
import type { PriceQuote } from '../route/price-request.js';
import { sql, type SqlOp } from '../storage/sql-op.js';
import type { Store } from '../storage/store.js';

/** What the record needs of an attempt to write its calls rows: who, what it was quoted, its reservation. */
export interface AttemptIdentity {
  spec: ProviderSpec;
  role: CallRole;
  quote: PriceQuote;
  price: ModelPrice | null;
  reservationId: number;
}

/** One HTTP attempt's result, as the providers report it. */
export interface CallResult {
  httpStatus: number | null;
  errorClass: string | null;
  latencyMs: number;
  /** `outputBytes`: what the answer took on the wire beyond its text (tool calls, other blocks), when known. */
  reply: (Pick<ProviderReply, 'text' | 'usage' | 'raw'> & { outputBytes?: number }) | null;
  /** An error after which the provider may still have billed (see ProviderError.mayBeBilled). */
  mayBeBilled: boolean;
  /** Usage seen on a stream a client left before its end. */
  disconnectedUsage?: ReportedUsage | null;
  /** Usage seen before a stream failed (kept beside the quote it counts at). */
  seenUsage?: ReportedUsage | null;
}

/** How a call counts (README.md, usage_source): the provider's usage, else a safe bound, else its quote. */
export function countCall(
  attempt: Pick<AttemptIdentity, 'quote' | 'price'>,
  result: CallResult,
): { usage: ReportedUsage | null; usageSource: UsageSource; costUsd: number | null } {
  const price = attempt.price;
  const atQuote = attempt.quote.max_cost_usd;
  if (result.disconnectedUsage !== undefined) {
    return { usage: result.disconnectedUsage, usageSource: 'client_disconnected', costUsd: atQuote };
  }
  if (result.reply?.usage) {
    return {
      usage: result.reply.usage,
      usageSource: 'provider',
      costUsd: price ? costOfUsage(result.reply.usage, price) : null,
    };
  }
  if (result.reply) {
    // No usage in the reply: the request's bytes (+ framing) and the answer's bytes — its whole body or all its
    // events, so tool calls and other blocks count, not only the text — bound any byte-level BPE count.
    const answerBytes = Math.max(
      Buffer.byteLength(result.reply.text, 'utf8'),
      result.reply.outputBytes ?? 0,
      result.reply.raw === undefined ? 0 : Buffer.byteLength(JSON.stringify(result.reply.raw), 'utf8'),
    );
    const usage: ReportedUsage = {
      usage_format: 'openai',
      input_tokens: attempt.quote.input_tokens_bound,
      output_tokens: Math.min(attempt.quote.max_output_tokens, answerBytes),
      cached_input_tokens: 0,
      cache_write_tokens: 0,
    };
    return { usage, usageSource: 'local_bound', costUsd: price ? costOfUsage(usage, price) : null };
  }
  if (result.mayBeBilled) return { usage: result.seenUsage ?? null, usageSource: 'interrupted', costUsd: atQuote };
  return { usage: null, usageSource: 'none', costUsd: 0 };
}

/** How a request ends, as its surface knows it; the record adds latency, attempts and the cache default. */
export type RequestEnd = Omit<
  LedgerOutcome,
  'latencyMs' | 'fallbacks' | 'escalations' | 'cache' | 'savings' | 'totals'
> &
  Partial<Pick<LedgerOutcome, 'cache' | 'savings'>>;

/**
 * One request's ledger row, from start to end: every upstream attempt is a calls row written with the release of
 * its budget reservation in one write; the request closes once, with its latency, costs and savings. The only
 * writer of requests and calls for live requests. Every write is one store operation (src/storage), awaited
 * before the request goes on, so on PostgreSQL too a call is on record before the next one is made.
 */
export class RequestRecord {
  readonly ledger: Ledger;
  readonly budget: SpendBudget;
  readonly runId = timeOrderedUuid();
  private readonly createdAt: string;
  private readonly request: NewRequest;
  private rowId: number | null = null;
  private readonly started = performance.now();
  private attemptNumber = 0;
  private readonly released = new Set<number>();
  /** What the calls so far count for (provider-reported + bounds): the cap's running total. */
  spentUsd = 0;
  /** The provider-reported part of it (the request's `cost_usd`). */
  reportedUsd = 0;

  /** Input + output tokens of its calls as their rows count them (a key's tokens per minute). */
  tokens = 0;

  /** The part counted at safe bounds (the request's `unreported_cost_usd`). */
  get unreportedUsd(): number {
    return this.spentUsd - this.reportedUsd;
  }
  fallbacks = 0;
  escalations = 0;
  private ended = false;
  /** Reservation rows this request holds (a $0 marker after a refusal included): its close deletes them. */
  private reservations = 0;
  /** The answering call's row, written with the next write (usually the close: one commit for both). */
  private deferred: { row: CallRecord; release: number } | null = null;

  constructor(
    private readonly store: Store,
    budget: SpendBudget,
    request: NewRequest,
    now: () => number = Date.now,
  ) {
    this.ledger = new Ledger(store, now);
    this.budget = budget;
    this.request = request;
    this.createdAt = new Date(now()).toISOString();
  }

  /**
   * The row, written when first needed — with the first reservation, or when the request ends without one — so
   * that it costs no commit of its own (bench/gateway); its time is the request's start all the same.
   */
  private *rowIdOp(): SqlOp<number> {
    this.rowId ??= (yield* this.ledger.startOp(this.request, this.runId, this.createdAt)).id;
    return this.rowId;
  }

  /** One write; a write that failed leaves no row id behind that its rolled-back transaction never kept. */
  private async write<T>(op: () => SqlOp<T>): Promise<T> {
    const rowIdBefore = this.rowId;
    try {
      return await this.store.write(op);
    } catch (error) {
      this.rowId = rowIdBefore;
      throw error;
    }
  }

  /** Reserve an attempt's quote for this request, the row written in the same write if it is not yet. */
  reserve(reservation: Omit<ReservationFor, 'runId' | 'requestId'>): Promise<Reservation> {
    const record = this;
    return this.write(function* () {
      // The budget lock first, which reserveOp takes anyway: on PostgreSQL it then travels with the BEGIN.
      yield* sql.lock(BUDGET_LOCK);
      yield* record.flushOp();
      const requestId = yield* record.rowIdOp();
      const reserved = yield* record.budget.reserveOp({ ...reservation, runId: record.runId, requestId });
      if (reserved.ok) record.reservations++;
      else {
        yield* record.budget.markOpenOp({ runId: record.runId, requestId, ttlMs: reservation.ttlMs });
        record.reservations++;
      }
      return reserved;
    });
  }

  /** Write a deferred call row (a step of the caller's write); `release` false when the request closes with it. */
  private *flushOp(release = true): SqlOp<void> {
    const deferred = this.deferred;
    if (!deferred) return;
    this.deferred = null;
    yield* this.ledger.recordCallOp(yield* this.rowIdOp(), deferred.row, this.request.caller);
    if (release) yield* this.releaseOp(deferred.release);
  }

  /** One HTTP attempt: its calls row, and — on the attempt's last — the release of its reservation. */
  async call(
    attempt: AttemptIdentity,
    result: CallResult,
    final: boolean,
    retry = false,
  ): Promise<ReturnType<typeof countCall>> {
    const counted = countCall(attempt, result);
    this.attemptNumber++;
    this.spentUsd += counted.costUsd ?? 0;
    if (counted.usageSource === 'provider') this.reportedUsd += counted.costUsd ?? 0;
    this.tokens += (counted.usage?.input_tokens ?? 0) + (counted.usage?.output_tokens ?? 0);
    const row: CallRecord = {
      attempt: this.attemptNumber,
      role: retry ? 'retry' : attempt.role,
      provider: attempt.spec.name,
      model: attempt.spec.model,
      local: attempt.spec.local,
      httpStatus: result.httpStatus,
      errorClass: result.errorClass,
      latencyMs: result.latencyMs,
      usage: counted.usage,
      usageSource: counted.usageSource,
      costUsd: counted.costUsd,
      quoteUsd: attempt.quote.max_cost_usd,
      quoteInputTokens: attempt.quote.input_tokens_bound,
    };
    // The answer's own row waits for the next write — the request's close, a moment later, or an escalation's
    // reservation — so the two share a commit; until then its reservation still counts.
    if (final && result.reply) {
      // Two answers in a row (an escalation answered): the first's row goes now.
      if (this.deferred) await this.write(() => this.flushOp());
      this.deferred = { row, release: attempt.reservationId };
      return counted;
    }
    const record = this;
    const release = final ? attempt.reservationId : null;
    await this.write(function* () {
      yield* record.flushOp();
      yield* record.ledger.recordCallOp(yield* record.rowIdOp(), row, record.request.caller);
      if (release !== null) yield* record.releaseOp(release);
    });
    return counted;
  }

  /**
   * An attempt that may have left when something other than the provider failed: counted at its quote, like a
   * timeout (never forgotten), its reservation released with that row.
   */
  async interruptAttempt(attempt: AttemptIdentity): Promise<void> {
    if (this.released.has(attempt.reservationId) || this.deferred?.release === attempt.reservationId) return;
    await this.call(
      attempt,
      { httpStatus: null, errorClass: 'interrupted', latencyMs: 0, reply: null, mayBeBilled: true },
      true,
    );
  }

  /** Release a reservation no call row took (a call that never left, e.g. its key is missing). */
  async settle(attempt: AttemptIdentity): Promise<void> {
    if (this.deferred?.release === attempt.reservationId) return;
    if (!this.released.has(attempt.reservationId)) await this.write(() => this.releaseOp(attempt.reservationId));
  }

  private *releaseOp(id: number): SqlOp<void> {
    this.released.add(id);
    yield* this.budget.releaseOp(id);
  }

  get latencyMs(): number {
    return Math.round(performance.now() - this.started);
  }

  get isOpen(): boolean {
    return !this.ended;
  }

  async finish(end: RequestEnd): Promise<void> {
    this.ended = true;
    const outcome: LedgerOutcome = {
      ...end,
      cache: end.cache ?? 'miss',
      savings: end.savings ?? NO_SAVINGS,
      fallbacks: this.fallbacks,
      escalations: this.escalations,
      latencyMs: this.latencyMs,
      totals: {
        attempts: this.attemptNumber,
        costUsd: this.reportedUsd,
        unreportedCostUsd: this.unreportedUsd,
      },
    };
    const record = this;
    await this.write(function* () {
      yield* record.flushOp(false);
      const requestId = yield* record.rowIdOp();
      yield* record.ledger.finishOp(requestId, outcome);
      if (record.reservations > 0) yield* record.budget.closeRequestOp(requestId);
    });
  }
}
