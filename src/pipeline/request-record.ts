import type { Db } from '../indexing/open-database.js';
import {
  Ledger,
  NO_SAVINGS,
  type CallRole,
  type NewRequest,
  type RequestOutcome as LedgerOutcome,
  type Savings,
  type UsageSource,
} from '../ledger/ledger.js';
import { SpendBudget } from '../ledger/spend-budget.js';
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
  reply: Pick<ProviderReply, 'text' | 'usage'> | null;
  /** An error after which the provider may still have billed (see ProviderError.mayBeBilled). */
  mayBeBilled: boolean;
  /** Usage seen on a stream a client left before its end. */
  disconnectedUsage?: ReportedUsage | null;
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
    // No usage in the reply: the request's bytes (+ framing) and the answer's bytes bound any byte-level BPE count.
    const usage: ReportedUsage = {
      usage_format: 'openai',
      input_tokens: attempt.quote.input_tokens_bound,
      output_tokens: Math.min(attempt.quote.max_output_tokens, Buffer.byteLength(result.reply.text, 'utf8')),
      cached_input_tokens: 0,
      cache_write_tokens: 0,
    };
    return { usage, usageSource: 'local_bound', costUsd: price ? costOfUsage(usage, price) : null };
  }
  if (result.mayBeBilled) return { usage: null, usageSource: 'interrupted', costUsd: atQuote };
  return { usage: null, usageSource: 'none', costUsd: 0 };
}

/** How a request ends, as its surface knows it; the record adds latency, attempts and the cache default. */
export type RequestEnd = Omit<LedgerOutcome, 'latencyMs' | 'fallbacks' | 'escalations' | 'cache' | 'savings'> &
  Partial<Pick<LedgerOutcome, 'cache' | 'savings'>>;

/**
 * One request's ledger row, from start to end: every upstream attempt is a calls row written with the release of
 * its budget reservation in one transaction; the request closes once, with its latency, costs and savings. The
 * only writer of requests and calls for live requests.
 */
export class RequestRecord {
  readonly ledger: Ledger;
  readonly budget: SpendBudget;
  readonly id: number;
  readonly runId: string;
  private readonly started = performance.now();
  private attemptNumber = 0;
  private readonly released = new Set<number>();
  /** What the calls so far count for (provider-reported + bounds): the cap's running total. */
  spentUsd = 0;
  fallbacks = 0;
  escalations = 0;
  private ended = false;

  constructor(db: Db, budget: SpendBudget, request: NewRequest, now: () => number = Date.now) {
    this.ledger = new Ledger(db, now);
    this.budget = budget;
    const { id, runId } = this.ledger.start(request);
    this.id = id;
    this.runId = runId;
  }

  /** One HTTP attempt: its calls row, and — on the attempt's last — the release of its reservation. */
  call(attempt: AttemptIdentity, result: CallResult, final: boolean, retry = false): ReturnType<typeof countCall> {
    const counted = countCall(attempt, result);
    this.attemptNumber++;
    this.spentUsd += counted.costUsd ?? 0;
    this.ledger.db.transaction(() => {
      this.ledger.recordCall(this.id, {
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
      });
      if (final) this.release(attempt.reservationId);
    })();
    return counted;
  }

  /** Release a reservation no call row took (a call that never left, e.g. its key is missing). */
  settle(attempt: AttemptIdentity): void {
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
    this.ledger.finish(this.id, {
      ...end,
      cache: end.cache ?? 'miss',
      savings: end.savings ?? NO_SAVINGS,
      fallbacks: this.fallbacks,
      escalations: this.escalations,
      latencyMs: this.latencyMs,
    });
  }
}
