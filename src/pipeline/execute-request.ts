import type { Db } from '../indexing/open-database.js';
import { Cooldowns, wholeProvider } from '../ledger/cooldowns.js';
import { NO_SAVINGS, type RequestStatus, type Savings } from '../ledger/ledger.js';
import { SpendBudget } from '../ledger/spend-budget.js';
import { encodingForModel, TokenCounter } from '../pack/token-counter.js';
import { callProvider, keyFingerprint } from '../providers/call-provider.js';
import type { ReportedUsage } from '../providers/prices.js';
import { mayBeBilled, ProviderError, type ProviderReply, type ProviderSpec } from '../providers/provider-types.js';
import { streamProvider, type StreamEvent } from '../providers/stream-provider.js';
import type { CodeContextGateway } from '../route/code-context-gateway.js';
import { lookupPrice } from '../providers/prices.js';
import { priceFor } from '../route/price-request.js';
import { cooldownFor, needsEscalation } from '../route/routing-policy.js';
import {
  contextAddedCost,
  contextSaving,
  localAnswerSaving,
  localModelSaving,
  routingSaving,
} from '../route/savings.js';
import { hashContent } from '../shared/hash.js';
import { roundUsd } from '../shared/money.js';
import type { Store } from '../storage/store.js';
import { AttemptSequence, type PreparedAttempt } from './attempt-sequence.js';
import { RequestRecord, type CallResult, type RequestEnd } from './request-record.js';
import type { RequestOutcome } from './request-outcome.js';
import { SYSTEM_PROMPT, type RequestPlan } from './request-plan.js';
import type { CachedReply, Lease, ReplyCache } from './reply-cache.js';

/**
 * What executing a plan needs: the resolved config, the index's database, the store of the shared state (ledger,
 * budget, cooldowns; migrated: ledger-store.ts), the key's env.
 */
export interface ExecutionDeps {
  gateway: CodeContextGateway;
  db: Db;
  store: Store;
  env?: NodeJS.ProcessEnv;
  /** Aborts upstream calls (Ctrl-C, a gateway's shutdown after its grace period): the request ends interrupted. */
  signal?: AbortSignal;
  /** The drop-in exact cache and its in-flight coalescing. */
  cache?: ReplyCache;
  now?: () => number;
}

/** `call` sends; `dry_run` plans and prices (llm_client disabled); `route_only` hands the payload to the user. */
export type ExecutionMode = 'call' | 'dry_run' | 'route_only';

/** Where a streamed answer goes: the surface writes it in its client's format. */
export interface StreamSink {
  /** The client went away: the upstream call is aborted. */
  readonly closed: AbortSignal;
  /** The first event of `attempt` is here (headers can go out now: no fallback is possible after this). */
  open(attempt: PreparedAttempt, runId: string): void;
  event(event: StreamEvent): void;
}

interface Execution {
  plan: RequestPlan;
  deps: ExecutionDeps;
  record: RequestRecord;
  cooldowns: Cooldowns;
  sequence?: AttemptSequence;
  /** Held while this request calls for its cache key on behalf of other replicas' identical requests. */
  lease?: Lease;
}

/** The answering call's usage and where it came from (provider-reported, or a bound). */
interface AnswerUsage {
  usage: ReportedUsage | null;
  usageSource: string;
}

function begin(plan: RequestPlan, deps: ExecutionDeps): Execution {
  const values = deps.gateway.config.values;
  const store = deps.store;
  const budget = new SpendBudget(
    store,
    { perDay: values.budgetUsdPerDay, perMonth: values.budgetUsdPerMonth, scopes: plan.caller?.scopes ?? [] },
    deps.now,
  );
  const record = new RequestRecord(
    store,
    budget,
    {
      source: plan.source,
      caller: plan.caller ? { keyId: plan.caller.keyId, user: plan.caller.user, team: plan.caller.team } : null,
      surface: plan.surface,
      goalHash: hashContent(plan.goal),
      session: plan.session,
      route: plan.route,
      tier: plan.classifiedTier,
      requestedModel: plan.requestedModel,
      classReason: plan.classReason,
      complexityScore: plan.complexityScore,
      capUsd: deps.gateway.capUsd,
      baselineModel: baselineModelOf(plan, deps.gateway),
    },
    deps.now,
  );
  return { plan, deps, record, cooldowns: new Cooldowns(store, deps.now) };
}

/** Routing savings are measured against the model a client named, else the configured baseline_model. */
function baselineModelOf(plan: RequestPlan, gateway: CodeContextGateway): string {
  return !plan.auto && plan.requestedModel ? plan.requestedModel : gateway.config.values.baselineModel;
}

/**
 * A non-streaming request, start to end: a local answer, an exact-cache hit, or the attempt sequence — the chosen
 * provider, routing.fallbacks after a failure, a stronger tier after a weak answer (model `auto` only) — each
 * attempt a calls row, the request one row closed once.
 */
export async function executeRequest(
  plan: RequestPlan,
  deps: ExecutionDeps,
  mode: ExecutionMode,
): Promise<RequestOutcome> {
  const run = begin(plan, deps);
  try {
    const early = await answerWithoutCall(run);
    if (early) return early;
    const cached = await fromCache(run, false);
    if (cached) return cached;
    const sequence = (run.sequence = new AttemptSequence(plan, deps.gateway, run.cooldowns, run.record, mode));
    const first = await sequence.first();
    if (!first) return blocked(run, sequence);
    if (mode !== 'call') return planned(run, first, mode);
    return await coalesced(run, () => callSequence(run, sequence, first));
  } catch (error) {
    await failUnexpectedly(run, error);
    throw error;
  } finally {
    // After its answer is stored (coalesced): the replicas waiting on it read the answer, not an empty lease.
    await run.lease?.release();
  }
}

/** A streaming request: the first upstream event opens the client's stream; failures before it fall back. */
export async function streamRequest(plan: RequestPlan, deps: ExecutionDeps, sink: StreamSink): Promise<RequestOutcome> {
  const run = begin(plan, deps);
  try {
    const early = (await answerWithoutCall(run)) ?? (await fromCache(run, true));
    if (early) return early;
    const sequence = (run.sequence = new AttemptSequence(plan, deps.gateway, run.cooldowns, run.record, 'call'));
    let attempt = await sequence.first();
    if (!attempt) return blocked(run, sequence);
    const abort = new AbortController();
    const onAbort = (): void => abort.abort();
    // A client that left, or a shutdown, before this point: abort at once (a listener would never fire).
    if (sink.closed.aborted || deps.signal?.aborted) abort.abort();
    sink.closed.addEventListener('abort', onAbort, { once: true });
    deps.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const result = await streamAttempt(run, attempt, sink, abort.signal);
        if (result.kind === 'answered') return answered(run, attempt, result.reply, result.counted);
        if (result.kind === 'ended') return ended(run, attempt, result.status, result.error);
        const next: PreparedAttempt | null = await sequence.fallback();
        if (!next) return ended(run, attempt, 'failed', result.error);
        run.record.fallbacks++;
        attempt = next;
      }
    } finally {
      sink.closed.removeEventListener('abort', onAbort);
      deps.signal?.removeEventListener('abort', onAbort);
    }
  } catch (error) {
    await failUnexpectedly(run, error);
    throw error;
  }
}

async function callSequence(
  run: Execution,
  sequence: AttemptSequence,
  first: PreparedAttempt,
): Promise<RequestOutcome> {
  const { plan, deps, record } = run;
  const maxEscalations = deps.gateway.config.values.routing.maxEscalations;
  let attempt: PreparedAttempt | null = first;
  let answer: { attempt: PreparedAttempt; reply: ProviderReply; counted: AnswerUsage } | null = null;
  let lastError: ProviderError | null = null;
  let last = first;
  while (attempt) {
    last = attempt;
    const current: PreparedAttempt = attempt;
    try {
      let answerUsage: AnswerUsage = { usage: null, usageSource: 'none' };
      const reply = await callProvider(current.spec, current.payload, {
        env: deps.env,
        signal: deps.signal,
        onAttempt: async (entry) => {
          const result: CallResult = {
            httpStatus: entry.httpStatus,
            errorClass: entry.errorClass,
            latencyMs: entry.latencyMs,
            reply: entry.reply,
            mayBeBilled: mayBeBilled(entry.errorClass),
          };
          const counted = await record.call(current, result, entry.final, entry.attempt > 1);
          if (entry.reply) answerUsage = counted;
        },
      });
      answer = { attempt: current, reply, counted: answerUsage };
      attempt =
        plan.auto && record.escalations < maxEscalations && needsEscalation(reply)
          ? await sequence.escalation(current.spec)
          : null;
      if (attempt) record.escalations++;
    } catch (error) {
      if (!(error instanceof ProviderError)) {
        // Not the provider's failure (a bug, the disk): the call may have gone out and been billed.
        await record.interruptAttempt(current);
        throw error;
      }
      await record.settle(current);
      await coolDown(run, current.spec, error);
      lastError = error;
      // An escalation that fails leaves the answer already in hand; an abandoned request stops here.
      if (answer || error.errorClass === 'aborted') break;
      attempt = await sequence.fallback();
      if (attempt) record.fallbacks++;
    }
  }
  if (answer) return answered(run, answer.attempt, answer.reply, answer.counted);
  return ended(run, last, lastError?.errorClass === 'aborted' ? 'interrupted' : 'failed', lastError);
}

type StreamAttemptResult =
  | { kind: 'answered'; reply: ProviderReply; counted: AnswerUsage }
  | { kind: 'retry'; error: ProviderError }
  | { kind: 'ended'; status: RequestStatus; error: ProviderError | null };

/** One streamed attempt: events to the sink as they arrive; its calls row once it ends, however it ends. */
async function streamAttempt(
  run: Execution,
  attempt: PreparedAttempt,
  sink: StreamSink,
  signal: AbortSignal,
): Promise<StreamAttemptResult> {
  const started = performance.now();
  let opened = false;
  let text = '';
  let finishReason: string | null = null;
  let usage: ReportedUsage | null = null;
  let error: ProviderError | null = null;
  // Every byte of every event: with no usage reported, it bounds what was generated (tool calls included).
  let eventBytes = 0;
  try {
    for await (const event of streamProvider(attempt.spec, attempt.payload, { env: run.deps.env, signal })) {
      if (!opened) {
        opened = true;
        sink.open(attempt, run.record.runId);
      }
      if (event.type === 'raw') eventBytes += Buffer.byteLength(event.data, 'utf8');
      else if (event.type === 'text') text += event.text;
      else if (event.type === 'finish') finishReason = event.reason;
      else if (event.type === 'usage') usage = event.usage;
      sink.event(event);
    }
  } catch (caught) {
    if (!(caught instanceof ProviderError)) {
      await run.record.interruptAttempt(attempt);
      throw caught;
    }
    error = caught;
  }
  const latencyMs = Math.round(performance.now() - started);
  const disconnected = sink.closed.aborted;
  const result: CallResult = {
    httpStatus: error ? error.httpStatus : 200,
    errorClass: disconnected ? 'client_disconnected' : (error?.errorClass ?? null),
    latencyMs,
    reply: error ? null : { text, usage, outputBytes: Math.max(eventBytes, Buffer.byteLength(text, 'utf8')) },
    // Once the stream has begun, a failure (an error event, a drop) comes after the provider started to bill.
    mayBeBilled: (error?.mayBeBilled ?? false) || (opened && error !== null),
    seenUsage: usage,
    ...(disconnected && opened ? { disconnectedUsage: usage } : {}),
  };
  let counted: AnswerUsage = { usage: null, usageSource: 'none' };
  if (error && error.errorClass === 'missing_key') await run.record.settle(attempt);
  else counted = await run.record.call(attempt, result, true);
  if (!error) return { kind: 'answered', reply: { text, finishReason, usage: counted.usage }, counted };
  if (disconnected) return { kind: 'ended', status: 'client_disconnected', error };
  if (error.errorClass === 'aborted') return { kind: 'ended', status: 'interrupted', error };
  await coolDown(run, attempt.spec, error);
  // Once text has reached the client there is no retry: it already has part of an answer.
  return opened ? { kind: 'ended', status: 'failed', error } : { kind: 'retry', error };
}

async function coolDown(run: Execution, spec: ProviderSpec, error: ProviderError): Promise<void> {
  const rule = cooldownFor(error.errorClass, error.retryAfterMs, run.deps.gateway.config.values.routing);
  if (rule)
    await run.cooldowns.coolDown(
      spec.name,
      rule.scope === 'provider' ? wholeProvider(keyFingerprint(spec, run.deps.gateway.env)) : spec.model,
      rule.seconds,
      error.errorClass,
    );
}

/** A look-up answered from the index, or a model nobody serves: no upstream call. */
async function answerWithoutCall(run: Execution): Promise<RequestOutcome | null> {
  const { plan, deps } = run;
  if (plan.modelNotFound) {
    return close(run, null, {
      status: 'blocked',
      route: 'blocked',
      limitReason: 'model_not_found',
      message: plan.modelNotFound,
    });
  }
  if (!plan.localAnswer) return null;
  const external = externalFor(plan, deps.gateway);
  const counter = new TokenCounter(encodingForModel(external?.model ?? deps.gateway.config.values.baselineModel));
  const saving = localAnswerSaving(
    counter.count(`${SYSTEM_PROMPT}\n${plan.goal}`),
    counter.count(plan.localAnswer.text),
    external ? priceFor(external, deps.gateway.pricing) : baselinePrice(plan, deps.gateway),
  );
  return close(run, null, {
    status: 'completed',
    route: 'local_answer',
    savings: { ...NO_SAVINGS, localSavingUsd: saving },
  });
}

/** The external provider a request's classified tier maps to: what a local route stands in for. */
function externalFor(plan: RequestPlan, gateway: CodeContextGateway): ProviderSpec | undefined {
  return gateway.providerForTier(plan.classifiedTier ?? 'cheap');
}

function baselinePrice(plan: RequestPlan, gateway: CodeContextGateway) {
  return lookupPrice(baselineModelOf(plan, gateway), gateway.pricing.overrides) ?? null;
}

/**
 * The exact cache: a stored answer, or (not streaming) the answer of an identical request already in flight in this
 * process or, with Redis, on another replica — else this request leads: it calls, and the others wait for it.
 */
async function fromCache(run: Execution, streaming: boolean): Promise<RequestOutcome | null> {
  const cache = run.deps.cache;
  const key = run.plan.cacheKey;
  if (!cache || !key) return null;
  const found = await cachedAnswer(run, cache, key, streaming);
  if (!found) return null;
  // Stopped waiting for another replica's answer: interrupted, with no call of its own.
  if ('stopped' in found)
    return close(run, null, { status: 'interrupted', route: 'external', errorClass: 'interrupted' });
  return close(run, null, {
    status: 'completed',
    route: found.entry.route,
    provider: found.entry.provider,
    model: found.entry.model,
    cache: found.kind,
    reply: found.entry.reply,
    changes: found.entry.changes,
    savings: { ...NO_SAVINGS, cacheSavingUsd: found.entry.costUsd },
  });
}

async function cachedAnswer(
  run: Execution,
  cache: ReplyCache,
  key: string,
  streaming: boolean,
): Promise<{ entry: CachedReply; kind: 'exact' | 'coalesced' } | { stopped: true } | null> {
  if (streaming) {
    const stored = await cache.get(key);
    return stored ? { entry: stored, kind: 'exact' } : null;
  }
  const here = await cache.inflight(key);
  if (here) return { entry: here, kind: 'coalesced' };
  const lead = await cache.lead(key, run.deps.signal);
  if ('stopped' in lead) return lead;
  if ('answer' in lead) return { entry: lead.answer, kind: lead.waited ? 'coalesced' : 'exact' };
  run.lease = lead.lease;
  return null;
}

/** Non-streaming requests with a cache key share one upstream call; its answer is stored for the TTL. */
async function coalesced(run: Execution, call: () => Promise<RequestOutcome>): Promise<RequestOutcome> {
  const cache = run.deps.cache;
  const key = run.plan.cacheKey;
  if (!cache || !key) return call();
  return cache.share(key, async () => {
    const outcome = await call();
    const entry: CachedReply | null =
      outcome.status === 'completed' && outcome.reply && outcome.provider && outcome.model
        ? {
            reply: outcome.reply,
            provider: outcome.provider,
            model: outcome.model,
            route: outcome.route === 'local_model' ? 'local_model' : 'external',
            costUsd: outcome.costUsd,
            changes: outcome.changes,
          }
        : null;
    return { outcome, entry };
  });
}

function blocked(run: Execution, sequence: AttemptSequence): Promise<RequestOutcome> {
  const { reason, message } = sequence.blockReason;
  const earliest = sequence.skipped
    .map((skip) => skip.until)
    .filter((until): until is string => until !== undefined)
    .sort()[0];
  return close(run, null, {
    status: 'blocked',
    route: 'blocked',
    limitReason: reason,
    message: `blocked: ${message}`,
    retryAfter: earliest ?? null,
  });
}

/** A dry run, or a route-request payload handed to the user (pending, owned by nobody, its bound kept for later). */
function planned(run: Execution, attempt: PreparedAttempt, mode: 'dry_run' | 'route_only'): Promise<RequestOutcome> {
  const counter = new TokenCounter(encodingForModel(attempt.spec.model));
  return close(run, attempt, {
    status: mode === 'dry_run' ? 'dry_run' : 'pending',
    route: attempt.spec.local ? 'local_model' : 'external',
    payloadTokensLocal: counter.count(payloadText(attempt.payload.body)),
    payloadTokensBound: attempt.quote.input_tokens_bound,
  });
}

function answered(
  run: Execution,
  attempt: PreparedAttempt,
  reply: ProviderReply,
  counted: AnswerUsage,
): Promise<RequestOutcome> {
  return close(run, attempt, {
    status: 'completed',
    route: attempt.spec.local ? 'local_model' : 'external',
    reply,
    usage: counted.usage,
    usageSource: counted.usageSource,
    savings: savingsOf(run, attempt, counted.usageSource === 'provider' ? counted.usage : null),
  });
}

function ended(
  run: Execution,
  attempt: PreparedAttempt,
  status: RequestStatus,
  error: ProviderError | null,
): Promise<RequestOutcome> {
  return close(run, attempt, {
    status,
    route: attempt.spec.local ? 'local_model' : 'external',
    error,
    message: error?.message ?? null,
  });
}

/**
 * Savings by cause for an answered request (src/ledger/README.md; formulas in route/savings.ts). `reported` is the
 * answering call's provider-reported usage: without it no routing or local-model saving is claimed.
 */
function savingsOf(run: Execution, attempt: PreparedAttempt, reported: ReportedUsage | null): Savings {
  const { plan, deps, record } = run;
  const served = attempt.price;
  const pack = attempt.pack;
  const savings: Savings = { ...NO_SAVINGS };
  if (pack && plan.contextRole === 'instead_of_files') {
    const saving = contextSaving(pack.naive_baseline_tokens, pack.tokens_used + pack.goal_tokens, served);
    savings.contextSavingTokens = saving.tokens;
    savings.contextSavingUsd = saving.usd;
  }
  if (pack && plan.contextRole === 'added' && pack.tokens_used > 0) {
    savings.contextAddedTokens = pack.tokens_used;
    savings.contextAddedUsd = contextAddedCost(pack.tokens_used, served);
  }
  if (attempt.spec.local) {
    const external = externalFor(plan, deps.gateway);
    savings.localSavingUsd = localModelSaving(
      reported,
      record.spentUsd,
      external ? priceFor(external, deps.gateway.pricing) : baselinePrice(plan, deps.gateway),
    );
  } else {
    savings.routingSavingUsd = routingSaving(reported, record.spentUsd, baselinePrice(plan, deps.gateway));
  }
  return savings;
}

interface Closing {
  status: RequestStatus;
  route: RequestOutcome['route'];
  provider?: string;
  model?: string;
  limitReason?: RequestOutcome['limitReason'];
  message?: string | null;
  cache?: 'exact' | 'coalesced';
  reply?: ProviderReply | null;
  usage?: ReportedUsage | null;
  usageSource?: string;
  error?: ProviderError | null;
  /** The error class when it is not a provider's (an unexpected failure). */
  errorClass?: string;
  savings?: Savings;
  retryAfter?: string | null;
  payloadTokensLocal?: number;
  payloadTokensBound?: number;
  /** A cache hit's: what the routing changed when its answer was made. */
  changes?: string[];
}

/** Write the request's row once and return what every surface translates. */
async function close(run: Execution, attempt: PreparedAttempt | null, closing: Closing): Promise<RequestOutcome> {
  const { plan, deps, record } = run;
  const pack = attempt?.pack ?? (closing.route === 'local_answer' ? null : plan.pack);
  const spec = attempt?.spec;
  const tier =
    closing.route === 'blocked' || closing.route === 'local_answer'
      ? null
      : spec
        ? spec.local
          ? plan.classifiedTier
          : spec.tier
        : null;
  const insteadOfFiles = pack && plan.contextRole === 'instead_of_files';
  const rounded = roundSavings(closing.savings ?? NO_SAVINGS);
  const end: RequestEnd = {
    status: closing.status,
    route: closing.route,
    tier,
    classifiedTier: plan.classifiedTier,
    provider: closing.provider ?? spec?.name ?? null,
    model: closing.model ?? spec?.model ?? plan.requestedModel,
    capAction: closing.route === 'blocked' ? 'blocked' : (attempt?.capAction ?? 'none'),
    limitReason: closing.limitReason ?? (attempt ? limitOf(run, attempt) : null),
    estimatedCostUsd: attempt?.quote.max_cost_usd ?? null,
    unpriced: attempt?.quote.unpriced ?? false,
    baselineModel: baselineModelOf(plan, deps.gateway),
    contextTokens: pack?.tokens_used ?? 0,
    sessionTokensSaved: pack?.session?.tokens_saved ?? 0,
    redactions: plan.redactions + (pack?.redactions.total ?? 0),
    naiveBaselineTokens: insteadOfFiles ? pack.naive_baseline_tokens : 0,
    baselineCostUsd: insteadOfFiles ? naiveCost(pack.naive_baseline_tokens, plan, deps.gateway) : null,
    packedTokens: insteadOfFiles ? pack.tokens_used + pack.goal_tokens : 0,
    errorClass:
      closing.status === 'client_disconnected'
        ? 'client_disconnected'
        : (closing.errorClass ??
          closing.error?.errorClass ??
          (closing.route === 'blocked' ? `blocked_${closing.limitReason}` : null)),
    cache: closing.cache,
    savings: rounded,
    payloadTokensLocal: closing.payloadTokensLocal,
    payloadTokensBound: closing.payloadTokensBound,
  };
  await record.finish(end);
  const usage = closing.usage ?? null;
  return {
    runId: record.runId,
    status: closing.status,
    route: closing.route,
    tier,
    classifiedTier: plan.classifiedTier,
    provider: end.provider,
    model: end.model,
    classReason: plan.classReason,
    complexityScore: plan.complexityScore,
    capAction: end.capAction,
    limitReason: end.limitReason,
    message: closing.message ?? null,
    payload: attempt?.payload ?? null,
    quote: attempt?.quote ?? null,
    changes: attempt?.changes ?? closing.changes ?? [],
    reply: closing.reply ?? null,
    localAnswer: closing.route === 'local_answer' ? plan.localAnswer : null,
    usage: usage ? { ...usage, source: closing.usageSource ?? 'provider' } : null,
    costUsd: roundUsd(record.reportedUsd),
    unreportedCostUsd: roundUsd(record.unreportedUsd),
    tokens: record.tokens,
    savings: rounded,
    cache: closing.cache ?? 'miss',
    error: closing.error
      ? {
          errorClass: end.errorClass ?? closing.error.errorClass,
          message: closing.error.message,
          retryAfterMs: closing.error.retryAfterMs,
        }
      : null,
    fallbacks: record.fallbacks,
    escalations: record.escalations,
    pack,
    skipped: run.sequence?.skipped ?? [],
    retryAfter: closing.retryAfter ?? null,
  };
}

/** Why the route is not the first choice: the first provider passed over says (budget, cooldown, cap); a shrunk pack is the cap. */
function limitOf(run: Execution, attempt: PreparedAttempt): RequestOutcome['limitReason'] {
  const first = run.sequence?.skipped[0];
  if (first) return first.reason;
  return attempt.capAction === 'none' ? null : 'cap';
}

function naiveCost(tokens: number, plan: RequestPlan, gateway: CodeContextGateway): number | null {
  const price = baselinePrice(plan, gateway);
  return price ? roundUsd((tokens * price.input) / 1e6) : null;
}

function roundSavings(savings: Savings): Savings {
  const round = (value: number | null): number | null => (value === null ? null : roundUsd(value));
  return {
    contextSavingTokens: savings.contextSavingTokens,
    contextSavingUsd: round(savings.contextSavingUsd),
    routingSavingUsd: round(savings.routingSavingUsd),
    cacheSavingUsd: round(savings.cacheSavingUsd),
    localSavingUsd: round(savings.localSavingUsd),
    contextAddedTokens: savings.contextAddedTokens,
    contextAddedUsd: round(savings.contextAddedUsd),
  };
}

/** An error no outcome covers (a bug, the disk): the row still closes, as failed, through the one close. */
async function failUnexpectedly(run: Execution, error: unknown): Promise<void> {
  if (!run.record.isOpen) return;
  try {
    await close(run, null, {
      status: 'failed',
      route: run.plan.route,
      errorClass: error instanceof ProviderError ? error.errorClass : 'internal',
    });
  } catch {
    // The database itself failed: the next start closes the row as interrupted.
  }
}

/** The text a wire body sends (system prompt and messages of any dialect), for a local count. */
export function payloadText(body: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  const add = (content: unknown): void => {
    if (typeof content === 'string') parts.push(content);
    else if (Array.isArray(content)) for (const part of content) add((part as { text?: unknown })?.text);
  };
  add(body.system);
  for (const message of Array.isArray(body.messages) ? body.messages : [])
    add((message as { content?: unknown }).content);
  return parts.filter(Boolean).join('\n');
}
