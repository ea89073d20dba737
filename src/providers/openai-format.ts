import type { ChatMessage, OutboundPayload, ProviderReply, ProviderSpec, WireFormat } from './provider-types.js';
import { ProviderError } from './provider-types.js';
import { count, record } from './json-fields.js';

/** OpenAI chat completions, also spoken by every `openai_compatible` endpoint. */
export const openAiFormat: WireFormat = {
  buildPayload(spec: ProviderSpec, messages: readonly ChatMessage[], maxTokens: number): OutboundPayload {
    return {
      url: `${spec.baseUrl.replace(/\/+$/, '')}/chat/completions`,
      headers: { 'content-type': 'application/json' },
      body: {
        model: spec.model,
        messages: messages.map(({ role, content }) => ({ role, content })),
        max_tokens: maxTokens,
        temperature: spec.temperature,
      },
    };
  },
  authHeaders: (key) => ({ authorization: `Bearer ${key}` }),
  parseReply(body: unknown): ProviderReply {
    const choices = record(body).choices;
    if (!Array.isArray(choices) || choices.length === 0)
      throw new ProviderError('malformed', 'OpenAI-format reply has no choices');
    const choice = record(choices[0]);
    const content = record(choice.message).content;
    const usage = record(record(body).usage);
    return {
      text: typeof content === 'string' ? content : '',
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
      usage:
        Object.keys(usage).length === 0
          ? null
          : {
              usage_format: 'openai',
              input_tokens: count(usage.prompt_tokens),
              output_tokens: count(usage.completion_tokens),
              // A subset of prompt_tokens, billed at the cached price.
              cached_input_tokens: count(record(usage.prompt_tokens_details).cached_tokens),
              cache_write_tokens: 0,
            },
    };
  },
};
