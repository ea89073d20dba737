import type { IncomingMessage, ServerResponse } from 'node:http';
import { scrubSecrets } from '../shared/secret-scrubber.js';

/**
 * An error with the HTTP status it maps to; the message is safe to show the client. `extra` joins the error
 * object (a `type` there replaces the default), `headers` the response (Retry-After).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Largest request body accepted (413 beyond): a 50 KB pasted issue fits many times over. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The request body as JSON: `Content-Type: application/json` required (415), size-limited (413), parsed (400). */
export async function readJsonBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'Content-Type must be application/json');
  // Made only when needed: an Error's stack capture is not free on every request.
  const tooLarge = (): HttpError => new HttpError(413, `request body larger than ${limit} bytes`);
  if (Number(request.headers['content-length'] ?? 0) > limit) {
    // Discard the body so the client finishes sending and reads the 413 instead of a reset connection.
    request.resume();
    throw tooLarge();
  }
  const chunks = await new Promise<Buffer[]>((resolve, reject) => {
    const received: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit, keep reading (and dropping) to the end for the same reason.
      if (size <= limit) received.push(chunk);
    });
    request.on('end', () => (size > limit ? reject(tooLarge()) : resolve(received)));
    request.on('error', reject);
  });
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = scrubSecrets(JSON.stringify(body));
  // Set one by one rather than passed to writeHead, so the access log can read them back (getHeader).
  setHeaders(response, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...scrubHeaders(headers),
  });
  response.writeHead(status);
  response.end(text);
}

export function sendText(response: ServerResponse, status: number, text: string, contentType: string): void {
  const scrubbed = scrubSecrets(text);
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(scrubbed) });
  response.end(scrubbed);
}

/** Headers kept on the response (readable with getHeader until it is sent), unlike writeHead's argument. */
export function setHeaders(response: ServerResponse, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
}

/** Header values pass the scrubber like bodies do (a changes list or a reason can quote what a provider said). */
export function scrubHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, scrubSecrets(value)]));
}
