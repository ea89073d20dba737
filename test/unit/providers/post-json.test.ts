import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { postJson } from '../../../src/providers/post-json.js';

/**
 * The upstream client on a real loopback server that closes a keep-alive connection when a second request comes
 * over it — what a reused socket meets when the server's idle timeout ran out as the request went out.
 */
describe('postJson on a keep-alive socket the server has dropped', () => {
  let server: Server;
  let url: string;
  const served = new WeakMap<Socket, number>();
  let resets = 0;

  before(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const count = (served.get(request.socket) ?? 0) + 1;
        served.set(request.socket, count);
        if (count > 1 && request.url === '/drop') {
          resets++;
          request.socket.destroy();
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends once more on a fresh connection, and answers', async () => {
    const signal = new AbortController().signal;
    const first = await postJson(`${url}/drop`, {}, '{}', signal);
    assert.equal(await first.text(), '{"ok":true}');
    const second = await postJson(`${url}/drop`, {}, '{}', signal);
    assert.equal(second.status, 200);
    assert.equal(await second.text(), '{"ok":true}');
    assert.equal(resets, 1, 'the reused socket was dropped once, and the request went again on a new one');
  });

  it('a connection that fails on a fresh socket is not retried: the error is the caller’s', async () => {
    await assert.rejects(postJson('http://127.0.0.1:1/x', {}, '{}', new AbortController().signal), {
      code: 'ECONNREFUSED',
    });
  });
});
