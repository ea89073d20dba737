import { lookupPrice, worstCaseCost, type ModelPrice } from '../providers/prices.js';
import type { ChatMessage, ProviderSpec } from '../providers/provider-types.js';

/**
 * The price of a request before it is sent, as an upper bound that holds for the provider's own tokenizer.
 * Every byte-level BPE tokenizer (OpenAI's, Anthropic's, Llama's, …) emits at least one byte per token, so the
 * UTF-8 size of the messages bounds their token count whatever the model; the chat template adds a few tokens
 * per message. The output side is bounded by max_tokens.
 */
const TEMPLATE_TOKENS_PER_MESSAGE = 8;
const TEMPLATE_TOKENS_PER_REQUEST = 16;

export function inputTokenBound(messages: readonly ChatMessage[]): number {
  let bytes = 0;
  for (const message of messages)
    bytes += Buffer.byteLength(message.content, 'utf8') + Buffer.byteLength(message.role, 'utf8');
  return bytes + TEMPLATE_TOKENS_PER_MESSAGE * messages.length + TEMPLATE_TOKENS_PER_REQUEST;
}

export interface PriceQuote {
  model: string;
  /** Upper bound on input tokens (UTF-8 bytes + template allowance). */
  input_tokens_bound: number;
  max_output_tokens: number;
  /** Worst-case USD; null when the model has no known price. */
  max_cost_usd: number | null;
  unpriced: boolean;
  price: ModelPrice | null;
}

export interface PricingOptions {
  overrides: Readonly<Record<string, ModelPrice>>;
  /** USD per 1M tokens for local providers. */
  localCostPer1m: number;
}

export function priceFor(spec: ProviderSpec, options: PricingOptions): ModelPrice | null {
  if (spec.local) return { input: options.localCostPer1m, output: options.localCostPer1m, source: 'local_cost_per_1m' };
  return lookupPrice(spec.model, options.overrides) ?? null;
}

export function quoteRequest(
  spec: ProviderSpec,
  messages: readonly ChatMessage[],
  maxOutputTokens: number,
  options: PricingOptions,
): PriceQuote {
  const price = priceFor(spec, options);
  const bound = inputTokenBound(messages);
  return {
    model: spec.model,
    input_tokens_bound: bound,
    max_output_tokens: maxOutputTokens,
    max_cost_usd: price ? worstCaseCost(bound, maxOutputTokens, price) : null,
    unpriced: price === null,
    price,
  };
}
