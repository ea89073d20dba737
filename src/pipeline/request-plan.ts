import type { TierName } from '../config/config-values.js';
import type { Caller, CapAction, RequestSource } from '../ledger/ledger.js';
import type { ScopeLimit } from '../ledger/spend-budget.js';
import type { ContextPack } from '../pack/pack-context.js';
import type { ChatMessage, ProviderSpec } from '../providers/provider-types.js';
import type { Sampling } from '../providers/wire-request.js';
import type { LocalAnswer } from '../route/answer-locally.js';

/**
 * A request, planned: what every surface hands the one execution path (execute-request.ts). It holds
 * provider-neutral messages — never one provider's wire body — so that each attempt, in whatever dialect its
 * provider speaks, is built and priced from the same request.
 */
export type Surface =
  | 'auto-start-request'
  | 'route-request'
  | 'route-or-run'
  | 'mcp:route_or_run'
  | 'chat-completions'
  | 'messages'
  | 'benchmark-run'
  | 'doctor-probe';

export interface NeutralRequest {
  /** Text messages, secrets masked, without repository context (added per attempt, so the cap can shrink it). */
  messages: ChatMessage[];
  /** The output limit the caller set, if any. */
  maxTokens: number | undefined;
  /** Sampling the caller set, forwarded as given; nothing is added. */
  sampling: Sampling;
  stream: boolean;
  /**
   * A drop-in client's own body (secrets masked, the `codecontext` field removed): sent as is to a provider of
   * the same dialect, except for what the routing changes. `translatable` is false when the body uses what a
   * translation to the other dialect would lose (tools, response formats …): such a request only goes to
   * providers of its own dialect.
   */
  client: { dialect: 'openai' | 'anthropic'; body: Record<string, unknown>; translatable: boolean } | null;
  /** codecontext's own request (CLI, API, MCP, benchmark): the provider's configured max_tokens and temperature apply. */
  ownRequest: boolean;
}

/** A provider the request may go to, and what choosing it says about the cap (cheaper tier, local model). */
export interface Candidate {
  provider: ProviderSpec;
  action: Extract<CapAction, 'none' | 'cheaper_tier' | 'local'>;
}

/** A caller and its own budgets: its key's, and its team's (api-keys.ts). */
export interface CallerLimits extends Caller {
  scopes: ScopeLimit[];
}

export interface RequestPlan {
  surface: Surface;
  source: RequestSource;
  /** Who asked (a gateway API key) and the limits that come with it; null or absent: no key. */
  caller?: CallerLimits | null;
  /** The text classified and packed for: the goal, or a drop-in client's last user message. */
  goal: string;
  session?: string;
  /** A drop-in client's `model` (`auto` or an id). */
  requestedModel: string | null;
  /** The router chose the model: escalation may follow, and routing savings are measured against baseline_model. */
  auto: boolean;
  route: 'local_answer' | 'local_model' | 'external';
  classifiedTier: TierName | null;
  classReason: string;
  complexityScore: number;
  localAnswer: LocalAnswer | null;
  neutral: NeutralRequest;
  pack: ContextPack | null;
  /** `instead_of_files`: the pack replaces pasting whole files (a saving); `added`: context on a bare prompt (a cost). */
  contextRole: 'instead_of_files' | 'added' | null;
  /** Pack again into a smaller budget (the cap's shrink step); null when there is no context. */
  repack: ((tokenBudget: number) => ContextPack) | null;
  /** In the cap's order: the classified tier, cheaper tiers, a local model. */
  candidates: Candidate[];
  /** `routing.fallbacks`, tried when an attempt fails. */
  fallbacks: ProviderSpec[];
  redactions: number;
  /** Set when a drop-in client named a model nobody serves: the request ends as model_not_found. */
  modelNotFound: string | null;
  /** The exact-cache key (drop-in only). */
  cacheKey: string | null;
}

export const SYSTEM_PROMPT =
  'You are a senior software engineer. Answer the request using the repository context below; cite file paths and line ranges. If the context is not enough, say what is missing.';

/** The repository context block, appended to the first system message (or one made for it). */
export function withContext(messages: readonly ChatMessage[], context: string): ChatMessage[] {
  if (!context) return [...messages];
  const block = contextBlock(context);
  const systemIndex = messages.findIndex((message) => message.role === 'system');
  if (systemIndex < 0) return [{ role: 'system', content: block }, ...messages];
  return messages.map((message, index) =>
    index === systemIndex ? { ...message, content: `${message.content}\n\n${block}` } : message,
  );
}

export function contextBlock(context: string): string {
  return `<repository_context>\n${context}\n</repository_context>`;
}
