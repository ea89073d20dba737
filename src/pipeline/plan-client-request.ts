import type { Db } from '../indexing/open-database.js';
import { buildContextPack, type ContextPack } from '../pack/pack-context.js';
import { encodingForModel } from '../pack/token-counter.js';
import { lookupPrice } from '../providers/prices.js';
import type { ProviderSpec } from '../providers/provider-types.js';
import { LocalAnswerer } from '../route/answer-locally.js';
import { classifyRequest } from '../route/classify-request.js';
import type { CodeContextGateway } from '../route/code-context-gateway.js';
import { fallbackProviders } from './plan-goal-request.js';
import type { Candidate, NeutralRequest, RequestPlan, Surface } from './request-plan.js';

/** A drop-in client's request, read from its body (server/drop-in/client-format.ts). */
export interface ClientRequest {
  model: string;
  neutral: NeutralRequest;
  redactions: number;
  /** Repository context on request (`x-codecontext-context: auto` or the body's `codecontext` field). */
  context: { wanted: boolean; topK?: number; tokenBudget?: number };
  cacheKey: string | null;
}

/**
 * A drop-in request: `model: "auto"` (or an alias) is classified like a goal — a look-up the index answers is
 * answered locally — and gets the cap-order candidates of its tier; an explicit model goes to the provider
 * configured with it, else to a provider of the model's vendor (by the price table), else it is not found.
 * Context the client asked for is added to its prompt: a cost, never a saving.
 */
export function planClientRequest(
  gateway: CodeContextGateway,
  indexDb: Db | null,
  request: ClientRequest,
  surface: Extract<Surface, 'chat-completions' | 'messages'>,
): RequestPlan {
  const values = gateway.config.values;
  const messages = request.neutral.messages;
  const lastUser = [...messages].reverse().find((message) => message.role === 'user')?.content ?? '';
  const auto = values.routing.aliases.includes(request.model);
  // Only a router-chosen model can be answered locally: an explicit one never needs the index's statements.
  const answerer = auto && indexDb ? new LocalAnswerer(indexDb) : null;
  const base = {
    surface,
    source: 'api' as const,
    goal: lastUser,
    requestedModel: request.model,
    auto,
    neutral: request.neutral,
    fallbacks: fallbackProviders(gateway),
    redactions: request.redactions,
    cacheKey: request.cacheKey,
  };
  let candidates: Candidate[];
  let classification: {
    route: 'local_answer' | 'local_model' | 'external';
    tier: RequestPlan['classifiedTier'];
    reason: string;
    score: number;
  };
  let modelNotFound: string | null = null;
  if (auto) {
    const classified = classifyRequest(lastUser, {
      routing: values.routing,
      hasLocalModel: Boolean(gateway.localProvider),
      resolvesLookup: (intent) => answerer?.resolves(intent) ?? false,
    });
    const route = classified.route === 'blocked' ? 'external' : classified.route;
    classification = {
      route,
      tier: classified.tier,
      reason: classified.class_reason,
      score: classified.complexity_score,
    };
    if (route === 'local_answer' && classified.lookup && answerer) {
      return {
        ...base,
        route,
        classifiedTier: null,
        classReason: classification.reason,
        complexityScore: classification.score,
        localAnswer: answerer.answer(classified.lookup),
        pack: null,
        contextRole: null,
        repack: null,
        candidates: [],
        modelNotFound: null,
      };
    }
    candidates = gateway.capCandidates(route, classified.tier ?? 'cheap');
  } else {
    const chosen = providerForModel(gateway, request.model);
    const local = gateway.localProvider;
    candidates = chosen ? [{ provider: chosen, action: 'none' }] : [];
    if (chosen && local && chosen.name !== local.name) candidates.push({ provider: local, action: 'local' });
    if (!chosen) {
      modelNotFound = `model ${request.model} is not configured: no provider serves it and no provider of its vendor is configured (set [[providers]] model = "${request.model}", or use "auto")`;
    }
    classification = {
      route: chosen?.local ? 'local_model' : 'external',
      tier: chosen?.tier ?? null,
      reason: `explicit model ${request.model}`,
      score: 0,
    };
  }
  const tokenBudget = request.context.tokenBudget ?? values.defaultContextBudgetTokens;
  const packAt = (budget: number): ContextPack =>
    buildContextPack(indexDb!, {
      root: gateway.config.root,
      goal: lastUser,
      topK: request.context.topK ?? values.defaultTopK,
      tokenBudget: budget,
      encoding: encodingForModel(candidates[0]?.provider.model ?? ''),
    });
  const pack = request.context.wanted && lastUser && indexDb && !modelNotFound ? packAt(tokenBudget) : null;
  return {
    ...base,
    route: classification.route === 'local_answer' ? 'external' : classification.route,
    classifiedTier: classification.tier,
    classReason: classification.reason,
    complexityScore: classification.score,
    localAnswer: null,
    pack,
    contextRole: pack ? 'added' : null,
    repack: pack ? packAt : null,
    candidates,
    modelNotFound,
  };
}

/**
 * The provider for a model a client names: the one configured with it, else one serving a model of the same
 * vendor (the price table's `provider`), asked for this model instead. Local providers only by exact name.
 */
export function providerForModel(gateway: CodeContextGateway, model: string): ProviderSpec | undefined {
  let known = providerCache.get(gateway);
  if (!known) providerCache.set(gateway, (known = new Map()));
  if (!known.has(model)) known.set(model, resolveProviderForModel(gateway, model));
  return known.get(model);
}

/** Per gateway (its providers and prices are fixed for its lifetime): a model's provider, resolved once. */
const providerCache = new WeakMap<CodeContextGateway, Map<string, ProviderSpec | undefined>>();

function resolveProviderForModel(gateway: CodeContextGateway, model: string): ProviderSpec | undefined {
  const exact = gateway.providers.find((provider) => provider.model === model);
  if (exact) return exact;
  const vendor = lookupPrice(model, gateway.pricing.overrides)?.provider;
  if (!vendor) return undefined;
  const sameVendor = gateway.providers.find(
    (provider) =>
      !provider.local &&
      (lookupPrice(provider.model, gateway.pricing.overrides)?.provider === vendor || provider.kind === vendor),
  );
  return sameVendor ? { ...sameVendor, model } : undefined;
}
