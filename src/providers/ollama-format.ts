import { count, record } from './json-fields.js';
import { positiveInteger } from './openai-format.js';
import type { OutboundPayload, ProviderReply, ProviderSpec, WireFormat } from './provider-types.js';
import { ProviderError } from './provider-types.js';
import { trimBaseUrl, type WireRequest } from './wire-request.js';

/** Ollama's native `/api/chat`; token counts are `prompt_eval_count` and `eval_count`. */
export const ollamaFormat: WireFormat = {
  headers: { 'content-type': 'application/json' },
  url: (spec: ProviderSpec) => `${trimBaseUrl(spec)}/api/chat`,
  buildPayload(spec: ProviderSpec, wire: WireRequest): OutboundPayload {
    const options: Record<string, unknown> = {};
    if (wire.maxTokens !== undefined) options.num_predict = wire.maxTokens;
    if (wire.sampling.temperature !== undefined) options.temperature = wire.sampling.temperature;
    if (wire.sampling.top_p !== undefined) options.top_p = wire.sampling.top_p;
    if (wire.sampling.stop !== undefined) options.stop = wire.sampling.stop;
    const body: Record<string, unknown> = {
      model: spec.model,
      messages: wire.messages.map(({ role, content }) => ({ role, content })),
      stream: wire.stream,
    };
    if (Object.keys(options).length > 0) body.options = options;
    return { url: ollamaFormat.url(spec), headers: { ...ollamaFormat.headers }, body };
  },
  outputLimit: (body) => positiveInteger(record(body.options).num_predict),
  authHeaders: (key) => ({ authorization: `Bearer ${key}` }),
  parseReply(body: unknown): ProviderReply {
    const message = record(record(body).message);
    if (typeof message.content !== 'string')
      throw new ProviderError('malformed', 'Ollama reply has no message content');
    const reason = record(body).done_reason;
    const hasCounts = 'prompt_eval_count' in record(body) || 'eval_count' in record(body);
    return {
      text: message.content,
      finishReason: typeof reason === 'string' ? reason : null,
      usage: hasCounts
        ? {
            usage_format: 'ollama',
            input_tokens: count(record(body).prompt_eval_count),
            output_tokens: count(record(body).eval_count),
            cached_input_tokens: 0,
            cache_write_tokens: 0,
          }
        : null,
      raw: body,
    };
  },
};
