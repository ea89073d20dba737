import {
  WIRE_FORMATS,
  classifyStatus,
  connectionCause,
  errorDetail,
  parseRetryAfter,
  readKey,
} from './call-provider.js';
import { count, record } from './json-fields.js';
import { postJson, type UpstreamResponse } from './post-json.js';
import type { ReportedUsage } from './prices.js';
import { ProviderError, type OutboundPayload, type ProviderSpec } from './provider-types.js';
import { RequestDeadline } from './request-deadline.js';

/** What a streaming upstream says, in one vocabulary whatever its format. */
export type StreamEvent =
  { type: 'text'; text: string } | { type: 'finish'; reason: string } | { type: 'usage'; usage: ReportedUsage };

/** Server-sent events from a byte stream: `event:` and `data:` fields, blank-line separated. */
async function* sseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let boundary: number;
    while ((boundary = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + (buffer[boundary] === '\r' ? 4 : 2));
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) yield { event, data: data.join('\n') };
    }
  }
}

function* openAiEvents(data: unknown): Generator<StreamEvent> {
  const chunk = record(data);
  const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
  for (const choice of choices) {
    const content = record(record(choice).delta).content;
    if (typeof content === 'string' && content) yield { type: 'text', text: content };
    const reason = record(choice).finish_reason;
    if (typeof reason === 'string') yield { type: 'finish', reason };
  }
  const usage = record(chunk.usage);
  if (Object.keys(usage).length > 0) {
    yield {
      type: 'usage',
      usage: {
        usage_format: 'openai',
        input_tokens: count(usage.prompt_tokens),
        output_tokens: count(usage.completion_tokens),
        cached_input_tokens: count(record(usage.prompt_tokens_details).cached_tokens),
        cache_write_tokens: 0,
      },
    };
  }
}

/**
 * POST a streaming request and yield its events as they arrive. OpenAI-format upstreams are asked for usage in the
 * stream (`stream_options.include_usage`); Anthropic's is read from `message_start` and `message_delta`. Failures
 * before the first byte are ProviderErrors like a normal call's; `signal` aborts the upstream request (a client
 * that went away).
 */
export async function* streamProvider(
  spec: ProviderSpec,
  payload: OutboundPayload,
  options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): AsyncGenerator<StreamEvent> {
  const key = readKey(spec, options.env ?? process.env);
  const body: Record<string, unknown> = { ...payload.body, stream: true };
  if (spec.kind === 'openai' || spec.kind === 'openai_compatible') body.stream_options = { include_usage: true };
  // The deadline covers the whole stream, and is released however the consumer stops reading.
  const deadline = new RequestDeadline(spec.timeoutMs, options.signal);
  try {
    yield* streamEvents(spec, payload, body, key, deadline, options.signal);
  } finally {
    deadline.dispose();
  }
}

async function* streamEvents(
  spec: ProviderSpec,
  payload: OutboundPayload,
  body: Record<string, unknown>,
  key: string | undefined,
  deadline: RequestDeadline,
  callerSignal: AbortSignal | undefined,
): AsyncGenerator<StreamEvent> {
  let response: UpstreamResponse;
  try {
    response = await postJson(
      payload.url,
      { ...payload.headers, ...(key ? WIRE_FORMATS[spec.kind].authHeaders(key) : {}) },
      JSON.stringify(body),
      deadline.signal,
    );
  } catch (error) {
    if (callerSignal?.aborted) throw error;
    if (deadline.timedOut)
      throw new ProviderError('timeout', `provider ${spec.name}: no answer within ${spec.timeoutMs} ms`);
    throw new ProviderError(
      'connection',
      `provider ${spec.name}: cannot connect to ${new URL(payload.url).host} (${connectionCause(error)})`,
    );
  }
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    throw classifyStatus(
      response.status,
      spec.name,
      errorDetail(text, key),
      parseRetryAfter(response.header('retry-after')),
    );
  }
  if (spec.kind === 'ollama') {
    // Ollama streams NDJSON; read it whole and replay (its token counts arrive with the last line anyway).
    yield* ollamaLines(await response.text());
    return;
  }
  const seen: { usage: ReportedUsage | null } = { usage: null };
  for await (const { event, data } of sseEvents(response.body)) {
    if (data === '[DONE]') break;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      throw new ProviderError('malformed', `provider ${spec.name}: a stream event is not JSON`);
    }
    if (spec.kind !== 'anthropic') {
      yield* openAiEvents(parsed);
      continue;
    }
    const message = record(parsed);
    const type = typeof message.type === 'string' ? message.type : event;
    if (type === 'message_start') {
      const usage = record(record(message.message).usage);
      seen.usage = {
        usage_format: 'anthropic',
        input_tokens: count(usage.input_tokens),
        output_tokens: count(usage.output_tokens),
        cached_input_tokens: count(usage.cache_read_input_tokens),
        cache_write_tokens: count(usage.cache_creation_input_tokens),
      };
    } else if (type === 'content_block_delta') {
      const text = record(message.delta).text;
      if (typeof text === 'string' && text) yield { type: 'text', text };
    } else if (type === 'message_delta') {
      const reason = record(message.delta).stop_reason;
      if (typeof reason === 'string') yield { type: 'finish', reason };
      const output = record(message.usage).output_tokens;
      if (seen.usage && typeof output === 'number') seen.usage = { ...seen.usage, output_tokens: output };
      if (seen.usage) yield { type: 'usage', usage: seen.usage };
    } else if (type === 'error') {
      throw new ProviderError(
        'server',
        `provider ${spec.name}: stream error (${String(record(message.error).message ?? 'unknown')})`,
      );
    }
  }
}

function* ollamaLines(text: string): Generator<StreamEvent> {
  for (const line of text.split('\n').filter((entry) => entry.trim())) {
    const chunk = record(JSON.parse(line));
    const content = record(chunk.message).content;
    if (typeof content === 'string' && content) yield { type: 'text', text: content };
    if (chunk.done === true) {
      yield { type: 'finish', reason: typeof chunk.done_reason === 'string' ? chunk.done_reason : 'stop' };
      yield {
        type: 'usage',
        usage: {
          usage_format: 'ollama',
          input_tokens: count(chunk.prompt_eval_count),
          output_tokens: count(chunk.eval_count),
          cached_input_tokens: 0,
          cache_write_tokens: 0,
        },
      };
    }
  }
}
