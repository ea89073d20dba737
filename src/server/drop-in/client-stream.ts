import type { ServerResponse } from 'node:http';
import type { ReportedUsage } from '../../providers/prices.js';
import type { StreamEvent } from '../../providers/stream-provider.js';
import { scrubSecrets } from '../../shared/secret-scrubber.js';
import { scrubHeaders, setHeaders } from '../http-json.js';
import type { ClientFormat } from './client-format.js';

/**
 * Writes a streamed answer as the client's own server-sent events, as the upstream produces them. An upstream of
 * the client's dialect is passed through event by event as it sent them (`raw`); one of the other dialect is
 * translated: OpenAI `chat.completion.chunk`s ending in `[DONE]`, or Anthropic's message_start … message_stop.
 */
export class ClientStream {
  private started = false;
  private finish: string | null = null;

  constructor(
    private readonly response: ServerResponse,
    private readonly format: ClientFormat,
    private readonly model: string,
    private readonly id: string,
    private readonly includeUsage: boolean,
    /** The upstream speaks the client's dialect: its events go out as they came. */
    private readonly passThrough: boolean,
  ) {}

  open(headers: Record<string, string>): void {
    setHeaders(this.response, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...scrubHeaders(headers),
    });
    this.response.writeHead(200);
    this.response.flushHeaders();
  }

  event(event: StreamEvent): void {
    if (this.passThrough) {
      if (event.type === 'raw' && !this.isUnaskedUsage(event.data)) {
        // Passed through as sent, but scrubbed: a provider's `error` event can echo the key.
        this.response.write(scrubSecrets(`${event.event ? `event: ${event.event}\n` : ''}data: ${event.data}\n\n`));
      }
      return;
    }
    if (event.type === 'text') this.text(event.text);
    else if (event.type === 'finish') this.finish = event.reason;
  }

  /** The usage chunk codecontext asked an OpenAI upstream for, which this client did not ask for. */
  private isUnaskedUsage(data: string): boolean {
    return (
      this.format === 'openai' && !this.includeUsage && data.includes('"usage"') && /"choices"\s*:\s*\[\s*\]/.test(data)
    );
  }

  private send(event: string | null, data: unknown): void {
    this.response.write(
      scrubSecrets(
        `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
      ),
    );
  }

  private begin(): void {
    if (this.started) return;
    this.started = true;
    if (this.format === 'anthropic') {
      this.send('message_start', {
        type: 'message_start',
        message: {
          id: `msg_${this.id}`,
          type: 'message',
          role: 'assistant',
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      });
      this.send('content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '' },
      });
    }
  }

  /** A whole answer as a stream (a local answer or a cache hit replayed), then its end. */
  replay(text: string, finishReason: string | null, usage: ReportedUsage | null): void {
    this.text(text);
    if (finishReason) this.finish = finishReason;
    this.end(usage);
  }

  private text(text: string): void {
    this.begin();
    if (this.format === 'openai') this.send(null, this.chunk({ content: text }, null));
    else
      this.send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
  }

  /** The closing events (translated streams only: a passed-through upstream sent its own), then the end. */
  end(usage: ReportedUsage | null): void {
    if (this.passThrough) {
      this.response.end();
      return;
    }
    this.begin();
    const truncated = this.finish === 'length' || this.finish === 'max_tokens';
    if (this.format === 'openai') {
      this.send(null, this.chunk({}, truncated ? 'length' : 'stop'));
      if (this.includeUsage && usage) {
        const prompt =
          usage.usage_format === 'anthropic'
            ? usage.input_tokens + usage.cached_input_tokens + usage.cache_write_tokens
            : usage.input_tokens;
        this.send(null, {
          id: `chatcmpl-${this.id}`,
          object: 'chat.completion.chunk',
          created: Math.floor(Date.now() / 1000),
          model: this.model,
          choices: [],
          usage: {
            prompt_tokens: prompt,
            completion_tokens: usage.output_tokens,
            total_tokens: prompt + usage.output_tokens,
            prompt_tokens_details: { cached_tokens: usage.cached_input_tokens },
          },
        });
      }
      this.send(null, '[DONE]');
    } else {
      const fresh = usage
        ? usage.usage_format === 'anthropic'
          ? usage.input_tokens
          : Math.max(0, usage.input_tokens - usage.cached_input_tokens)
        : 0;
      this.send('content_block_stop', { type: 'content_block_stop', index: 0 });
      this.send('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: truncated ? 'max_tokens' : 'end_turn', stop_sequence: null },
        usage: {
          input_tokens: fresh,
          output_tokens: usage?.output_tokens ?? 0,
          cache_read_input_tokens: usage?.cached_input_tokens ?? 0,
          cache_creation_input_tokens: usage?.cache_write_tokens ?? 0,
        },
      });
      this.send('message_stop', { type: 'message_stop' });
    }
    this.response.end();
  }

  /** A failure after the stream began: an error event in the client's format, then close. */
  fail(message: string): void {
    if (this.format === 'openai') this.send(null, { error: { message, type: 'api_error' } });
    else this.send('error', { type: 'error', error: { type: 'api_error', message } });
    this.response.end();
  }

  private chunk(delta: Record<string, unknown>, finish: string | null): Record<string, unknown> {
    return {
      id: `chatcmpl-${this.id}`,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    };
  }
}
