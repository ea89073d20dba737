/**
 * A fake LLM provider on 127.0.0.1 — the network edge, the only thing faked in tests. It speaks OpenAI chat
 * completions (`/v1/chat/completions`, `/chat/completions`), Anthropic messages (`/v1/messages`) and Ollama
 * (`/api/chat`), with SSE streaming for the first two, reports usage (optionally inflated, with cached and
 * cache-write tokens) and plays scripted faults: statuses with Retry-After, delays, malformed bodies.
 * Every request it receives is kept (method, path, headers, raw body) for assertions.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as is instead of a well-formed reply. */
  rawBody?: string;
  delayMs?: number;
  text?: string;
  finishReason?: string;
  /** Streams: an error after the text instead of the message's end (Anthropic's `error` event, OpenAI's error chunk). */
  errorMidStream?: string;
}

export interface FakeProviderOptions {
  /** Reported input tokens = ceil(local o200k count of the messages × factor). */
  usageFactor?: number;
  cachedTokens?: number;
  cacheWriteTokens?: number;
  outputTokens?: number;
  /** Required key on the OpenAI and Anthropic routes; requests without it get 401. */
  expectKey?: string;
  text?: string;
  /** Delay before every reply (scripted replies may set their own). */
  delayMs?: number;
  /** Pause between streamed events (to show pass-through: the client sees the first before the last is made). */
  eventDelayMs?: number;
  /** Serve HTTPS with this key and certificate (PEM), as real providers do. */
  tls?: { key: string; cert: string };
  /** Chat-format framing billed on top of the text, as real providers do (OpenAI: 3 per message + 3 per reply). */
  framingTokensPerMessage?: number;
  framingTokensPerRequest?: number;
  /** Reply (and stream) without any usage, as some OpenAI-compatible servers do. */
  omitUsage?: boolean;
}

/** What the fake charged for one request: every request it accepted, billed in full when it was received. */
export interface FakeBill {
  model: string;
  input: number;
  output: number;
}

export class FakeProvider {
  readonly requests: ReceivedRequest[] = [];
  /**
   * The fake's own bill: one entry per request it accepted (not scripted to fail), charged at receipt in full —
   * a provider bills what it generates even when the caller has gone away.
   */
  readonly bills: FakeBill[] = [];
  /** Streams whose client went away before the last event. */
  abortedStreams = 0;
  private readonly script: ScriptedReply[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<import('node:net').Socket>();
  url = '';

  constructor(private readonly options: FakeProviderOptions = {}) {}

  /** Replies for the next requests, in order; afterwards every request gets the default success. */
  enqueue(...replies: ScriptedReply[]): this {
    this.script.push(...replies);
    return this;
  }

  async start(): Promise<this> {
    const handle = (request: IncomingMessage, response: ServerResponse): void => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body });
        void this.respond(request.url ?? '', request.headers, body, response);
      });
    };
    this.server = this.options.tls ? createTlsServer(this.options.tls, handle) : createServer(handle);
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The token usage this fake reports for a request body (what the ledger must then hold). */
  usageFor(body: string): { input: number; output: number; cached: number; cacheWrite: number } {
    const parsed = JSON.parse(body) as { messages?: Array<{ content: unknown }>; system?: unknown };
    const textOf = (content: unknown): string =>
      typeof content === 'string'
        ? content
        : Array.isArray(content)
          ? content.map((part) => String((part as { text?: unknown }).text ?? '')).join('')
          : '';
    const messages = parsed.messages ?? [];
    const text = [textOf(parsed.system), ...messages.map((message) => textOf(message.content))].join('\n');
    const framing =
      (this.options.framingTokensPerMessage ?? 0) * (messages.length + (parsed.system === undefined ? 0 : 1)) +
      (this.options.framingTokensPerRequest ?? 0);
    return {
      input: Math.ceil(encode(text).length * (this.options.usageFactor ?? 1)) + framing,
      output: this.options.outputTokens ?? 12,
      cached: this.options.cachedTokens ?? 0,
      cacheWrite: this.options.cacheWriteTokens ?? 0,
    };
  }

  private async respond(
    path: string,
    headers: IncomingHttpHeaders,
    body: string,
    response: ServerResponse,
  ): Promise<void> {
    const scripted = this.script.shift() ?? {};
    const key = this.options.expectKey;
    const presented = headers['x-api-key'] ?? headers.authorization?.replace(/^Bearer /, '');
    // Ollama has no keys; the hosted formats do.
    const refused = Boolean(key && presented !== key && path !== '/api/chat');
    const accepted = !refused && (!scripted.status || scripted.status === 200);
    const usage = accepted ? this.usageFor(body) : null;
    if (usage)
      this.bills.push({
        model: String((JSON.parse(body) as { model?: unknown }).model),
        input: usage.input,
        output: usage.output,
      });
    const delay = scripted.delayMs ?? this.options.delayMs;
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    if (response.destroyed) return;
    if (scripted.status && scripted.status !== 200) {
      response.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
      response.end(scripted.rawBody ?? JSON.stringify({ error: { message: `scripted ${scripted.status}` } }));
      return;
    }
    if (scripted.rawBody !== undefined) {
      response.writeHead(200, { 'content-type': 'application/json', ...scripted.headers });
      response.end(scripted.rawBody);
      return;
    }
    if (refused) {
      response.writeHead(401, { 'content-type': 'application/json' });
      // Echo the key shown, as some proxies do: codecontext must not repeat it.
      response.end(JSON.stringify({ error: { message: `invalid api key: ${presented ?? '(none)'}` } }));
      return;
    }
    const text = scripted.text ?? this.options.text ?? 'fake answer';
    const stream = (JSON.parse(body) as { stream?: boolean }).stream === true;
    if (path === '/v1/messages')
      return void (await this.anthropic(
        response,
        text,
        usage!,
        scripted.finishReason ?? 'end_turn',
        stream,
        scripted.errorMidStream,
      ));
    if (path === '/api/chat') return this.ollama(response, text, usage!, scripted.finishReason ?? 'stop');
    if (path === '/v1/chat/completions' || path === '/chat/completions')
      return void (await this.openai(
        response,
        text,
        usage!,
        scripted.finishReason ?? 'stop',
        stream,
        scripted.errorMidStream,
      ));
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { message: `no route ${path}` } }));
  }

  /** Write SSE blocks one by one, pausing between them; stop (and count it) if the client went away. */
  private async writeEvents(response: ServerResponse, blocks: string[]): Promise<void> {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const [index, block] of blocks.entries()) {
      if (index > 0 && this.options.eventDelayMs)
        await new Promise((resolve) => setTimeout(resolve, this.options.eventDelayMs));
      if (response.destroyed || !response.socket || response.socket.destroyed) {
        this.abortedStreams++;
        return;
      }
      response.write(block);
    }
    response.end();
  }

  private async openai(
    response: ServerResponse,
    text: string,
    usage: ReturnType<FakeProvider['usageFor']>,
    finish: string,
    stream: boolean,
    errorMidStream?: string,
  ): Promise<void> {
    const reported = {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
      prompt_tokens_details: { cached_tokens: usage.cached },
    };
    if (!stream) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finish }],
          ...(this.options.omitUsage ? {} : { usage: reported }),
        }),
      );
      return;
    }
    const blocks: string[] = [];
    const event = (data: unknown): number => blocks.push(`data: ${JSON.stringify(data)}\n\n`);
    for (const piece of text.match(/.{1,4}/gs) ?? [])
      event({
        id: 'chatcmpl-fake',
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: { content: piece }, finish_reason: null }],
      });
    if (errorMidStream) {
      // How OpenAI-format servers fail after the stream began: a chunk holding only `error`, then the end.
      event({ error: { message: errorMidStream, type: 'server_error' } });
      return void (await this.writeEvents(response, blocks));
    }
    event({
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: {}, finish_reason: finish }],
    });
    if (!this.options.omitUsage)
      event({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', choices: [], usage: reported });
    blocks.push('data: [DONE]\n\n');
    await this.writeEvents(response, blocks);
  }

  private async anthropic(
    response: ServerResponse,
    text: string,
    usage: ReturnType<FakeProvider['usageFor']>,
    stop: string,
    stream: boolean,
    errorMidStream?: string,
  ): Promise<void> {
    // Anthropic counts cache reads and writes apart from input_tokens.
    const reported = {
      input_tokens: usage.input,
      output_tokens: usage.output,
      cache_read_input_tokens: usage.cached,
      cache_creation_input_tokens: usage.cacheWrite,
    };
    if (!stream) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id: 'msg_fake',
          type: 'message',
          role: 'assistant',
          content: [{ type: 'text', text }],
          stop_reason: stop,
          ...(this.options.omitUsage ? {} : { usage: reported }),
        }),
      );
      return;
    }
    const blocks: string[] = [];
    const event = (name: string, data: unknown): number =>
      blocks.push(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    event('message_start', {
      type: 'message_start',
      message: {
        id: 'msg_fake',
        type: 'message',
        role: 'assistant',
        content: [],
        ...(this.options.omitUsage ? {} : { usage: { ...reported, output_tokens: 1 } }),
      },
    });
    event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    for (const piece of text.match(/.{1,4}/gs) ?? [])
      event('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: piece },
      });
    if (errorMidStream) {
      event('error', { type: 'error', error: { type: 'overloaded_error', message: errorMidStream } });
      return void (await this.writeEvents(response, blocks));
    }
    event('content_block_stop', { type: 'content_block_stop', index: 0 });
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stop },
      ...(this.options.omitUsage ? {} : { usage: { output_tokens: usage.output } }),
    });
    event('message_stop', { type: 'message_stop' });
    await this.writeEvents(response, blocks);
  }

  private ollama(
    response: ServerResponse,
    text: string,
    usage: ReturnType<FakeProvider['usageFor']>,
    reason: string,
  ): void {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        model: 'fake',
        message: { role: 'assistant', content: text },
        done: true,
        done_reason: reason,
        ...(this.options.omitUsage ? {} : { prompt_eval_count: usage.input, eval_count: usage.output }),
      }),
    );
  }
}
