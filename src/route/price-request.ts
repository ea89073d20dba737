import { lookupPrice, worstCaseCost, type ModelPrice } from '../providers/prices.js';
import type { OutboundPayload, ProviderSpec } from '../providers/provider-types.js';

/**
 * The price of an attempt before it is sent, as an upper bound that holds for the provider's own tokenizer. Every
 * byte-level BPE tokenizer (OpenAI's, Anthropic's, Llama's, …) emits at least one byte per token, so the UTF-8
 * size of what is sent bounds the tokens billed for it whatever the model. The bound is taken over the whole wire
 * body — exactly the bytes the provider receives, JSON keys and escapes included, so it can only overshoot — plus
 * the chat format's own framing, which a provider bills but never receives as bytes: a few tokens per message and
 * per reply (OpenAI documents 3 + 3), counted here at 8 per message and 16 per request; and a tool definition
 * block's system prompt (Anthropic documents up to ~500 tokens) when the body declares tools. Output is bounded
 * by the output limit the body sends, else the model's maximum output.
 */
export const FRAMING_TOKENS_PER_MESSAGE = 8;
export const FRAMING_TOKENS_PER_REQUEST = 16;
export const TOOL_DEFINITION_ALLOWANCE = 1000;

export function inputTokenBound(body: Readonly<Record<string, unknown>>, serialized = JSON.stringify(body)): number {
  const messages = Array.isArray(body.messages) ? body.messages.length : 0;
  const system = body.system === undefined ? 0 : 1;
  const tools = Array.isArray(body.tools) && body.tools.length > 0 ? TOOL_DEFINITION_ALLOWANCE : 0;
  return (
    Buffer.byteLength(serialized, 'utf8') +
    FRAMING_TOKENS_PER_MESSAGE * (messages + system) +
    FRAMING_TOKENS_PER_REQUEST +
    tools
  );
}

export interface PriceQuote {
  model: string;
  /** Upper bound on input tokens (UTF-8 bytes of the body + framing). */
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

export function priceFor(spec: Pick<ProviderSpec, 'local' | 'model'>, options: PricingOptions): ModelPrice | null {
  if (spec.local) return { input: options.localCostPer1m, output: options.localCostPer1m, source: 'local_cost_per_1m' };
  return lookupPrice(spec.model, options.overrides) ?? null;
}

/**
 * The worst case of sending `payload`: every input token at the full input price — at the cache-write price
 * when the body asks the provider to cache (`cache_control`; twice the input price for a 1-hour cache) — and the
 * whole output allowance.
 */
export function quotePayload(
  spec: ProviderSpec,
  payload: OutboundPayload,
  maxOutputTokens: number,
  options: PricingOptions,
): PriceQuote {
  const price = priceFor(spec, options);
  const text = JSON.stringify(payload.body);
  const bound = inputTokenBound(payload.body, text);
  let effective = price;
  if (price && !spec.local) {
    if (text.includes('"cache_control"')) {
      const hour = /"ttl"\s*:\s*"1h"/.test(text) ? 2 * price.input : 0;
      effective = { ...price, input: Math.max(price.input, price.cache_write ?? price.input, hour) };
    }
  }
  return {
    model: spec.model,
    input_tokens_bound: bound,
    max_output_tokens: maxOutputTokens,
    max_cost_usd: effective ? worstCaseCost(bound, maxOutputTokens, effective) : null,
    unpriced: price === null,
    price,
  };
}
