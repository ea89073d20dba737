import type { ChatMessage, OutboundPayload, ProviderReply, ProviderSpec, WireFormat } from './provider-types.js';
import { ProviderError } from './provider-types.js';
import { count, record } from './json-fields.js';

/** Ollama's native `/api/chat`, non-streaming; token counts are `prompt_eval_count` and `eval_count`. */
export const ollamaFormat: WireFormat = {
  buildPayload(spec: ProviderSpec, messages: readonly ChatMessage[], maxTokens: number): OutboundPayload {
    return {
      url: `${spec.baseUrl.replace(/\/+$/, '')}/api/chat`,
      headers: { 'content-type': 'application/json' },
      body: {
        model: spec.model,
        messages: messages.map(({ role, content }) => ({ role, content })),
        stream: false,
        options: { num_predict: maxTokens, temperature: spec.temperature },
      },
    };
  },
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
    };
  },
};
