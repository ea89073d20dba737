import { timeOrderedUuid } from '../shared/hash.js';
import { cachedTransaction, type Db } from '../indexing/open-database.js';
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
import { SpendBudget, type Reservation, type ReservationFor } from '../ledger/spend-budget.js';
import { costOfUsage, type ModelPrice, type ReportedUsage } from '../providers/prices.js';
import type { ProviderReply, ProviderSpec } from '../providers/provider-types.js';
import type { PriceQuote } from '../route/price-request.js';

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
 * its budget reservation in one transaction; the request closes once, with its latency, costs and savings. The
 * only writer of requests and calls for live requests.
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

  /** The part counted at safe bounds (the request's `unreported_cost_usd`). */
  get unreportedUsd(): number {
    return this.spentUsd - this.reportedUsd;
  }
  fallbacks = 0;
  escalations = 0;
  private ended = false;
  private reservations = 0;
  /** The answering call's row, written with the next write (usually the close: one commit for both). */
  private deferred: { row: CallRecord; release: number } | null = null;

  constructor(db: Db, budget: SpendBudget, request: NewRequest, now: () => number = Date.now) {
    this.ledger = new Ledger(db, now);
    this.budget = budget;
    this.request = request;
    this.createdAt = new Date(now()).toISOString();
  }

  /**
   * The row, written when first needed — with the first reservation, or when the request ends without one — so
   * that it costs no commit of its own (bench/gateway); its time is the request's start all the same.
   */
  get id(): number {
    this.rowId ??= this.ledger.start(this.request, this.runId, this.createdAt).id;
    return this.rowId;
  }

  /** Reserve an attempt's quote for this request, the row written in the same transaction if it is not yet. */
  reserve(reservation: Omit<ReservationFor, 'runId' | 'requestId'>): Reservation {
    return cachedTransaction(this.ledger.db, 'record.reserve', (record: RequestRecord, wanted: typeof reservation) => {
      record.flush();
      const reserved = record.budget.reserveInTransaction({ ...wanted, runId: record.runId, requestId: record.id });
      if (reserved.ok) record.reservations++;
      return reserved;
    }).immediate(this, reservation);
  }

  /** Two answers in a row (an escalation answered): the first's row goes now. */
  private writeDeferred(): void {
    cachedTransaction(this.ledger.db, 'record.flush', (record: RequestRecord) => record.flush())(this);
  }

  /** Write a deferred call row (inside the caller's transaction); `release` false when the request closes with it. */
  private flush(release = true): void {
    const deferred = this.deferred;
    if (!deferred) return;
    this.deferred = null;
    this.ledger.recordCall(this.id, deferred.row);
    if (release) this.release(deferred.release);
  }

  /** One HTTP attempt: its calls row, and — on the attempt's last — the release of its reservation. */
  call(attempt: AttemptIdentity, result: CallResult, final: boolean, retry = false): ReturnType<typeof countCall> {
    const counted = countCall(attempt, result);
    this.attemptNumber++;
    this.spentUsd += counted.costUsd ?? 0;
    if (counted.usageSource === 'provider') this.reportedUsd += counted.costUsd ?? 0;
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
    // The answer's own row waits for the next write — the request's close, a moment later in the same tick, or an
    // escalation's reservation — so the two share a commit; until then its reservation still counts.
    if (final && result.reply) {
      if (this.deferred) this.writeDeferred();
      this.deferred = { row, release: attempt.reservationId };
      return counted;
    }
    cachedTransaction(
      this.ledger.db,
      'record.call',
      (record: RequestRecord, call: CallRecord, release: number | null) => {
        record.flush();
        record.ledger.recordCall(record.id, call);
        if (release !== null) record.release(release);
      },
    )(this, row, final ? attempt.reservationId : null);
    return counted;
  }

  /**
   * An attempt that may have left when something other than the provider failed: counted at its quote, like a
   * timeout (never forgotten), its reservation released with that row.
   */
  interruptAttempt(attempt: AttemptIdentity): void {
    if (this.released.has(attempt.reservationId) || this.deferred?.release === attempt.reservationId) return;
    this.call(
      attempt,
      { httpStatus: null, errorClass: 'interrupted', latencyMs: 0, reply: null, mayBeBilled: true },
      true,
    );
  }

  /** Release a reservation no call row took (a call that never left, e.g. its key is missing). */
  settle(attempt: AttemptIdentity): void {
    if (this.deferred?.release === attempt.reservationId) return;
    if (!this.released.has(attempt.reservationId)) this.release(attempt.reservationId);
  }

  private release(id: number): void {
    this.released.add(id);
    this.budget.release(id);
  }

  get latencyMs(): number {
    return Math.round(performance.now() - this.started);
  }

  get isOpen(): boolean {
    return !this.ended;
  }

  finish(end: RequestEnd): void {
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
    cachedTransaction(this.ledger.db, 'record.finish', (record: RequestRecord, closing: LedgerOutcome) => {
      record.flush(false);
      record.ledger.finish(record.id, closing);
      if (record.reservations > 0) record.budget.closeRequest(record.id);
    })(this, outcome);
  }
}
