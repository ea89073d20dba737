import { record } from '../../providers/json-fields.js';
import type { ReportedUsage } from '../../providers/prices.js';
import type { ChatMessage, ProviderReply } from '../../providers/provider-types.js';
import { HttpError } from '../http-json.js';

/**
 * The two client dialects the gateway accepts and answers in: OpenAI chat completions and Anthropic messages.
 * Requests are read into one shape, replies and errors written back in the client's own format, whatever the
 * upstream spoke.
 */
export type ClientFormat = 'openai' | 'anthropic';

export interface ClientChat {
  format: ClientFormat;
  model: string;
  messages: ChatMessage[];
  maxTokens: number | undefined;
  temperature: number | undefined;
  stream: boolean;
  /** OpenAI clients get a usage chunk at the end of a stream only when they ask (`stream_options.include_usage`). */
  streamUsage: boolean;
  /** `codecontext: {"context": "auto", "top_k", "token_budget"}` from the body (stripped before forwarding). */
  context: { auto: boolean; topK?: number; tokenBudget?: number };
}

/** Message content as text: a string, or the text parts of a content array (images and tool parts are not supported). */
function contentText(content: unknown, where: string): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => {
        const block = record(part);
        if (block.type === 'text' && typeof block.text === 'string') return block.text;
        throw new HttpError(400, `${where}: only text content is supported (got ${String(block.type)})`);
      })
      .join('');
  }
  throw new HttpError(400, `${where}: content must be a string or an array of text parts`);
}

export function readClientChat(format: ClientFormat, body: unknown): ClientChat {
  const request = record(body);
  if (typeof request.model !== 'string' || request.model === '') throw new HttpError(400, '"model" is required');
  if (!Array.isArray(request.messages) || request.messages.length === 0)
    throw new HttpError(400, '"messages" must be a non-empty array');
  const messages: ChatMessage[] = [];
  if (format === 'anthropic' && request.system !== undefined)
    messages.push({ role: 'system', content: contentText(request.system, 'system') });
  request.messages.forEach((raw, index) => {
    const message = record(raw);
    const role = message.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'developer')
      throw new HttpError(400, `messages[${index}].role: expected system, user or assistant`);
    messages.push({
      role: role === 'developer' ? 'system' : role,
      content: contentText(message.content, `messages[${index}].content`),
    });
  });
  const maxTokens = request.max_tokens ?? request.max_completion_tokens;
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || (maxTokens as number) < 1))
    throw new HttpError(400, '"max_tokens" must be a positive integer');
  if (format === 'anthropic' && maxTokens === undefined) throw new HttpError(400, '"max_tokens" is required');
  const temperature = request.temperature;
  if (temperature !== undefined && typeof temperature !== 'number')
    throw new HttpError(400, '"temperature" must be a number');
  const options = record(request.codecontext);
  return {
    format,
    model: request.model,
    messages,
    maxTokens: maxTokens as number | undefined,
    temperature: temperature as number | undefined,
    stream: request.stream === true,
    streamUsage: record(request.stream_options).include_usage === true,
    context: {
      auto: options.context === 'auto',
      topK: typeof options.top_k === 'number' ? options.top_k : undefined,
      tokenBudget: typeof options.token_budget === 'number' ? options.token_budget : undefined,
    },
  };
}

/** Usage in the client's terms. OpenAI counts cache reads inside prompt_tokens; Anthropic counts them apart. */
function usageFor(format: ClientFormat, usage: ReportedUsage | null): Record<string, unknown> {
  const u = usage ?? {
    usage_format: 'openai',
    input_tokens: 0,
    output_tokens: 0,
    cached_input_tokens: 0,
    cache_write_tokens: 0,
  };
  const totalInput =
    u.usage_format === 'anthropic' ? u.input_tokens + u.cached_input_tokens + u.cache_write_tokens : u.input_tokens;
  if (format === 'openai') {
    return {
      prompt_tokens: totalInput,
      completion_tokens: u.output_tokens,
      total_tokens: totalInput + u.output_tokens,
      prompt_tokens_details: { cached_tokens: u.cached_input_tokens },
    };
  }
  const fresh = u.usage_format === 'anthropic' ? u.input_tokens : Math.max(0, u.input_tokens - u.cached_input_tokens);
  return {
    input_tokens: fresh,
    output_tokens: u.output_tokens,
    cache_read_input_tokens: u.cached_input_tokens,
    cache_creation_input_tokens: u.cache_write_tokens,
  };
}

/** Finish reasons across dialects: OpenAI `length` ⇄ Anthropic `max_tokens`, `stop` ⇄ `end_turn`. */
function finishFor(format: ClientFormat, reason: string | null): string | null {
  if (reason === null) return null;
  const truncated = reason === 'length' || reason === 'max_tokens';
  if (format === 'openai')
    return truncated
      ? 'length'
      : reason === 'end_turn' || reason === 'stop_sequence' || reason === 'stop'
        ? 'stop'
        : reason;
  return truncated ? 'max_tokens' : reason === 'stop' ? 'end_turn' : reason;
}

export function replyBody(
  format: ClientFormat,
  model: string,
  reply: ProviderReply,
  id: string,
): Record<string, unknown> {
  if (format === 'openai') {
    return {
      id: `chatcmpl-${id}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: reply.text },
          finish_reason: finishFor('openai', reply.finishReason) ?? 'stop',
        },
      ],
      usage: usageFor('openai', reply.usage),
    };
  }
  return {
    id: `msg_${id}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: reply.text }],
    stop_reason: finishFor('anthropic', reply.finishReason) ?? 'end_turn',
    stop_sequence: null,
    usage: usageFor('anthropic', reply.usage),
  };
}

/** An error in the client's own format (what its SDK expects to parse). */
export function errorBody(format: ClientFormat, status: number, message: string): Record<string, unknown> {
  const type =
    status === 400 || status === 413 || status === 415
      ? 'invalid_request_error'
      : status === 401
        ? 'authentication_error'
        : status === 402
          ? 'insufficient_quota'
          : status === 403
            ? 'permission_error'
            : status === 404
              ? 'not_found_error'
              : status === 429
                ? 'rate_limit_error'
                : status === 503
                  ? 'overloaded_error'
                  : 'api_error';
  if (format === 'openai')
    return { error: { message, type, param: null, code: status === 402 ? 'cost_cap_exceeded' : null } };
  return { type: 'error', error: { type, message } };
}
