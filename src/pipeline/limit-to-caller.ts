import type { CallerLimits, RequestPlan } from './request-plan.js';

/** A key's model allow list (`keys create --models`), as the plan of one of its requests. */
export interface KeyModels {
  models: string[] | null;
}

/**
 * The plan a key's request may run: its caller set (on every row; its budgets held with the store's), and — when
 * the key names models — only candidates and fallbacks of those models. A string when nothing is left: the key
 * asked for a model it may not use, or the router has none it may.
 */
export function limitToCaller(plan: RequestPlan, caller: CallerLimits & KeyModels): RequestPlan | string {
  const allowed = caller.models;
  const limited: RequestPlan = { ...plan, caller };
  if (allowed === null || plan.localAnswer) return limited;
  if (!plan.auto && plan.requestedModel && !allowed.includes(plan.requestedModel))
    return `key ${caller.keyId} may call ${allowed.join(', ')}, not ${plan.requestedModel}`;
  const candidates = plan.candidates.filter((candidate) => allowed.includes(candidate.provider.model));
  const fallbacks = plan.fallbacks.filter((provider) => allowed.includes(provider.model));
  if (candidates.length === 0 && fallbacks.length === 0)
    return `key ${caller.keyId} may call ${allowed.join(', ')}: no configured provider serves one of them`;
  return { ...limited, candidates, fallbacks };
}
