import type { ChatMessage, OutboundPayload, ProviderReply, ProviderSpec, WireFormat } from './provider-types.js';
import { ProviderError } from './provider-types.js';
import { count, record } from './json-fields.js';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Anthropic messages: the system prompt is a top-level field, not a message. */
export const anthropicFormat: WireFormat = {
  buildPayload(spec: ProviderSpec, messages: readonly ChatMessage[], maxTokens: number): OutboundPayload {
    const system = messages
      .filter((message) => message.role === 'system')
      .map((message) => message.content)
      .join('\n\n');
    const body: Record<string, unknown> = {
      model: spec.model,
      max_tokens: maxTokens,
      temperature: spec.temperature,
      messages: messages.filter((message) => message.role !== 'system').map(({ role, content }) => ({ role, content })),
    };
    if (system) body.system = system;
    return {
      url: `${spec.baseUrl.replace(/\/+$/, '')}/v1/messages`,
      headers: { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION },
      body,
    };
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
    const usage = record(record(body).usage);
    const stop = record(body).stop_reason;
    return {
      text,
      finishReason: typeof stop === 'string' ? stop : null,
      usage:
        Object.keys(usage).length === 0
          ? null
          : {
              usage_format: 'anthropic',
              // Separate counts, each priced on its own: fresh input, cache reads, cache writes.
              input_tokens: count(usage.input_tokens),
              output_tokens: count(usage.output_tokens),
              cached_input_tokens: count(usage.cache_read_input_tokens),
              cache_write_tokens: count(usage.cache_creation_input_tokens),
            },
    };
  },
};
