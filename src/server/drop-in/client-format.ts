import { redactSecrets, redactSecretsInSlices, SLICE_CHARS, type RedactedText } from '../../pack/redact-secrets.js';
import type { ClientRequest } from '../../pipeline/plan-client-request.js';
import { record } from '../../providers/json-fields.js';
import type { ReportedUsage } from '../../providers/prices.js';
import type { ChatMessage, ProviderReply } from '../../providers/provider-types.js';
import { samplingOf } from '../../providers/wire-request.js';
import { HttpError } from '../http-json.js';
import { checkNumberFields } from './number-fields.js';

/**
 * The two client dialects the gateway accepts and answers in: OpenAI chat completions and Anthropic messages.
 * A request is read into the pipeline's neutral request, keeping the client's own body (secrets masked, the
 * `codecontext` field removed) for a provider of the same dialect; replies and errors go back in the client's
 * format, whatever the upstream spoke.
 */
export type ClientFormat = 'openai' | 'anthropic';

/** Fields whose meaning a translation to the other dialect would lose: such requests stay in their dialect. */
const UNTRANSLATABLE: Record<ClientFormat, readonly string[]> = {
  openai: [
    'tools',
    'tool_choice',
    'functions',
    'function_call',
    'response_format',
    'logprobs',
    'top_logprobs',
    'audio',
    'modalities',
    'prediction',
    'parallel_tool_calls',
  ],
  anthropic: ['tools', 'tool_choice', 'thinking'],
};

/**
 * What a provider bills beyond the bytes sent and the output limit — a dearer service tier, server-side tools
 * with their own fees and fetched input, audio, predicted outputs. The cap could not bound such a request, so it
 * is refused (400) with the field named, rather than forwarded unpriced.
 */
function unpriceableField(format: ClientFormat, body: Record<string, unknown>): string | null {
  if (format === 'openai') {
    if (body.service_tier !== undefined && !['auto', 'default', 'flex'].includes(String(body.service_tier)))
      return 'service_tier';
    for (const field of ['web_search_options', 'audio', 'prediction']) if (body[field] !== undefined) return field;
    if (Array.isArray(body.modalities) && body.modalities.includes('audio')) return 'modalities';
    return null;
  }
  for (const field of ['mcp_servers', 'container']) if (body[field] !== undefined) return field;
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const server = tools.find((tool) => /^(web_search|web_fetch|code_execution)/.test(String(record(tool).type ?? '')));
  return server ? `tools (${String(record(server).type)})` : null;
}

interface Redactor {
  count: number;
  text(value: string): string;
}

/** Text parts of a content value, masked in place: a string, or the text parts of a content array. */
function maskContent(content: unknown, where: string, redactor: Redactor): { content: unknown; text: string } {
  if (typeof content === 'string') {
    const masked = redactor.text(content);
    return { content: masked, text: masked };
  }
  if (Array.isArray(content)) {
    const texts: string[] = [];
    const parts = content.map((part) => {
      const block = record(part);
      if (block.type !== 'text' || typeof block.text !== 'string') {
        throw new HttpError(400, `${where}: only text content is supported (got ${String(block.type)})`);
      }
      const masked = redactor.text(block.text);
      texts.push(masked);
      return masked === block.text ? part : { ...block, text: masked };
    });
    return { content: parts, text: texts.join('') };
  }
  throw new HttpError(400, `${where}: content must be a string or an array of text parts`);
}

/** A model name is an identifier: control characters (CR/LF smuggling headers) are refused, never sent upstream. */
const MODEL_NAME = /^[^\u0000-\u001f\u007f]{1,256}$/;

/**
 * The long texts of a body (a pasted 4 MiB log) redacted ahead of `readClientRequest`, in slices with the event
 * loop free between them: masking one in a single pass held the gateway for a quarter of a second.
 */
export async function redactLongTexts(raw: unknown): Promise<Map<string, RedactedText>> {
  const redacted = new Map<string, RedactedText>();
  const visit = async (value: unknown): Promise<void> => {
    if (typeof value === 'string') {
      if (value.length > SLICE_CHARS && !redacted.has(value)) redacted.set(value, await redactSecretsInSlices(value));
    } else if (Array.isArray(value)) {
      for (const entry of value) await visit(entry);
    } else if (value && typeof value === 'object') {
      for (const entry of Object.values(value)) await visit(entry);
    }
  };
  const source = record(raw);
  await visit(source.system);
  await visit(source.messages);
  return redacted;
}

export function readClientRequest(
  format: ClientFormat,
  raw: unknown,
  options: { redact: boolean; contextHeader: boolean; redacted?: ReadonlyMap<string, RedactedText> },
): ClientRequest & { streamUsage: boolean } {
  const source = record(raw);
  if (typeof source.model !== 'string' || source.model === '') throw new HttpError(400, '"model" is required');
  if (!MODEL_NAME.test(source.model)) throw new HttpError(400, '"model" must be a name without control characters');
  if (!Array.isArray(source.messages) || source.messages.length === 0) {
    throw new HttpError(400, '"messages" must be a non-empty array');
  }
  const redactor: Redactor = {
    count: 0,
    text(value) {
      if (!options.redact) return value;
      const result = options.redacted?.get(value) ?? redactSecrets(value);
      this.count += result.redactions.total;
      return result.text;
    },
  };
  const { codecontext, ...body } = source;
  const messages: ChatMessage[] = [];
  if (format === 'anthropic' && body.system !== undefined) {
    const system = maskContent(body.system, 'system', redactor);
    body.system = system.content;
    messages.push({ role: 'system', content: system.text });
  }
  body.messages = (source.messages as unknown[]).map((entry, index) => {
    const message = record(entry);
    const role = message.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'developer') {
      throw new HttpError(400, `messages[${index}].role: expected system, user or assistant`);
    }
    const masked = maskContent(message.content, `messages[${index}].content`, redactor);
    messages.push({ role: role === 'developer' ? 'system' : role, content: masked.text });
    return masked.content === message.content ? entry : { ...message, content: masked.content };
  });
  checkNumberFields(format, body, record(codecontext));
  const maxTokens = body.max_tokens ?? body.max_completion_tokens;
  if (format === 'anthropic' && maxTokens === undefined) throw new HttpError(400, '"max_tokens" is required');
  if (format === 'openai' && typeof body.n === 'number' && body.n !== 1) {
    throw new HttpError(400, '"n": only one choice per request is supported');
  }
  const unpriceable = unpriceableField(format, body);
  if (unpriceable) {
    throw new HttpError(
      400,
      `"${unpriceable}": billed beyond what the per-request cap can bound, so codecontext does not forward it`,
    );
  }
  const options_ = record(codecontext);
  const stream = body.stream === true;
  return {
    model: source.model,
    neutral: {
      messages,
      maxTokens: maxTokens as number | undefined,
      sampling: samplingOf({ ...body, stop: body.stop ?? body.stop_sequences }),
      stream,
      client: {
        dialect: format,
        body,
        translatable: !UNTRANSLATABLE[format].some((field) => body[field] !== undefined),
      },
      ownRequest: false,
    },
    redactions: redactor.count,
    context: {
      wanted: options_.context === 'auto' || options.contextHeader,
      topK: typeof options_.top_k === 'number' ? options_.top_k : undefined,
      tokenBudget: typeof options_.token_budget === 'number' ? options_.token_budget : undefined,
    },
    cacheKey: null,
    streamUsage: record(body.stream_options).include_usage === true,
  };
}

/** Usage in the client's terms. OpenAI counts cache reads inside prompt_tokens; Anthropic counts them apart. */
export function usageFor(format: ClientFormat, usage: ReportedUsage | null): Record<string, unknown> {
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
export function finishFor(format: ClientFormat, reason: string | null): string | null {
  if (reason === null) return null;
  const truncated = reason === 'length' || reason === 'max_tokens';
  if (format === 'openai') {
    return truncated
      ? 'length'
      : reason === 'end_turn' || reason === 'stop_sequence' || reason === 'stop'
        ? 'stop'
        : reason;
  }
  return truncated ? 'max_tokens' : reason === 'stop' ? 'end_turn' : reason;
}

/** A reply in the client's format, built from the neutral reply (translated, a local answer or a cache hit). */
export function replyBody(
  format: ClientFormat,
  model: string,
  reply: Pick<ProviderReply, 'text' | 'finishReason' | 'usage'>,
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
export function errorBody(
  format: ClientFormat,
  status: number,
  message: string,
  code?: string,
): Record<string, unknown> {
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
  if (format === 'openai') return { error: { message, type, param: null, code: code ?? null } };
  return { type: 'error', error: { type, message } };
}
