import { anthropicUsage } from './anthropic-format.js';
import { classifyStatus, errorDetail, openUpstream, parseRetryAfter, readFailure, readKey } from './call-provider.js';
import { count, record } from './json-fields.js';
import { openAiUsage } from './openai-format.js';
import type { ReportedUsage } from './prices.js';
import { ProviderError, type OutboundPayload, type ProviderSpec } from './provider-types.js';
import { RequestDeadline } from './request-deadline.js';

/**
 * What a streaming upstream says, in one vocabulary whatever its format. `raw` carries each server-sent event as
 * received (OpenAI and Anthropic upstreams), before the events parsed from it, so a client of the same dialect can
 * be sent the provider's own bytes.
 */
export type StreamEvent =
  | { type: 'raw'; event: string | null; data: string }
  | { type: 'text'; text: string }
  | { type: 'finish'; reason: string }
  | { type: 'usage'; usage: ReportedUsage };

/** Server-sent events from a byte stream: `event:` and `data:` fields, blank-line separated. */
async function* sseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<{ event: string | null; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let boundary: number;
    while ((boundary = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + (buffer[boundary] === '\r' ? 4 : 2));
      let event: string | null = null;
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
  const usage = openAiUsage(chunk.usage);
  if (usage) yield { type: 'usage', usage };
}

/**
 * POST a streaming request (the payload already asks to stream, and OpenAI-format upstreams for usage in the
 * stream) and yield its events as they arrive. Anthropic's usage is read from `message_start` and
 * `message_delta`. Failures before the first byte are ProviderErrors like a normal call's; `signal` aborts the
 * upstream request (a client that went away). The deadline covers the whole stream.
 */
export async function* streamProvider(
  spec: ProviderSpec,
  payload: OutboundPayload,
  options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): AsyncGenerator<StreamEvent> {
  const key = readKey(spec, options.env ?? process.env);
  const deadline = new RequestDeadline(spec.timeoutMs, options.signal);
  try {
    const response = await openUpstream(spec, payload, JSON.stringify(payload.body), key, deadline, options.signal);
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw classifyStatus(
        response.status,
        spec.name,
        errorDetail(text, key),
        parseRetryAfter(response.header('retry-after')),
      );
    }
    const dropped = (): ProviderError =>
      new ProviderError('dropped', `provider ${spec.name}: the stream dropped mid-answer`, response.status);
    try {
      if (spec.kind === 'ollama') {
        // Ollama streams NDJSON; read it whole and replay (its token counts arrive with the last line anyway).
        yield* ollamaLines(spec, await response.text());
        return;
      }
      yield* sseStream(spec, key, response.body);
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      throw readFailure(spec, deadline, options.signal, response.status, dropped);
    }
  } finally {
    deadline.dispose();
  }
}

async function* sseStream(
  spec: ProviderSpec,
  key: string | undefined,
  body: AsyncIterable<Buffer>,
): AsyncGenerator<StreamEvent> {
  let anthropic = null as ReportedUsage | null;
  for await (const { event, data } of sseEvents(body)) {
    yield { type: 'raw', event, data };
    if (data === '[DONE]') break;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      throw new ProviderError('malformed', `provider ${spec.name}: a stream event is not JSON`);
    }
    if (spec.kind !== 'anthropic') {
      // OpenAI-format servers report a failure after the stream began as a chunk holding only `error`.
      if (record(parsed).error !== undefined && record(parsed).choices === undefined) {
        const detail = errorDetail(JSON.stringify(parsed), key);
        throw new ProviderError('server', `provider ${spec.name}: stream error${detail || ' (unknown)'}`);
      }
      yield* openAiEvents(parsed);
      continue;
    }
    const message = record(parsed);
    const type = typeof message.type === 'string' ? message.type : event;
    if (type === 'message_start') {
      const usage = record(record(message.message).usage);
      if (Object.keys(usage).length > 0) {
        anthropic = anthropicUsage(usage);
        // Reported now too: if the stream fails later, the input it was billed for is known.
        yield { type: 'usage', usage: anthropic };
      }
    } else if (type === 'content_block_delta') {
      const text = record(message.delta).text;
      if (typeof text === 'string' && text) yield { type: 'text', text };
    } else if (type === 'message_delta') {
      const reason = record(message.delta).stop_reason;
      if (typeof reason === 'string') yield { type: 'finish', reason };
      const output = record(message.usage).output_tokens;
      if (anthropic !== null && typeof output === 'number') anthropic = { ...anthropic, output_tokens: output };
      if (anthropic) yield { type: 'usage', usage: anthropic };
    } else if (type === 'error') {
      // The provider's words, scrubbed of the key like any error body (some proxies echo it).
      const detail = errorDetail(JSON.stringify({ error: record(message.error) }), key);
      throw new ProviderError('server', `provider ${spec.name}: stream error${detail || ' (unknown)'}`);
    }
  }
}

function* ollamaLines(spec: ProviderSpec, text: string): Generator<StreamEvent> {
  for (const line of text.split('\n').filter((entry) => entry.trim())) {
    let chunk: Record<string, unknown>;
    try {
      chunk = record(JSON.parse(line));
    } catch {
      throw new ProviderError('malformed', `provider ${spec.name}: a stream line is not JSON`);
    }
    const content = record(chunk.message).content;
    if (typeof content === 'string' && content) yield { type: 'text', text: content };
    if (chunk.done === true) {
      yield { type: 'finish', reason: typeof chunk.done_reason === 'string' ? chunk.done_reason : 'stop' };
      // No counts in the last line: no usage (the ledger then counts a safe bound), never a reported zero.
      if (!('prompt_eval_count' in chunk) && !('eval_count' in chunk)) continue;
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
