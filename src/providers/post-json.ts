/**
 * The upstream HTTP client: a JSON POST over node:http / node:https with keep-alive agents, read as a whole
 * (`text()`) or as it arrives (`body`, for SSE). Plain HTTP, no provider SDKs — but not `fetch`: measured in
 * bench/gateway (2026-11-23, 200 req/s, 15 s runs, same pinning), a bare proxy hop on Node 20's fetch (undici, web
 * streams) added 12–13 ms at p99 and the same proxy on node:http 1.7–3.9 ms; the garbage of fetch's web streams
 * drove 5–16 ms young-generation GC pauses under load. The gateway makes one upstream call per request, so this is
 * its latency floor. Idle keep-alive sockets are unref'd by Node's agent: a CLI process still exits when done.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface UpstreamResponse {
  status: number;
  ok: boolean;
  header(name: string): string | null;
  /** The whole body as UTF-8; rejects if the connection drops or the request is aborted mid-body. */
  text(): Promise<string>;
  /** The body chunk by chunk as it arrives (read this or text(), not both). */
  body: AsyncIterable<Buffer>;
}

const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 256 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 256 }),
};

function readAll(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('the connection dropped mid-answer')));
  });
}

/**
 * A reused keep-alive socket the upstream had already closed (its idle timeout — Node's default is 5 s — ran out
 * as the request went out): the request never reached a handler, so it is sent once more on a fresh connection.
 * Measured in bench/gateway: one 502 in 400 requests after an idle gap, without this.
 */
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE']);

/** POST `body` to `url`; resolves once the status line and headers are in. Rejects on connection errors and abort. */
export function postJson(
  url: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    return Promise.reject(
      Object.assign(new Error(`unsupported protocol ${target.protocol}`), { code: 'ERR_INVALID_PROTOCOL' }),
    );
  const payload = Buffer.from(body, 'utf8');
  return sendPayload(target, headers, payload, signal, false);
}

function sendPayload(
  target: URL,
  headers: Record<string, string>,
  payload: Buffer,
  signal: AbortSignal,
  retried: boolean,
): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const open = target.protocol === 'https:' ? httpsRequest : httpRequest;
    let answered = false;
    const request = open(
      target,
      {
        method: 'POST',
        agent: agents[target.protocol as 'http:' | 'https:'],
        headers: { ...headers, 'content-length': String(payload.length) },
        signal,
      },
      (response) => {
        answered = true;
        const status = response.statusCode ?? 0;
        resolve({
          status,
          ok: status >= 200 && status < 300,
          header: (name) => {
            const value = response.headers[name.toLowerCase()];
            return Array.isArray(value) ? value.join(', ') : (value ?? null);
          },
          text: () => readAll(response),
          body: response,
        });
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      const stale = !answered && !retried && request.reusedSocket && STALE_SOCKET.has(error.code ?? '');
      if (stale && !signal.aborted) resolve(sendPayload(target, headers, payload, signal, true));
      else reject(error);
    });
    request.end(payload);
  });
}
