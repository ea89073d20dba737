import type { TierName } from '../config/config-values.js';
import type { Db } from '../indexing/open-database.js';
import { Ledger, type CapAction, type RequestOutcome, type RequestSource } from '../ledger/ledger.js';
import { SpendBudget } from '../ledger/spend-budget.js';
import { buildContextPack, type ContextPack } from '../pack/pack-context.js';
import { redactSecrets } from '../pack/redact-secrets.js';
import { encodingForModel, TokenCounter } from '../pack/token-counter.js';
import { buildPayload, callProvider, type Attempt } from '../providers/call-provider.js';
import { costOfUsage, lookupPrice, type ReportedUsage } from '../providers/prices.js';
import {
  ProviderError,
  type ChatMessage,
  type OutboundPayload,
  type ProviderSpec,
} from '../providers/provider-types.js';
import { embedGoal } from '../retrieve/embed-goal.js';
import { openIndex, requireGoal } from '../retrieve/search-project.js';
import { CodeContextError } from '../shared/errors.js';
import { hashContent } from '../shared/hash.js';
import { LocalAnswerer, type LocalAnswer } from './answer-locally.js';
import { classifyRequest, type Classification, type RouteClass } from './classify-request.js';
import type { CodeContextGateway } from './code-context-gateway.js';
import { fitContextUnderCap } from './fit-context-under-cap.js';
import { detectLookup } from './lookup-intent.js';
import { priceFor, quoteRequest, type PriceQuote } from './price-request.js';

export interface StartOptions {
  goal: string;
  topK?: number;
  tokenBudget?: number;
  session?: string;
  source?: RequestSource;
  /** Route and price, but call nothing and leave the request pending (route-request). */
  routeOnly?: boolean;
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
}

/** The parts of a request's ledger outcome known once it is routed. */
type OutcomeBase = Pick<
  RequestOutcome,
  'contextTokens' | 'sessionTokensSaved' | 'redactions' | 'capAction' | 'naiveBaselineTokens' | 'baselineCostUsd'
>;

/** The auto-start-request result: the same fields from the CLI, the library and the gateway. */
export interface RequestResult {
  run_id: string;
  chosen_route: RouteClass;
  tier: TierName | null;
  provider: string | null;
  model: string | null;
  class_reason: string;
  complexity_score: number;
  cap_action: CapAction;
  cost_estimate: (Omit<PriceQuote, 'price'> & { cap_usd: number }) | null;
  /** USD the naive baseline (whole files + goal at baseline_model) would cost, minus this request's cost. */
  estimated_savings_vs_external: number | null;
  answer: string | null;
  local_answer: LocalAnswer | null;
  usage: (ReportedUsage & { source: 'provider' | 'local_count' }) | null;
  cost_usd: number;
  context: ContextPack | null;
  outbound_payload: OutboundPayload | null;
  dry_run: boolean;
  status: 'completed' | 'dry_run' | 'pending' | 'blocked';
}

const SYSTEM_PROMPT =
  'You are a senior software engineer. Answer the request using the repository context below; cite file paths and line ranges. If the context is not enough, say what is missing.';
/** How long a budget reservation may outlive its process's silence. */
const RESERVATION_TTL_MS = 10 * 60_000;

/** The messages of a request: the instructions with the repository context, then the goal. */
export function messagesFor(goal: string, context: string): ChatMessage[] {
  const system = context
    ? `${SYSTEM_PROMPT}\n\n<repository_context>\n${context}\n</repository_context>`
    : SYSTEM_PROMPT;
  return [
    { role: 'system', content: system },
    { role: 'user', content: goal },
  ];
}

/** classify → pack → route under the cap → call (or dry-run) → ledger. */
export class AutoExecutor {
  /** The session's already-sent content hashes for the request being run (cross-request novelty). */
  private alreadySent: ReadonlySet<string> | undefined;

  constructor(private readonly gateway: CodeContextGateway) {}

  async start(options: StartOptions): Promise<RequestResult> {
    const config = this.gateway.config;
    const goal = requireGoal(options.goal, '--goal');
    const redactedGoal = redactSecrets(goal);
    const db = openIndex(config);
    try {
      return inOrder(await this.run(db, goal, redactedGoal.text, redactedGoal.redactions.total, options));
    } catch (error) {
      if (error instanceof CodeContextError && typeof error.details.chosen_route === 'string') {
        throw new CodeContextError(error.kind, error.message, {
          details: { ...inOrder(error.details as unknown as RequestResult) },
        });
      }
      throw error;
    } finally {
      db.close();
    }
  }

  private async run(
    db: Db,
    goal: string,
    safeGoal: string,
    goalRedactions: number,
    options: StartOptions,
  ): Promise<RequestResult> {
    const { config } = this.gateway;
    const values = config.values;
    const ledger = new Ledger(db);
    const capUsd = values.maxEscalationCostPerRequest;
    const answerer = new LocalAnswerer(db);
    const topK = options.topK ?? values.defaultTopK;
    const tokenBudget = options.tokenBudget ?? values.defaultContextBudgetTokens;

    // Look-ups first: they need no pack and no model.
    this.alreadySent = options.session ? ledger.sessionHashes(options.session) : undefined;
    const lookup = values.routing.localAnswers ? detectLookup(goal) : null;
    let pack: ContextPack | null = null;
    let concentration: number | undefined;
    if (!lookup || !answerer.resolves(lookup)) {
      pack = await this.pack(db, goal, topK, tokenBudget, values.llmClient.model, options.onWarning);
      concentration = concentrationOf(pack);
    }
    const classification = classifyRequest(goal, {
      routing: values.routing,
      hasLocalModel: Boolean(this.gateway.localProvider),
      resolvesLookup: (intent) => answerer.resolves(intent),
      concentration,
    });
    const started = performance.now();
    const { id: requestId, runId } = ledger.start({
      source: options.source ?? 'cli',
      goalHash: hashContent(goal),
      session: options.session,
      route: classification.route,
      tier: classification.tier,
      provider: null,
      model: null,
      classReason: classification.class_reason,
      complexityScore: classification.complexity_score,
      capUsd,
      baselineModel: values.baselineModel,
    });
    const base = {
      run_id: runId,
      class_reason: classification.class_reason,
      complexity_score: classification.complexity_score,
      answer: null,
      local_answer: null,
      usage: null,
      cost_usd: 0,
      context: pack,
      outbound_payload: null,
    };

    if (classification.route === 'local_answer' && classification.lookup) {
      const answer = answerer.answer(classification.lookup);
      ledger.finish(requestId, {
        status: 'completed',
        route: 'local_answer',
        tier: null,
        provider: null,
        model: null,
        contextTokens: 0,
        sessionTokensSaved: 0,
        redactions: goalRedactions,
        capAction: 'none',
        estimatedCostUsd: 0,
        unpriced: false,
        naiveBaselineTokens: 0,
        baselineCostUsd: null,
        latencyMs: Math.round(performance.now() - started),
        errorClass: null,
      });
      return {
        ...base,
        chosen_route: 'local_answer',
        tier: null,
        provider: null,
        model: null,
        cap_action: 'none',
        cost_estimate: null,
        estimated_savings_vs_external: null,
        answer: answer.text,
        local_answer: answer,
        dry_run: false,
        status: 'completed',
      };
    }

    // Pick a provider and fit the request under the cap: shrink the pack, then a cheaper tier, then local, then block.
    const plan = await this.fitUnderCap(db, goal, safeGoal, classification, pack!, topK);
    const baselineCost = this.baselineCost(plan.pack?.naive_baseline_tokens ?? 0);
    const outcomeBase: OutcomeBase = {
      contextTokens: plan.pack?.tokens_used ?? 0,
      sessionTokensSaved: plan.pack?.session?.tokens_saved ?? 0,
      redactions: goalRedactions + (plan.pack?.redactions.total ?? 0),
      capAction: plan.capAction,
      naiveBaselineTokens: plan.pack?.naive_baseline_tokens ?? 0,
      baselineCostUsd: baselineCost,
    };
    if (!plan.provider || !plan.quote || !plan.payload) {
      ledger.finish(requestId, {
        ...outcomeBase,
        status: 'blocked',
        route: 'blocked',
        tier: null,
        provider: null,
        model: null,
        estimatedCostUsd: null,
        unpriced: plan.quote?.unpriced ?? false,
        latencyMs: Math.round(performance.now() - started),
        errorClass: 'over_cap',
      });
      const result: RequestResult = {
        ...base,
        context: plan.pack,
        chosen_route: 'blocked',
        tier: null,
        provider: null,
        model: null,
        cap_action: 'blocked',
        cost_estimate: plan.quote ? { ...stripPrice(plan.quote), cap_usd: capUsd } : null,
        estimated_savings_vs_external: null,
        dry_run: false,
        status: 'blocked',
        class_reason: `${classification.class_reason}; blocked: ${plan.reason}`,
      };
      throw new CodeContextError('negative', `blocked: ${plan.reason}`, { details: { ...result } });
    }
    const spec = plan.provider;
    const routeName: RouteClass = spec.local ? 'local_model' : 'external';
    const tier = spec.local ? classification.tier : spec.tier;
    const estimate = { ...stripPrice(plan.quote), cap_usd: capUsd };
    const common = {
      ...base,
      context: plan.pack,
      chosen_route: routeName,
      tier,
      provider: spec.name,
      model: spec.model,
      cap_action: plan.capAction,
      cost_estimate: estimate,
      outbound_payload: plan.payload,
    };

    if (options.routeOnly || !this.gateway.callsEnabled) {
      const status = options.routeOnly ? 'pending' : 'dry_run';
      // route-request's payload is sent by the user: its chunks count as sent in the session.
      if (options.routeOnly && options.session && plan.pack?.session)
        ledger.rememberSent(options.session, runId, plan.pack.session.sent);
      const payloadTokensLocal = new TokenCounter(encodingForModel(spec.model)).count(payloadText(plan.payload));
      ledger.finish(requestId, {
        ...outcomeBase,
        status,
        route: routeName,
        tier,
        provider: spec.name,
        model: spec.model,
        estimatedCostUsd: plan.quote.max_cost_usd,
        unpriced: plan.quote.unpriced,
        latencyMs: Math.round(performance.now() - started),
        errorClass: null,
        payloadTokensLocal,
      });
      return {
        ...common,
        estimated_savings_vs_external:
          baselineCost === null || plan.quote.max_cost_usd === null
            ? null
            : round(baselineCost - plan.quote.max_cost_usd),
        dry_run: !options.routeOnly,
        status,
      };
    }

    const result = await this.call(db, ledger, requestId, runId, plan.provider, plan.payload, plan.quote, {
      common,
      outcomeBase,
      started,
      baselineCost,
      options,
    });
    if (options.session && plan.pack?.session) ledger.rememberSent(options.session, runId, plan.pack.session.sent);
    return result;
  }

  private async call(
    db: Db,
    ledger: Ledger,
    requestId: number,
    runId: string,
    spec: ProviderSpec,
    payload: OutboundPayload,
    quote: PriceQuote,
    context: {
      common: Omit<RequestResult, 'estimated_savings_vs_external' | 'dry_run' | 'status'>;
      outcomeBase: OutcomeBase;
      started: number;
      baselineCost: number | null;
      options: StartOptions;
    },
  ): Promise<RequestResult> {
    const values = this.gateway.config.values;
    const budget = new SpendBudget(db, { perDay: values.budgetUsdPerDay, perMonth: values.budgetUsdPerMonth });
    const candidates = [
      spec,
      ...values.routing.fallbacks
        .map((name) => this.gateway.providerNamed(name)!)
        .filter((fallback) => fallback.name !== spec.name),
    ];
    let lastError: ProviderError | null = null;
    let attemptNumber = 0;
    for (const provider of candidates) {
      // A fallback is re-priced: it must fit the cap on its own.
      const providerPayload =
        provider === spec
          ? payload
          : buildPayload(provider, (payload.body.messages as ChatMessage[]) ?? [], provider.maxTokens);
      const providerQuote =
        provider === spec
          ? quote
          : quoteRequest(
              provider,
              (providerPayload.body.messages as ChatMessage[] | undefined) ?? [],
              provider.maxTokens,
              this.gateway.pricing,
            );
      if (provider !== spec && !this.gateway.fitsCap(providerQuote)) continue;
      const reservation = budget.reserve(runId, providerQuote.max_cost_usd ?? 0, RESERVATION_TTL_MS);
      if (!reservation.ok) {
        const reason = `the ${reservation.window === 'day' ? 'daily' : 'monthly'} budget of $${reservation.limit} has $${Math.max(0, reservation.limit - reservation.committed).toFixed(4)} left; this request may cost up to $${(providerQuote.max_cost_usd ?? 0).toFixed(4)}`;
        ledger.finish(requestId, {
          ...context.outcomeBase,
          status: 'blocked',
          route: 'blocked',
          tier: null,
          provider: provider.name,
          model: provider.model,
          capAction: 'blocked',
          estimatedCostUsd: providerQuote.max_cost_usd,
          unpriced: providerQuote.unpriced,
          latencyMs: Math.round(performance.now() - context.started),
          errorClass: 'over_budget',
        });
        throw new CodeContextError('negative', `blocked: ${reason}`, { details: { run_id: runId } });
      }
      const price = priceFor(provider, this.gateway.pricing);
      const record = (attempt: Attempt): void => {
        attemptNumber++;
        const usage =
          attempt.reply?.usage ??
          (attempt.reply ? this.countLocally(provider, providerPayload, attempt.reply.text) : null);
        const usageSource = attempt.reply?.usage ? 'provider' : attempt.reply ? 'local_count' : 'none';
        db.transaction(() => {
          ledger.recordCall(requestId, {
            attempt: attemptNumber,
            provider: provider.name,
            model: provider.model,
            local: provider.local,
            httpStatus: attempt.httpStatus,
            errorClass: attempt.errorClass,
            latencyMs: attempt.latencyMs,
            usage,
            usageSource,
            costUsd: usage && price ? costOfUsage(usage, price) : null,
            costIsEstimate: usageSource === 'local_count',
          });
          if (attempt.reply) budget.release(reservation.id);
        })();
      };
      try {
        const reply = await callProvider(provider, providerPayload, {
          env: this.gateway.env,
          signal: context.options.signal,
          onAttempt: record,
        });
        const usage = reply.usage ?? this.countLocally(provider, providerPayload, reply.text);
        const cost = usage && price ? costOfUsage(usage, price) : 0;
        ledger.finish(requestId, {
          ...context.outcomeBase,
          status: 'completed',
          route: provider.local ? 'local_model' : 'external',
          tier: provider.local ? context.common.tier : provider.tier,
          provider: provider.name,
          model: provider.model,
          estimatedCostUsd: providerQuote.max_cost_usd,
          unpriced: providerQuote.unpriced,
          latencyMs: Math.round(performance.now() - context.started),
          errorClass: null,
        });
        return {
          ...context.common,
          provider: provider.name,
          model: provider.model,
          outbound_payload: providerPayload,
          cost_estimate: { ...stripPrice(providerQuote), cap_usd: values.maxEscalationCostPerRequest },
          answer: reply.text,
          usage: usage ? { ...usage, source: reply.usage ? 'provider' : 'local_count' } : null,
          cost_usd: round(cost),
          estimated_savings_vs_external: context.baselineCost === null ? null : round(context.baselineCost - cost),
          dry_run: false,
          status: 'completed',
        };
      } catch (error) {
        db.transaction(() => budget.release(reservation.id))();
        if (!(error instanceof ProviderError)) throw error;
        lastError = error;
      }
    }
    ledger.finish(requestId, {
      ...context.outcomeBase,
      status: 'failed',
      route: context.common.chosen_route,
      tier: context.common.tier,
      provider: spec.name,
      model: spec.model,
      estimatedCostUsd: quote.max_cost_usd,
      unpriced: quote.unpriced,
      latencyMs: Math.round(performance.now() - context.started),
      errorClass: lastError?.errorClass ?? 'unknown',
    });
    throw new CodeContextError('runtime', lastError?.message ?? 'no provider could take the request', {
      details: { run_id: runId, error_class: lastError?.errorClass ?? null },
    });
  }

  /** Usage counted here when a provider reports none: flagged `local_count`, its cost an estimate. */
  private countLocally(spec: ProviderSpec, payload: OutboundPayload, answer: string): ReportedUsage {
    const counter = new TokenCounter(encodingForModel(spec.model));
    return {
      usage_format: 'openai',
      input_tokens: counter.count(payloadText(payload)),
      output_tokens: counter.count(answer),
      cached_input_tokens: 0,
      cache_write_tokens: 0,
    };
  }

  private async pack(
    db: Db,
    goal: string,
    topK: number,
    tokenBudget: number,
    model: string,
    onWarning?: (message: string) => void,
  ): Promise<ContextPack> {
    const goalVector = await embedGoal(this.gateway.config, db, goal, onWarning);
    return buildContextPack(db, {
      goalVector,
      root: this.gateway.config.root,
      goal,
      topK,
      tokenBudget,
      encoding: encodingForModel(model),
      alreadySent: this.alreadySent,
    });
  }

  /**
   * The first provider, in the order the cap rules allow, whose worst-case cost fits: the classified tier with the
   * full pack, then with the pack shrunk, then cheaper tiers, then a local model. Nothing fits: blocked.
   */
  private async fitUnderCap(
    db: Db,
    goal: string,
    safeGoal: string,
    classification: Classification,
    pack: ContextPack,
    topK: number,
  ): Promise<{
    provider: ProviderSpec | null;
    quote: PriceQuote | null;
    payload: OutboundPayload | null;
    pack: ContextPack | null;
    capAction: CapAction;
    reason: string;
  }> {
    const gateway = this.gateway;
    const attempt = (
      provider: ProviderSpec,
    ): { quote: PriceQuote; payload: OutboundPayload; pack: ContextPack; shrunk: boolean } | null => {
      const fitted = fitContextUnderCap(gateway, provider, {
        pack,
        maxTokens: provider.maxTokens,
        messagesWith: (context) => messagesFor(safeGoal, context),
        repack: (tokenBudget) =>
          buildContextPack(db, {
            root: gateway.config.root,
            goal,
            topK,
            tokenBudget,
            encoding: pack.encoding,
            alreadySent: this.alreadySent,
          }),
      });
      return (
        fitted && {
          quote: fitted.quote,
          payload: buildPayload(provider, fitted.messages),
          pack: fitted.pack ?? pack,
          shrunk: fitted.shrunk,
        }
      );
    };

    const candidates = gateway.capCandidates(classification.route, classification.tier);

    let lastQuote: PriceQuote | null = null;
    for (const candidate of candidates) {
      const fitted = attempt(candidate.provider);
      if (fitted) {
        const capAction: CapAction = candidate.action !== 'none' ? candidate.action : fitted.shrunk ? 'shrunk' : 'none';
        return {
          provider: candidate.provider,
          quote: fitted.quote,
          payload: fitted.payload,
          pack: fitted.pack,
          capAction,
          reason: '',
        };
      }
      lastQuote = quoteRequest(
        candidate.provider,
        messagesFor(safeGoal, ''),
        candidate.provider.maxTokens,
        gateway.pricing,
      );
    }
    const unpriced = lastQuote?.unpriced
      ? ` (${lastQuote.model} has no known price; set allow_unpriced = true or add [prices."${lastQuote.model}"])`
      : '';
    return {
      provider: null,
      quote: lastQuote,
      payload: null,
      pack,
      capAction: 'blocked',
      reason:
        candidates.length === 0
          ? 'no provider is configured for this route'
          : `no configured provider fits the $${gateway.config.values.maxEscalationCostPerRequest} per-request cap${unpriced}`,
    };
  }

  private baselineCost(naiveTokens: number): number | null {
    const price = lookupPrice(this.gateway.config.values.baselineModel, this.gateway.pricing.overrides);
    return price ? round((naiveTokens * price.input) / 1e6) : null;
  }
}

/** The text a payload sends: system prompt and messages (any of the wire formats). */
export function payloadText(payload: OutboundPayload): string {
  const messages = (payload.body.messages as ChatMessage[] | undefined) ?? [];
  const system = typeof payload.body.system === 'string' ? payload.body.system : '';
  return [system, ...messages.map((message) => message.content)].filter(Boolean).join('\n');
}

/** The documented field order (the decision first, the bulky context and payload last). */
const RESULT_ORDER: ReadonlyArray<keyof RequestResult> = [
  'chosen_route',
  'tier',
  'provider',
  'model',
  'class_reason',
  'complexity_score',
  'cap_action',
  'cost_estimate',
  'estimated_savings_vs_external',
  'run_id',
  'status',
  'dry_run',
  'answer',
  'local_answer',
  'usage',
  'cost_usd',
  'context',
  'outbound_payload',
];

function inOrder(result: RequestResult): RequestResult {
  return Object.fromEntries(RESULT_ORDER.map((key) => [key, result[key] ?? null])) as unknown as RequestResult;
}

function stripPrice(quote: PriceQuote): Omit<PriceQuote, 'price'> {
  const { price: _price, ...rest } = quote;
  return { ...rest, max_cost_usd: rest.max_cost_usd === null ? null : round(rest.max_cost_usd) };
}

function round(usd: number): number {
  return Math.round(usd * 1e8) / 1e8;
}

/** The best file's share of the five best files' scores in the pack (1: one file clearly). */
function concentrationOf(pack: ContextPack): number | undefined {
  const byFile = new Map<string, number>();
  for (const chunk of pack.chunks) byFile.set(chunk.path, Math.max(byFile.get(chunk.path) ?? 0, chunk.score));
  const scores = [...byFile.values()].sort((a, b) => b - a).slice(0, 5);
  const total = scores.reduce((sum, score) => sum + score, 0);
  return total > 0 ? scores[0]! / total : undefined;
}
