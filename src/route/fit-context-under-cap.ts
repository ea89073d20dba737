import type { ContextPack } from '../pack/pack-context.js';
import type { ChatMessage, ProviderSpec } from '../providers/provider-types.js';
import type { CodeContextGateway } from './code-context-gateway.js';
import { quoteRequest, type PriceQuote } from './price-request.js';

/** Shrinking stops once the context budget falls below this many tokens; below it the context is dropped. */
const MIN_CONTEXT_TOKENS = 200;
const MAX_SHRINK_STEPS = 6;

export interface CapFit {
  quote: PriceQuote;
  messages: ChatMessage[];
  pack: ContextPack | null;
  shrunk: boolean;
}

export interface FitOptions {
  /** The repository context as packed for the request, or null when none was asked for. */
  pack: ContextPack | null;
  /** The outgoing messages with this context text in place. */
  messagesWith: (context: string) => ChatMessage[];
  maxTokens: number;
  /** Pack again into a smaller token budget. */
  repack: (tokenBudget: number) => ContextPack;
}

/**
 * Fit one provider's request under the per-request cap (the CLI's executor and the gateway share this): the full
 * pack if it fits; else repack into the share of the context's bytes that the cap leaves room for (the byte bound
 * is what the cap check prices), at most 0.9 of the current budget per step so a step always shrinks; below
 * MIN_CONTEXT_TOKENS the context is dropped. Null when even the request without context does not fit.
 */
export function fitContextUnderCap(
  gateway: CodeContextGateway,
  provider: ProviderSpec,
  options: FitOptions,
): CapFit | null {
  let current = options.pack;
  let messages = options.messagesWith(current?.context ?? '');
  let quote = quoteRequest(provider, messages, options.maxTokens, gateway.pricing);
  if (gateway.fitsCap(quote)) return { quote, messages, pack: current, shrunk: false };
  const price = quote.price;
  if (!current || !current.context || quote.max_cost_usd === null || !price) return null;
  for (let step = 0; step < MAX_SHRINK_STEPS; step++) {
    // Bytes the input may take under the cap, and the share of them the context can have.
    const outputCost = (options.maxTokens * price.output) / 1e6;
    const inputBytesAllowed =
      ((gateway.config.values.maxEscalationCostPerRequest - outputCost) * 1e6) / Math.max(price.input, 1e-9);
    const contextBytes = Buffer.byteLength(current.context, 'utf8');
    const room = inputBytesAllowed - (quote.input_tokens_bound - contextBytes);
    if (room <= 0) return null;
    const budget = Math.floor(
      (current.tokens_used || current.budget) * Math.min(0.9, room / Math.max(1, contextBytes)),
    );
    current =
      budget < MIN_CONTEXT_TOKENS
        ? { ...current, context: '', chunks: [], tokens_used: 0, budget }
        : options.repack(budget);
    messages = options.messagesWith(current.context);
    quote = quoteRequest(provider, messages, options.maxTokens, gateway.pricing);
    if (gateway.fitsCap(quote)) return { quote, messages, pack: current, shrunk: true };
    if (current.context === '') return null;
  }
  return null;
}
