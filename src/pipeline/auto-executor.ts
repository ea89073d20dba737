import { Ledger, type CapAction, type LimitReason, type RequestSource } from '../ledger/ledger.js';
import { ledgerStoreFor } from '../ledger/ledger-store.js';
import { recoverInterrupted } from '../ledger/spend-budget.js';
import type { ContextPack } from '../pack/pack-context.js';
import type { ReportedUsage } from '../providers/prices.js';
import type { OutboundPayload } from '../providers/provider-types.js';
import { openIndex, requireGoal } from '../retrieve/search-project.js';
import type { LocalAnswer } from '../route/answer-locally.js';
import type { CodeContextGateway } from '../route/code-context-gateway.js';
import type { PriceQuote } from '../route/price-request.js';
import { roundUsd } from '../shared/money.js';
import type { Skip } from './attempt-sequence.js';
import { executeRequest, type ExecutionMode } from './execute-request.js';
import { planGoalRequest } from './plan-goal-request.js';
import type { RequestOutcome } from './request-outcome.js';
import type { Surface } from './request-plan.js';

export interface StartOptions {
  goal: string;
  topK?: number;
  tokenBudget?: number;
  session?: string;
  source?: RequestSource;
  surface?: Surface;
  /** Route and price, but call nothing and leave the request pending (route-request). */
  routeOnly?: boolean;
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
}

/** The result of a goal request: the same fields from the CLI, the library, the product API and MCP. */
export interface RequestResult {
  chosen_route: RequestOutcome['route'];
  /** The tier that served; `classified_tier` is the one the classifier asked for. */
  tier: string | null;
  classified_tier: string | null;
  provider: string | null;
  model: string | null;
  class_reason: string;
  complexity_score: number;
  cap_action: CapAction | string;
  /** Why a cheaper route or a block: cap, budget, cooldown, no_provider. */
  limit_reason: LimitReason | null;
  cost_estimate: (Omit<PriceQuote, 'price'> & { cap_usd: number }) | null;
  /** Savings by cause (README: formulas), never summed. */
  savings: {
    context_tokens: number | null;
    context_usd: number | null;
    routing_usd: number | null;
    local_usd: number | null;
  };
  run_id: string;
  status: RequestOutcome['status'];
  dry_run: boolean;
  /** Why it was blocked or failed, in one line. */
  message: string | null;
  answer: string | null;
  local_answer: LocalAnswer | null;
  usage: (ReportedUsage & { source: string }) | null;
  /** Provider-reported spend; `unreported_cost_usd`: safe bounds for calls the provider reported no usage for. */
  cost_usd: number;
  unreported_cost_usd: number;
  error_class: string | null;
  skipped: Skip[];
  context: ContextPack | null;
  outbound_payload: OutboundPayload | null;
}

/**
 * The goal request's front for the CLI (`auto-start-request`, `route-request`), the product API
 * (`/route-or-run`), MCP (`route_or_run`) and the library: plan → execute → the result. The request path itself
 * is src/pipeline (execute-request.ts), shared with the drop-in endpoints and the benchmark.
 */
export class AutoExecutor {
  constructor(private readonly gateway: CodeContextGateway) {}

  async start(options: StartOptions): Promise<RequestResult> {
    const goal = requireGoal(options.goal, 'goal');
    const db = await openIndex(this.gateway.config, { onWarning: options.onWarning, signal: options.signal });
    try {
      const store = await ledgerStoreFor(this.gateway.config, db);
      await recoverInterrupted(store);
      const ledger = new Ledger(store);
      const plan = await planGoalRequest(this.gateway, db, {
        goal,
        surface: options.surface ?? (options.routeOnly ? 'route-request' : 'auto-start-request'),
        source: options.source ?? 'cli',
        topK: options.topK,
        tokenBudget: options.tokenBudget,
        session: options.session,
        alreadySent: options.session ? await ledger.sessionHashes(options.session) : undefined,
        onWarning: options.onWarning,
      });
      const mode: ExecutionMode = options.routeOnly ? 'route_only' : this.gateway.callsEnabled ? 'call' : 'dry_run';
      const outcome = await executeRequest(
        plan,
        { gateway: this.gateway, db, store, env: this.gateway.env, signal: options.signal },
        mode,
      );
      // Sent (or handed to the user to send): its chunks count as sent in the session.
      const sent = outcome.status === 'completed' || outcome.status === 'pending';
      if (options.session && sent && outcome.pack?.session)
        await ledger.rememberSent(options.session, outcome.runId, outcome.pack.session.sent);
      return resultOf(outcome, mode, this.gateway.capUsd);
    } finally {
      db.close();
    }
  }
}

export function resultOf(outcome: RequestOutcome, mode: ExecutionMode, capUsd: number): RequestResult {
  const quote = outcome.quote;
  const { price: _price, ...estimate } = quote ?? { price: null };
  return {
    chosen_route: outcome.route,
    tier: outcome.tier,
    classified_tier: outcome.classifiedTier,
    provider: outcome.provider,
    model: outcome.model,
    class_reason: outcome.classReason,
    complexity_score: outcome.complexityScore,
    cap_action: outcome.capAction,
    limit_reason: outcome.limitReason,
    cost_estimate: quote
      ? {
          ...(estimate as Omit<PriceQuote, 'price'>),
          max_cost_usd: quote.max_cost_usd === null ? null : roundUsd(quote.max_cost_usd),
          cap_usd: capUsd,
        }
      : null,
    savings: {
      context_tokens: outcome.savings.contextSavingTokens,
      context_usd: outcome.savings.contextSavingUsd,
      routing_usd: outcome.savings.routingSavingUsd,
      local_usd: outcome.savings.localSavingUsd,
    },
    run_id: outcome.runId,
    status: outcome.status,
    dry_run: mode === 'dry_run',
    message: outcome.message,
    answer: outcome.localAnswer?.text ?? outcome.reply?.text ?? null,
    local_answer: outcome.localAnswer,
    usage: outcome.usage,
    cost_usd: outcome.costUsd,
    unreported_cost_usd: outcome.unreportedCostUsd,
    error_class: outcome.error?.errorClass ?? null,
    skipped: outcome.skipped,
    context: outcome.pack,
    outbound_payload: outcome.payload,
  };
}
