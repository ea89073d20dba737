import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TierName } from '../../config/config-values.js';
import { Ledger, type CapAction } from '../../ledger/ledger.js';
import { SpendBudget } from '../../ledger/spend-budget.js';
import { redactSecrets } from '../../pack/redact-secrets.js';
import { buildPayload, callProvider, type Attempt } from '../../providers/call-provider.js';
import { costOfUsage, lookupPrice, type ReportedUsage } from '../../providers/prices.js';
import { streamProvider } from '../../providers/stream-provider.js';
import {
  ProviderError,
  type ChatMessage,
  type OutboundPayload,
  type ProviderSpec,
} from '../../providers/provider-types.js';
import { openIndex } from '../../retrieve/search-project.js';
import { buildContextPack, type ContextPack } from '../../pack/pack-context.js';
import { encodingForModel } from '../../pack/token-counter.js';
import { classifyRequest } from '../../route/classify-request.js';
import type { CodeContextGateway } from '../../route/code-context-gateway.js';
import { fitContextUnderCap } from '../../route/fit-context-under-cap.js';
import { priceFor, quoteRequest, type PriceQuote } from '../../route/price-request.js';
import { hashContent } from '../../shared/hash.js';
import { IndexStore } from '../../indexing/index-store.js';
import { openDatabase } from '../../indexing/open-database.js';
import { HttpError, readJsonBody, sendJson } from '../http-json.js';
import { errorBody, readClientChat, replyBody, type ClientChat, type ClientFormat } from './client-format.js';
import { ClientStream } from './client-stream.js';
import { cacheKey, ResponseCache, type CachedReply } from './response-cache.js';

/**
 * The drop-in endpoints: `POST /v1/chat/completions` (OpenAI) and `POST /v1/messages` (Anthropic). An existing
 * client changes only its base URL. `"model": "auto"` (or a configured alias) lets the router pick the tier; an
 * explicit model is honoured. Optional repository context (`x-codecontext-context: auto` or a `codecontext` body
 * field) is packed for the last user message and added to the system prompt. The cap is enforced before the call
 * (shrink the context, then a cheaper tier for `auto`, then local, then 402); replies, usage and errors come back in
 * the client's format; every request is a ledger row, every attempt a call row.
 */
export function dropInHandler(gateway: CodeContextGateway, format: ClientFormat) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    let chat: ClientChat;
    try {
      chat = readClientChat(format, await readJsonBody(request));
    } catch (error) {
      if (error instanceof HttpError)
        return sendJson(response, error.status, errorBody(format, error.status, error.message));
      throw error;
    }
    if (!gateway.callsEnabled) {
      return sendJson(
        response,
        503,
        errorBody(
          format,
          503,
          'the codecontext gateway has no upstream: set [llm_client] enabled = true in .codecontext.toml',
        ),
      );
    }
    await serve(gateway, format, chat, request, response);
  };
}

interface Candidate {
  provider: ProviderSpec;
  action: CapAction;
}

/** Where a request may go, in cap order: the chosen provider, cheaper tiers (for auto), then a local model. */
function candidatesFor(
  gateway: CodeContextGateway,
  chat: ClientChat,
  lastUser: string,
): { auto: boolean; tier: TierName | null; reason: string; list: Candidate[] } {
  const auto = gateway.config.values.routing.aliases.includes(chat.model);
  const list: Candidate[] = [];
  if (!auto) {
    const exact = gateway.providers.find((provider) => provider.model === chat.model);
    const sameVendor = /^claude/i.test(chat.model)
      ? gateway.providers.find((provider) => provider.kind === 'anthropic')
      : gateway.providers.find((provider) => provider.kind !== 'anthropic' && !provider.local);
    const chosen = exact ?? (sameVendor ? { ...sameVendor, model: chat.model } : undefined);
    if (chosen) list.push({ provider: chosen, action: 'none' });
    if (gateway.localProvider && chosen !== gateway.localProvider)
      list.push({ provider: gateway.localProvider, action: 'local' });
    return { auto, tier: chosen?.tier ?? null, reason: `explicit model ${chat.model}`, list };
  }
  const classification = classifyRequest(lastUser, {
    routing: gateway.config.values.routing,
    hasLocalModel: Boolean(gateway.localProvider),
    resolvesLookup: () => false,
  });
  const tier = classification.tier ?? 'cheap';
  list.push(...gateway.capCandidates(classification.route, tier));
  return { auto, tier, reason: classification.class_reason, list };
}

function withContext(messages: readonly ChatMessage[], context: string): ChatMessage[] {
  if (!context) return [...messages];
  const block = `<repository_context>\n${context}\n</repository_context>`;
  const systemIndex = messages.findIndex((message) => message.role === 'system');
  if (systemIndex < 0) return [{ role: 'system', content: block }, ...messages];
  return messages.map((message, index) =>
    index === systemIndex ? { ...message, content: `${message.content}\n\n${block}` } : message,
  );
}

async function serve(
  gateway: CodeContextGateway,
  format: ClientFormat,
  chat: ClientChat,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const values = gateway.config.values;
  const started = performance.now();
  // High-confidence secrets in what the client sent are masked before anything leaves the machine.
  let redactions = 0;
  const messages = chat.messages.map((message) => {
    if (!values.redactClientMessages) return message;
    const redacted = redactSecrets(message.content);
    redactions += redacted.redactions.total;
    return { ...message, content: redacted.text };
  });
  const lastUser = [...messages].reverse().find((message) => message.role === 'user')?.content ?? '';
  const wantsContext =
    chat.context.auto || String(request.headers['x-codecontext-context'] ?? '').toLowerCase() === 'auto';
  const route = candidatesFor(gateway, chat, lastUser);

  // The exact cache, then identical requests already in flight (non-streaming ones wait for the first's answer).
  const ttl = values.gatewayCacheTtlSeconds;
  const bypass = /no-cache|no-store/i.test(String(request.headers['cache-control'] ?? ''));
  const key = ttl > 0 ? cacheKey(chat, messages, wantsContext ? indexGeneration(gateway) : null) : null;
  const inflight = inflightFor(gateway);
  if (key && !bypass) {
    const hit = withDatabase(gateway, (db) => new ResponseCache(db).get(key));
    if (hit)
      return answerFromCache(gateway, format, chat, response, hit, 'exact', { started, goal: lastUser, redactions });
    const waiting = chat.stream ? undefined : inflight.get(key);
    const shared = waiting ? await waiting : null;
    if (shared)
      return answerFromCache(gateway, format, chat, response, shared, 'coalesced', {
        started,
        goal: lastUser,
        redactions,
      });
  }

  // Repository context for the last user message, shrunk as the cap requires.
  let pack: ContextPack | null = null;
  const packAt = (budget: number): ContextPack => {
    const db = openIndex(gateway.config);
    try {
      return buildContextPack(db, {
        root: gateway.config.root,
        goal: lastUser,
        topK: chat.context.topK ?? values.defaultTopK,
        tokenBudget: budget,
        encoding: encodingForModel(route.list[0]?.provider.model ?? ''),
      });
    } finally {
      db.close();
    }
  };
  if (wantsContext && lastUser) pack = packAt(chat.context.tokenBudget ?? values.defaultContextBudgetTokens);

  let chosen: {
    candidate: Candidate;
    quote: PriceQuote;
    messages: ChatMessage[];
    capAction: CapAction;
    pack: ContextPack | null;
  } | null = null;
  // After the route's own candidates, routing.fallbacks: they serve when every candidate is cooling down.
  const fallbackCandidates = values.routing.fallbacks
    .map((name) => gateway.providerNamed(name))
    .filter(
      (spec): spec is ProviderSpec =>
        spec !== undefined && !route.list.some((entry) => entry.provider.name === spec.name),
    )
    .map((provider): Candidate => ({ provider, action: 'none' }));
  for (const candidate of [...route.list, ...fallbackCandidates]) {
    // A provider cooling down after a 429/401/404 is skipped, as if it were not configured.
    if (gateway.coolingDown(candidate.provider.name)) continue;
    const fitted = fitContextUnderCap(gateway, candidate.provider, {
      pack,
      maxTokens: chat.maxTokens ?? candidate.provider.maxTokens,
      messagesWith: (context) => withContext(messages, context),
      repack: packAt,
    });
    if (fitted) {
      chosen = {
        candidate,
        quote: fitted.quote,
        messages: fitted.messages,
        capAction: candidate.action !== 'none' ? candidate.action : fitted.shrunk ? 'shrunk' : 'none',
        pack: fitted.pack,
      };
      break;
    }
  }

  const db = sharedDatabase(gateway);
  const ledger = new Ledger(db);
  const { id: requestId, runId } = ledger.start({
    source: 'api',
    goalHash: hashContent(lastUser),
    route: 'external',
    tier: route.tier,
    provider: null,
    model: chat.model,
    classReason: route.reason,
    complexityScore: 0,
    capUsd: values.maxEscalationCostPerRequest,
    baselineModel: values.baselineModel,
  });
  const baselinePrice = lookupPrice(values.baselineModel, gateway.pricing.overrides);
  const baselineCost = pack && baselinePrice ? (pack.naive_baseline_tokens * baselinePrice.input) / 1e6 : null;
  const outcome = {
    contextTokens: chosen?.pack?.tokens_used ?? 0,
    sessionTokensSaved: 0,
    redactions: redactions + (pack?.redactions.total ?? 0),
    naiveBaselineTokens: pack?.naive_baseline_tokens ?? 0,
    baselineCostUsd: baselineCost,
  };
  if (!chosen) {
    ledger.finish(requestId, {
      ...outcome,
      status: 'blocked',
      route: 'blocked',
      tier: null,
      provider: null,
      model: chat.model,
      capAction: 'blocked',
      estimatedCostUsd: null,
      unpriced: false,
      latencyMs: Math.round(performance.now() - started),
      errorClass: 'over_cap',
    });
    return sendJson(
      response,
      402,
      errorBody(
        format,
        402,
        `blocked: no configured provider fits the $${values.maxEscalationCostPerRequest} per-request cap`,
      ),
      { 'x-codecontext-run-id': runId, 'x-codecontext-route': 'blocked' },
    );
  }
  const provider = {
    ...chosen.candidate.provider,
    temperature: chat.temperature ?? chosen.candidate.provider.temperature,
  };
  const payload = buildPayload(provider, chosen.messages, chat.maxTokens ?? provider.maxTokens);
  const headers: Record<string, string> = {
    'x-codecontext-route': provider.local ? 'local_model' : 'external',
    'x-codecontext-model': provider.model,
    'x-codecontext-cache': 'miss',
    'x-codecontext-run-id': runId,
    'x-codecontext-redacted': String(outcome.redactions),
  };
  // Spend budgets hold across every process sharing the database: reserve the worst case (escalations included)
  // before calling, release once the calls' real costs are in the ledger.
  const budget = new SpendBudget(db, { perDay: values.budgetUsdPerDay, perMonth: values.budgetUsdPerMonth });
  const worstCase = (chosen.quote.max_cost_usd ?? 0) * (route.auto ? 1 + values.routing.maxEscalations : 1);
  const reservation = budget.reserve(runId, worstCase, RESERVATION_TTL_MS);
  if (!reservation.ok) {
    ledger.finish(requestId, {
      ...outcome,
      status: 'blocked',
      route: 'blocked',
      tier: null,
      provider: provider.name,
      model: provider.model,
      capAction: 'blocked',
      estimatedCostUsd: worstCase,
      unpriced: chosen.quote.unpriced,
      latencyMs: Math.round(performance.now() - started),
      errorClass: 'over_budget',
    });
    const left = Math.max(0, reservation.limit - reservation.committed).toFixed(4);
    return sendJson(
      response,
      402,
      errorBody(
        format,
        402,
        `blocked: the ${reservation.window === 'day' ? 'daily' : 'monthly'} budget of $${reservation.limit} has $${left} left; this request may cost up to $${worstCase.toFixed(4)}`,
      ),
      { 'x-codecontext-run-id': runId, 'x-codecontext-route': 'blocked' },
    );
  }
  const selected = chosen;
  try {
    if (chat.stream) {
      await streamReply({
        gateway,
        format,
        chat,
        response,
        attempts: upstreamAttempts(gateway, provider, payload, chat, selected.messages),
        ledger,
        requestId,
        headers,
        outcome,
        chosen,
        started,
      });
      return;
    }
    let settle: (entry: CachedReply | null) => void = () => {};
    if (key) inflight.set(key, new Promise<CachedReply | null>((resolve) => (settle = resolve)));
    let attempt = 0;
    let lastError: ProviderError | null = null;
    const logAttempt =
      (spec: ProviderSpec) =>
      (entry: Attempt): void =>
        recordUpstreamCall(gateway, ledger, requestId, spec, {
          ...entry,
          attempt: ++attempt,
          usage: entry.reply?.usage ?? null,
        });
    try {
      for (const { spec, payload: specPayload } of upstreamAttempts(
        gateway,
        provider,
        payload,
        chat,
        selected.messages,
      )) {
        try {
          const reply = await callProvider(spec, specPayload, { env: gateway.env, onAttempt: logAttempt(spec) });
          // For "auto": a truncated or clearly uncertain answer is retried one tier up, within the cap.
          let final = { reply, spec };
          for (
            let escalation = 0;
            route.auto && escalation < values.routing.maxEscalations && needsEscalation(final.reply);
            escalation++
          ) {
            const stronger = strongerProvider(gateway, final.spec, chat, selected.messages);
            if (!stronger) break;
            try {
              const escalated = await callProvider(
                stronger,
                buildPayload(stronger, selected.messages, chat.maxTokens ?? stronger.maxTokens),
                { env: gateway.env, onAttempt: logAttempt(stronger) },
              );
              final = { reply: escalated, spec: stronger };
              headers['x-codecontext-escalated'] = String(escalation + 1);
            } catch (error) {
              if (!(error instanceof ProviderError)) throw error;
              gateway.coolDown(stronger.name, error.errorClass, error.retryAfterMs);
              break;
            }
          }
          const cost = ledger.realCost(requestId);
          if (key) {
            const entry: CachedReply = {
              reply: final.reply,
              provider: final.spec.name,
              model: final.spec.model,
              costUsd: cost,
            };
            new ResponseCache(db).put(key, entry, ttl);
            settle(entry);
          }
          const routeName = final.spec.local ? 'local_model' : 'external';
          ledger.finish(requestId, {
            ...outcome,
            status: 'completed',
            route: routeName,
            tier: final.spec.local ? null : final.spec.tier,
            provider: final.spec.name,
            model: final.spec.model,
            capAction: selected.capAction,
            estimatedCostUsd: selected.quote.max_cost_usd,
            unpriced: selected.quote.unpriced,
            latencyMs: Math.round(performance.now() - started),
            errorClass: null,
          });
          return sendJson(
            response,
            200,
            replyBody(format, final.spec.model, final.reply, randomUUID().replace(/-/g, '')),
            {
              ...headers,
              'x-codecontext-route': routeName,
              'x-codecontext-model': final.spec.model,
              'x-codecontext-saved-usd': baselineCost === null ? '0' : (baselineCost - cost).toFixed(6),
            },
          );
        } catch (error) {
          if (!(error instanceof ProviderError)) throw error;
          gateway.coolDown(spec.name, error.errorClass, error.retryAfterMs);
          lastError = error;
        }
      }
      settle(null);
      const failure = lastError ?? new ProviderError('server', 'no provider could take the request');
      ledger.finish(requestId, {
        ...outcome,
        status: 'failed',
        route: 'external',
        tier: provider.tier,
        provider: provider.name,
        model: provider.model,
        capAction: selected.capAction,
        estimatedCostUsd: selected.quote.max_cost_usd,
        unpriced: selected.quote.unpriced,
        latencyMs: Math.round(performance.now() - started),
        errorClass: failure.errorClass,
      });
      const status = failure.errorClass === 'rate_limited' ? 429 : failure.errorClass === 'missing_key' ? 503 : 502;
      sendJson(response, status, errorBody(format, status, failure.message), { 'x-codecontext-run-id': runId });
    } catch (error) {
      settle(null);
      throw error;
    } finally {
      if (key) inflight.delete(key);
    }
  } finally {
    budget.release(reservation.id);
  }
}

/**
 * The upstream attempts of a request, in order: the chosen provider with its payload, then routing.fallbacks that
 * fit the cap for these messages (each priced at its own rates, with the client's temperature). Lazy: a fallback
 * cooling down is skipped when its turn comes, so a cooldown an earlier attempt started counts.
 */
function* upstreamAttempts(
  gateway: CodeContextGateway,
  provider: ProviderSpec,
  payload: OutboundPayload,
  chat: ClientChat,
  messages: ChatMessage[],
): Generator<{ spec: ProviderSpec; payload: OutboundPayload }> {
  yield { spec: provider, payload };
  for (const name of gateway.config.values.routing.fallbacks) {
    const fallback = gateway.providerNamed(name);
    if (!fallback || fallback.name === provider.name) continue;
    const spec = { ...fallback, temperature: chat.temperature ?? fallback.temperature };
    const maxTokens = chat.maxTokens ?? spec.maxTokens;
    if (!gateway.fitsCap(quoteRequest(spec, messages, maxTokens, gateway.pricing)) || gateway.coolingDown(spec.name))
      continue;
    yield { spec, payload: buildPayload(spec, messages, maxTokens) };
  }
}

/** Every upstream attempt, failed ones included, is a calls row priced at its own provider's rates. */
function recordUpstreamCall(
  gateway: CodeContextGateway,
  ledger: Ledger,
  requestId: number,
  spec: ProviderSpec,
  call: {
    attempt: number;
    httpStatus: number | null;
    errorClass: string | null;
    latencyMs: number;
    usage: ReportedUsage | null;
  },
): void {
  const price = priceFor(spec, gateway.pricing);
  ledger.recordCall(requestId, {
    attempt: call.attempt,
    provider: spec.name,
    model: spec.model,
    local: spec.local,
    httpStatus: call.httpStatus,
    errorClass: call.errorClass,
    latencyMs: call.latencyMs,
    usage: call.usage,
    usageSource: call.usage ? 'provider' : 'none',
    costUsd: call.usage && price ? costOfUsage(call.usage, price) : null,
    costIsEstimate: false,
  });
}

/** How long a budget reservation may outlive a silent process. */
const RESERVATION_TTL_MS = 10 * 60_000;

/** Truncated, or saying it cannot answer: worth one more try on a stronger model. */
const UNCERTAIN = /\b(?:I(?:'m| am) not sure|I (?:cannot|can't|can not|am unable to|'m unable to)|I don'?t know)\b/i;

export function needsEscalation(reply: { text: string; finishReason: string | null }): boolean {
  return (
    reply.finishReason === 'length' || reply.finishReason === 'max_tokens' || UNCERTAIN.test(reply.text.slice(0, 400))
  );
}

/** The provider of the next stronger tier than `current`'s that fits the cap and is not cooling down. */
function strongerProvider(
  gateway: CodeContextGateway,
  current: ProviderSpec,
  chat: ClientChat,
  messages: ChatMessage[],
): ProviderSpec | undefined {
  const order = gateway.tierOrder;
  for (const tier of order.slice(order.indexOf(current.tier) + 1)) {
    const provider = gateway.providerForTier(tier);
    if (!provider || provider.tier !== tier || provider.name === current.name || gateway.coolingDown(provider.name))
      continue;
    if (gateway.fitsCap(quoteRequest(provider, messages, chat.maxTokens ?? provider.maxTokens, gateway.pricing)))
      return provider;
  }
  return undefined;
}

/** Requests in flight per gateway, by cache key: what identical concurrent requests wait on. */
const inflightByGateway = new WeakMap<CodeContextGateway, Map<string, Promise<CachedReply | null>>>();

function inflightFor(gateway: CodeContextGateway): Map<string, Promise<CachedReply | null>> {
  let map = inflightByGateway.get(gateway);
  if (!map) inflightByGateway.set(gateway, (map = new Map()));
  return map;
}

/**
 * One SQLite connection per gateway for its lifetime (ledger, cache): opening one per request — pragmas and the
 * migration check included — was a measurable part of the gateway's added latency (bench/gateway).
 */
const databases = new WeakMap<CodeContextGateway, ReturnType<typeof openDatabase>>();

function sharedDatabase(gateway: CodeContextGateway): ReturnType<typeof openDatabase> {
  let db = databases.get(gateway);
  if (!db) databases.set(gateway, (db = openDatabase(gateway.config.databasePath)));
  return db;
}

function withDatabase<T>(gateway: CodeContextGateway, use: (db: ReturnType<typeof openDatabase>) => T): T {
  return use(sharedDatabase(gateway));
}

function indexGeneration(gateway: CodeContextGateway): number {
  return withDatabase(gateway, (db) => new IndexStore(db).state().generation);
}

/** A cache hit or a coalesced answer: $0 in the ledger, the first call's cost as its saving, replayed as SSE when streaming. */
function answerFromCache(
  gateway: CodeContextGateway,
  format: ClientFormat,
  chat: ClientChat,
  response: ServerResponse,
  hit: CachedReply,
  kind: 'exact' | 'coalesced',
  context: { started: number; goal: string; redactions: number },
): void {
  const values = gateway.config.values;
  const runId = withDatabase(gateway, (db) => {
    const ledger = new Ledger(db);
    const { id, runId: newRunId } = ledger.start({
      source: 'api',
      goalHash: hashContent(context.goal),
      route: 'external',
      tier: null,
      provider: hit.provider,
      model: hit.model,
      classReason: `answered from the cache (${kind})`,
      complexityScore: 0,
      capUsd: values.maxEscalationCostPerRequest,
      baselineModel: values.baselineModel,
    });
    ledger.finish(id, {
      status: 'completed',
      route: 'external',
      tier: null,
      provider: hit.provider,
      model: hit.model,
      contextTokens: 0,
      sessionTokensSaved: 0,
      redactions: context.redactions,
      capAction: 'none',
      estimatedCostUsd: 0,
      unpriced: false,
      naiveBaselineTokens: 0,
      baselineCostUsd: hit.costUsd,
      latencyMs: Math.round(performance.now() - context.started),
      errorClass: null,
      cache: kind,
    });
    return newRunId;
  });
  const headers = {
    'x-codecontext-route': 'external',
    'x-codecontext-model': hit.model,
    'x-codecontext-cache': kind,
    'x-codecontext-run-id': runId,
    'x-codecontext-saved-usd': (hit.costUsd ?? 0).toFixed(6),
    'x-codecontext-redacted': String(context.redactions),
  };
  if (!chat.stream)
    return sendJson(response, 200, replyBody(format, hit.model, hit.reply, randomUUID().replace(/-/g, '')), headers);
  const stream = new ClientStream(response, format, hit.model, randomUUID().replace(/-/g, ''), chat.streamUsage);
  stream.open(headers);
  stream.text(hit.reply.text);
  if (hit.reply.finishReason) stream.finished(hit.reply.finishReason);
  stream.end(hit.reply.usage);
}

/**
 * A streamed reply: upstream events are re-sent in the client's format as they arrive (the first reaches the
 * client before the upstream finishes). A provider that fails before its first event hands the request to the next
 * of `routing.fallbacks` (every attempt a calls row); once text has reached the client there is no retry — and no
 * escalation, for the same reason. A client that goes away aborts the upstream call; the usage seen so far is still
 * logged. Failures before the first event are ordinary JSON errors in the client's format.
 */
async function streamReply(context: {
  gateway: CodeContextGateway;
  format: ClientFormat;
  chat: ClientChat;
  response: ServerResponse;
  attempts: Iterable<{ spec: ProviderSpec; payload: OutboundPayload }>;
  ledger: Ledger;
  requestId: number;
  headers: Record<string, string>;
  outcome: Omit<
    Parameters<Ledger['finish']>[1],
    | 'status'
    | 'route'
    | 'tier'
    | 'provider'
    | 'model'
    | 'capAction'
    | 'estimatedCostUsd'
    | 'unpriced'
    | 'latencyMs'
    | 'errorClass'
  >;
  chosen: { quote: PriceQuote; capAction: CapAction };
  started: number;
}): Promise<void> {
  const { gateway, format, response, ledger, requestId } = context;
  const upstreamAbort = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) upstreamAbort.abort();
  });
  let stream: ClientStream | null = null;
  let usage: ReportedUsage | null = null;
  let failure: { status: number | null; errorClass: string; message: string } | null = null;
  let served: ProviderSpec | null = null;
  let attempt = 0;
  for (const { spec, payload } of context.attempts) {
    attempt++;
    served = spec;
    usage = null;
    failure = null;
    const callStarted = performance.now();
    try {
      for await (const event of streamProvider(spec, payload, { env: gateway.env, signal: upstreamAbort.signal })) {
        if (!stream) {
          stream = new ClientStream(
            response,
            format,
            spec.model,
            randomUUID().replace(/-/g, ''),
            context.chat.streamUsage,
          );
          stream.open({
            ...context.headers,
            'x-codecontext-route': spec.local ? 'local_model' : 'external',
            'x-codecontext-model': spec.model,
          });
        }
        if (event.type === 'text') stream.text(event.text);
        else if (event.type === 'finish') stream.finished(event.reason);
        else usage = event.usage;
      }
    } catch (error) {
      if (upstreamAbort.signal.aborted)
        failure = { status: null, errorClass: 'client_disconnected', message: 'the client went away' };
      else if (error instanceof ProviderError) {
        failure = { status: error.httpStatus, errorClass: error.errorClass, message: error.message };
        gateway.coolDown(spec.name, error.errorClass, error.retryAfterMs);
      } else throw error;
    }
    recordUpstreamCall(gateway, ledger, requestId, spec, {
      attempt,
      httpStatus: failure?.status ?? 200,
      errorClass: failure?.errorClass ?? null,
      latencyMs: Math.round(performance.now() - callStarted),
      usage,
    });
    // Only a failure before anything reached the client can move to the next provider.
    if (!failure || stream || failure.errorClass === 'client_disconnected') break;
  }
  if (!served) throw new Error('no upstream attempt was made'); // unreachable: the chosen provider always comes first
  ledger.finish(requestId, {
    ...context.outcome,
    status: failure ? 'failed' : 'completed',
    route: served.local ? 'local_model' : 'external',
    tier: served.local ? null : served.tier,
    provider: served.name,
    model: served.model,
    capAction: context.chosen.capAction,
    estimatedCostUsd: context.chosen.quote.max_cost_usd,
    unpriced: context.chosen.quote.unpriced,
    latencyMs: Math.round(performance.now() - context.started),
    errorClass: failure?.errorClass ?? null,
  });
  if (!failure)
    return stream
      ? stream.end(usage)
      : void sendJson(response, 502, errorBody(format, 502, 'the upstream stream ended without an event'));
  if (failure.errorClass === 'client_disconnected') return;
  if (stream) return stream.fail(failure.message);
  const status = failure.errorClass === 'rate_limited' ? 429 : 502;
  sendJson(response, status, errorBody(format, status, failure.message), {
    'x-codecontext-run-id': context.headers['x-codecontext-run-id']!,
  });
}
