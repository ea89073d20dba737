/**
 * The smallest Node proxy that does what the gateway does on the wire: read the JSON body, POST it upstream with
 * fetch, send the answer back (streams piped through). No routing, no ledger, no cache. The gateway bench runs it
 * under the same load and pinning as a second reference: what any Node fetch proxy costs on this machine, so the
 * gateway's own share of the added latency can be told apart from the hop itself.
 * Usage: node bench/gateway/bare-proxy.ts <upstream base url>   (prints {"listening": url} on stdout)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const upstream = process.argv[2]!;
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', async () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const answer = await fetch(`${upstream}${request.url}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: request.headers.authorization ?? '' }, body });
    response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    if (!answer.body) return response.end();
    for await (const chunk of answer.body) response.write(chunk);
    response.end();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
