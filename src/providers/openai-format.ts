import { count, record } from './json-fields.js';
import type { ReportedUsage } from './prices.js';
import type {
  AdaptedBody,
  ClientBodyChanges,
  OutboundPayload,
  ProviderReply,
  ProviderSpec,
  WireFormat,
} from './provider-types.js';
import { ProviderError } from './provider-types.js';
import { trimBaseUrl, type WireRequest } from './wire-request.js';

/** OpenAI `usage` (also a streamed usage chunk's): cached tokens are a subset of prompt_tokens. */
export function openAiUsage(value: unknown): ReportedUsage | null {
  const usage = record(value);
  if (Object.keys(usage).length === 0) return null;
  return {
    usage_format: 'openai',
    input_tokens: count(usage.prompt_tokens),
    output_tokens: count(usage.completion_tokens),
    cached_input_tokens: count(record(usage.prompt_tokens_details).cached_tokens),
    cache_write_tokens: 0,
  };
}

/** OpenAI chat completions, also spoken by every `openai_compatible` endpoint. */
export const openAiFormat: WireFormat = {
  headers: { 'content-type': 'application/json' },
  url: (spec: ProviderSpec) => `${trimBaseUrl(spec)}/chat/completions`,
  buildPayload(spec: ProviderSpec, wire: WireRequest): OutboundPayload {
    const body: Record<string, unknown> = {
      model: spec.model,
      messages: wire.messages.map(({ role, content }) => ({ role, content })),
    };
    // Reasoning models take max_completion_tokens and refuse max_tokens.
    if (wire.maxTokens !== undefined) body[outputLimitField(spec.model)] = wire.maxTokens;
    if (wire.sampling.temperature !== undefined) body.temperature = wire.sampling.temperature;
    if (wire.sampling.top_p !== undefined) body.top_p = wire.sampling.top_p;
    if (wire.sampling.stop !== undefined) body.stop = wire.sampling.stop;
    if (wire.stream) Object.assign(body, { stream: true, stream_options: { include_usage: true } });
    return { url: openAiFormat.url(spec), headers: { ...openAiFormat.headers }, body };
  },
  outputLimit: (body) => positiveInteger(body.max_completion_tokens) ?? positiveInteger(body.max_tokens),
  adaptClientBody(source: Readonly<Record<string, unknown>>, changes: ClientBodyChanges): AdaptedBody {
    const body: Record<string, unknown> = { ...source };
    const changed: string[] = [];
    if (body.model !== changes.model) changed.push('model');
    body.model = changes.model;
    if (changes.contextBlock) {
      changed.push('context');
      const messages = Array.isArray(body.messages) ? [...(body.messages as unknown[])] : [];
      const index = messages.findIndex((message) => ['system', 'developer'].includes(String(record(message).role)));
      if (index < 0) messages.unshift({ role: 'system', content: changes.contextBlock });
      else messages[index] = appendText(record(messages[index]), changes.contextBlock);
      body.messages = messages;
    }
    if (changes.addMaxTokens !== undefined) {
      const field = outputLimitField(changes.model);
      body[field] = changes.addMaxTokens;
      changed.push(field);
    }
    if (body.stream === true && record(body.stream_options).include_usage !== true) {
      // The ledger needs the provider's own count; the usage chunk is not passed on to a client that did not ask.
      body.stream_options = { ...record(body.stream_options), include_usage: true };
      changed.push('stream_options.include_usage');
    }
    return { body, changed };
  },
  authHeaders: (key) => ({ authorization: `Bearer ${key}` }),
  parseReply(body: unknown): ProviderReply {
    const choices = record(body).choices;
    if (!Array.isArray(choices) || choices.length === 0) {
      throw new ProviderError('malformed', 'OpenAI-format reply has no choices');
    }
    const choice = record(choices[0]);
    const content = record(choice.message).content;
    return {
      text: typeof content === 'string' ? content : '',
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
      usage: openAiUsage(record(body).usage),
      raw: body,
    };
  },
};

export function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** A message (either dialect) with text appended to its content: a string, or a new text part of a content array. */
export function appendText(message: Record<string, unknown>, text: string): Record<string, unknown> {
  const content = message.content;
  if (Array.isArray(content)) return { ...message, content: [...content, { type: 'text', text }] };
  return { ...message, content: typeof content === 'string' && content ? `${content}\n\n${text}` : text };
}

/** OpenAI's reasoning models (o-series, gpt-5) take `max_completion_tokens` and refuse `max_tokens`. */
function outputLimitField(model: string): 'max_tokens' | 'max_completion_tokens' {
  return /^(o\d|gpt-5)/.test(model) ? 'max_completion_tokens' : 'max_tokens';
}
