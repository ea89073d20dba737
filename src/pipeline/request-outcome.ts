import { EXIT } from '../shared/exit-codes.js';
import type { LimitReason, RequestStatus, Savings } from '../ledger/ledger.js';
import type { ContextPack } from '../pack/pack-context.js';
import type { ReportedUsage } from '../providers/prices.js';
import type { OutboundPayload, ProviderReply } from '../providers/provider-types.js';
import type { LocalAnswer } from '../route/answer-locally.js';
import type { PriceQuote } from '../route/price-request.js';
import type { Skip } from './attempt-sequence.js';

/** How a request ended, for every surface to translate: returned, never thrown (blocked is an outcome too). */
export interface RequestOutcome {
  runId: string;
  status: RequestStatus;
  route: 'local_answer' | 'local_model' | 'external' | 'blocked';
  tier: string | null;
  classifiedTier: string | null;
  provider: string | null;
  model: string | null;
  classReason: string;
  complexityScore: number;
  capAction: string;
  limitReason: LimitReason | null;
  /** Why it was blocked or failed, in one line. */
  message: string | null;
  /** The answering (or last) attempt's wire request, its quote and what it changed of the client's request. */
  payload: OutboundPayload | null;
  quote: PriceQuote | null;
  changes: string[];
  reply: ProviderReply | null;
  localAnswer: LocalAnswer | null;
  usage: (ReportedUsage & { source: string }) | null;
  /** Provider-reported spend of the request, and the bounds counted for calls without usage. */
  costUsd: number;
  /** Input + output tokens of the request's calls, as their calls rows count them. */
  tokens: number;
  unreportedCostUsd: number;
  savings: Savings;
  cache: 'miss' | 'exact' | 'coalesced';
  error: { errorClass: string; message: string; retryAfterMs: number | null } | null;
  fallbacks: number;
  escalations: number;
  pack: ContextPack | null;
  skipped: Skip[];
  /** When a cooldown blocked the request: when the first provider comes back. */
  retryAfter: string | null;
}

/**
 * The one table from an outcome to a front door's answer: the CLI's exit code and the HTTP status of the product
 * API and the drop-in endpoints (each in its own error format). Tested as a table.
 */
export function exitCodeOf(outcome: Pick<RequestOutcome, 'status' | 'limitReason'>): number {
  switch (outcome.status) {
    case 'completed':
    case 'dry_run':
    case 'pending':
    case 'client_disconnected':
      return EXIT.ok;
    case 'blocked':
      return outcome.limitReason === 'model_not_found' || outcome.limitReason === 'dialect'
        ? EXIT.usage
        : EXIT.negative;
    case 'failed':
      return EXIT.runtime;
    case 'interrupted':
      return EXIT.interrupted;
  }
}

export function httpStatusOf(outcome: {
  status: RequestStatus;
  limitReason: LimitReason | null;
  errorClass: string | null;
}): number {
  switch (outcome.status) {
    case 'completed':
    case 'dry_run':
    case 'pending':
      return 200;
    case 'client_disconnected':
      return 499;
    case 'blocked':
      return outcome.limitReason === 'model_not_found'
        ? 404
        : outcome.limitReason === 'dialect'
          ? 400
          : outcome.limitReason === 'cooldown' || outcome.limitReason === 'no_provider'
            ? 503
            : 402;
    case 'interrupted':
      return 503;
    case 'failed':
      switch (outcome.errorClass) {
        case 'rate_limited':
          return 429;
        case 'missing_key':
          return 503;
        case 'timeout':
          return 504;
        case 'not_found':
          return 404;
        case 'bad_request':
          return 400;
        default:
          return 502;
      }
  }
}
