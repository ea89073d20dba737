import { count, record } from './json-fields.js';
import { appendText, positiveInteger } from './openai-format.js';
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

export const ANTHROPIC_VERSION = '2023-06-01';

/** Anthropic `usage`: fresh input, cache reads and cache writes are separate counts, each priced on its own. */
export function anthropicUsage(value: unknown): ReportedUsage {
  const usage = record(value);
  return {
    usage_format: 'anthropic',
    input_tokens: count(usage.input_tokens),
    output_tokens: count(usage.output_tokens),
    cached_input_tokens: count(usage.cache_read_input_tokens),
    cache_write_tokens: count(usage.cache_creation_input_tokens),
  };
}

/**
 * Anthropic messages: the system prompt is a top-level field, not a message, and `max_tokens` is required (the
 * caller passes the provider's configured limit when its client set none).
 */
export const anthropicFormat: WireFormat = {
  headers: { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION },
  url: (spec: ProviderSpec) => `${trimBaseUrl(spec)}/v1/messages`,
  buildPayload(spec: ProviderSpec, wire: WireRequest): OutboundPayload {
    const system = wire.messages
      .filter((message) => message.role === 'system')
      .map((message) => message.content)
      .join('\n\n');
    const body: Record<string, unknown> = { model: spec.model, max_tokens: wire.maxTokens ?? spec.maxTokens };
    if (system) body.system = system;
    body.messages = wire.messages
      .filter((message) => message.role !== 'system')
      .map(({ role, content }) => ({ role, content }));
    if (wire.sampling.temperature !== undefined) body.temperature = wire.sampling.temperature;
    if (wire.sampling.top_p !== undefined) body.top_p = wire.sampling.top_p;
    if (wire.sampling.stop !== undefined) body.stop_sequences = wire.sampling.stop;
    if (wire.stream) body.stream = true;
    return {
      url: anthropicFormat.url(spec),
      headers: { ...anthropicFormat.headers },
      body,
    };
  },
  outputLimit: (body) => positiveInteger(body.max_tokens),
  requiresOutputLimit: true,
  adaptClientBody(source: Readonly<Record<string, unknown>>, changes: ClientBodyChanges): AdaptedBody {
    const body: Record<string, unknown> = { ...source };
    const changed: string[] = [];
    if (body.model !== changes.model) changed.push('model');
    body.model = changes.model;
    if (changes.contextBlock) {
      changed.push('context');
      body.system = appendText({ content: body.system }, changes.contextBlock).content;
    }
    if (changes.addMaxTokens !== undefined) {
      body.max_tokens = changes.addMaxTokens;
      changed.push('max_tokens');
    }
    return { body, changed };
  },
  authHeaders: (key) => ({ 'x-api-key': key }),
  parseReply(body: unknown): ProviderReply {
    const content = record(body).content;
    if (!Array.isArray(content)) throw new ProviderError('malformed', 'Anthropic reply has no content array');
    const text = content
      .map((block) => record(block))
      .filter((block) => block.type === 'text')
      .map((block) => String(block.text ?? ''))
      .join('');
    const stop = record(body).stop_reason;
    const usage = record(body).usage;
    return {
      text,
      finishReason: typeof stop === 'string' ? stop : null,
      usage: Object.keys(record(usage)).length === 0 ? null : anthropicUsage(usage),
      raw: body,
    };
  },
};
