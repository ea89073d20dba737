/**
 * The smallest Node proxy that does what the gateway does on the wire: read the JSON body, POST it upstream, send
 * the answer back (streams piped through). No routing, no ledger, no cache. The gateway bench runs it under the
 * same load and pinning as a second reference: what the extra hop itself costs on this machine, so the gateway's
 * own share of the added latency can be told apart. Its upstream client is node:http with a keep-alive agent (what
 * the gateway uses, src/providers/post-json.ts) or, with `fetch` as third argument, Node's fetch — the comparison
 * behind that choice.
 * Usage: node --import tsx bench/gateway/bare-proxy.ts <upstream base url> [http|fetch]   (prints {"listening": url})
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const upstream = new URL(process.argv[2]!);
const client = process.argv[3] === 'fetch' ? 'fetch' : 'http';
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function viaHttp(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
  const outgoing = httpRequest(
    {
      host: upstream.hostname,
      port: upstream.port,
      path: request.url,
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': body.length,
        authorization: request.headers.authorization ?? '',
      },
    },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, {
        'content-type': answer.headers['content-type'] ?? 'application/json',
      });
      answer.pipe(response);
    },
  );
  outgoing.on('error', () => response.destroy());
  outgoing.end(body);
}

async function viaFetch(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
  const answer = await fetch(new URL(request.url ?? '/', upstream), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: request.headers.authorization ?? '' },
    body,
  });
  response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
  if (answer.body) for await (const chunk of answer.body) response.write(chunk);
  response.end();
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    if (client === 'http') viaHttp(request, response, body);
    else viaFetch(request, response, body).catch(() => response.destroy());
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ listening: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
