import { WIRE_FORMATS } from '../providers/call-provider.js';
import { lookupPrice } from '../providers/prices.js';
import type { OutboundPayload, ProviderSpec } from '../providers/provider-types.js';
import { dialectOf } from '../providers/wire-request.js';
import { quotePayload, type PriceQuote, type PricingOptions } from '../route/price-request.js';
import { contextBlock, withContext, type NeutralRequest } from './request-plan.js';

/** One attempt's request in its provider's wire format, its worst-case quote, and what it changed of the client's. */
export interface WireAttempt {
  payload: OutboundPayload;
  quote: PriceQuote;
  /** Fields of the client's request this attempt changes (`model`, `context`, `max_tokens`, `dialect` …). */
  changes: string[];
}

/**
 * The attempt for `spec` with `context` in place — null when the request cannot be sent in that provider's dialect
 * (a client body using what a translation would lose).
 *
 * Output limit: the caller's, else — for codecontext's own requests, for a dialect that requires one (Anthropic),
 * when `limitOutput` asks (the model's maximum output does not fit the cap) or when the model's maximum is unknown
 * — the provider's configured `max_tokens`, listed as a change. Otherwise nothing is added and the cap prices the
 * model's documented maximum output.
 */
export function wireAttempt(
  spec: ProviderSpec,
  neutral: NeutralRequest,
  context: string,
  pricing: PricingOptions,
  limitOutput: boolean,
): WireAttempt | null {
  const dialect = dialectOf(spec);
  const format = WIRE_FORMATS[spec.kind];
  const sameDialect = neutral.client !== null && neutral.client.dialect === dialect;
  if (neutral.client && !sameDialect && !neutral.client.translatable) return null;
  const modelMax = spec.local ? undefined : lookupPrice(spec.model, pricing.overrides)?.max_output;
  let maxTokens = neutral.maxTokens;
  let added = false;
  if (maxTokens === undefined && (neutral.ownRequest || format.requiresOutputLimit || limitOutput || !modelMax)) {
    maxTokens = spec.maxTokens;
    added = !neutral.ownRequest;
  }
  const outputBound = maxTokens ?? modelMax!;

  if (sameDialect && format.adaptClientBody) {
    const adapted = format.adaptClientBody(neutral.client!.body, {
      model: spec.model,
      contextBlock: context ? contextBlock(context) : '',
      addMaxTokens: added ? maxTokens : undefined,
    });
    const payload = { url: format.url(spec), headers: { ...format.headers }, body: adapted.body };
    return { payload, quote: quotePayload(spec, payload, outputBound, pricing), changes: adapted.changed };
  }
  const payload = format.buildPayload(spec, {
    messages: withContext(neutral.messages, context),
    maxTokens,
    sampling: neutral.ownRequest ? { temperature: spec.temperature } : neutral.sampling,
    stream: neutral.stream,
  });
  const changes: string[] = [];
  if (neutral.client) {
    changes.push('dialect', 'model');
    if (context) changes.push('context');
    if (added) changes.push('max_tokens');
  }
  return { payload, quote: quotePayload(spec, payload, outputBound, pricing), changes };
}

/** Whether a client that set no output limit has a transparent option (the model's maximum is known). */
export function hasTransparentOutput(spec: ProviderSpec, neutral: NeutralRequest, pricing: PricingOptions): boolean {
  if (neutral.ownRequest || neutral.maxTokens !== undefined || WIRE_FORMATS[spec.kind].requiresOutputLimit)
    return false;
  return !spec.local && lookupPrice(spec.model, pricing.overrides)?.max_output !== undefined;
}
