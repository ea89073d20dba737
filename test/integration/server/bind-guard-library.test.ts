import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { AppConfig } from '../../../src/config/app-config.js';
import { CodeContextGateway } from '../../../src/route/code-context-gateway.js';
import { MIN_AUTH_TOKEN_LENGTH } from '../../../src/server/bind-address.js';
import { createGatewayServer, listen, type GatewayServer } from '../../../src/server/gateway-server.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

/** A gateway over a throwaway repository, as a library caller builds one. */
function gatewayFor(): CodeContextGateway {
  const root = makeTempDir();
  writeTree(root, { 'a.py': 'x = 1\n' });
  return new CodeContextGateway(
    AppConfig.load(root, { env: {}, flags: { data_dir: makeTempDir('codecontext-data-') } }),
  );
}

describe('the non-loopback guard lives in the server: a library caller cannot skip it', () => {
  it('createGatewayServer refuses a literal non-loopback host without a token, with the CLI message', () => {
    assert.throws(
      () => createGatewayServer(gatewayFor(), { host: '0.0.0.0', port: 0, version: 'test' }),
      (error: Error & { kind?: string }) =>
        error.kind === 'usage' &&
        /^host 0\.0\.0\.0 is not loopback: set authToken or CODECONTEXT_AUTH_TOKEN/.test(error.message),
    );
    assert.throws(
      () => createGatewayServer(gatewayFor(), { host: '0.0.0.0', port: 0, authToken: 'short', version: 'test' }),
      new RegExp(`at least ${MIN_AUTH_TOKEN_LENGTH} characters \\(it has 5\\)`),
    );
  });

  it('listen refuses to bind a reachable address the server has no token for, and never listens', async () => {
    const server = createGatewayServer(gatewayFor(), { host: '127.0.0.1', port: 0, version: 'test' });
    await assert.rejects(
      listen(server, '0.0.0.0', 0),
      /host 0\.0\.0\.0 is not loopback: set authToken or CODECONTEXT_AUTH_TOKEN/,
    );
    assert.equal(server.listening, false);
    assert.equal(server.address(), null);
  });

  it('a loopback bind needs no token; a server made for a reachable host with a long enough token is made', async () => {
    const local = createGatewayServer(gatewayFor(), { host: 'localhost', port: 0, version: 'test' });
    const url = await listen(local, '127.0.0.1', 0);
    const health = await fetch(`${url}/health`);
    assert.equal(health.status, 200);
    await local.drain(0);
    const token = 'x'.repeat(MIN_AUTH_TOKEN_LENGTH);
    const exposed = createGatewayServer(gatewayFor(), { host: '0.0.0.0', port: 0, authToken: token, version: 'test' });
    // Tests bind loopback only; checkBind's table (bind-address.test.ts) covers a reachable bind with a token.
    const exposedUrl = await listen(exposed, '127.0.0.1', 0);
    assert.equal((await fetch(`${exposedUrl}/health`)).status, 200);
    assert.equal((await fetch(`${exposedUrl}/sales-summary`)).status, 401, 'every other route needs the token');
    await exposed.drain(0);
  });

  describe("Node's own server.listen skips listen(): the guard holds for the address actually bound", () => {
    /**
     * Bind with Node's raw `server.listen(...args)`, as a library caller might. The port is read by a 'listening'
     * listener placed before the server's own, and a request is sent there at once: it must never be served.
     */
    async function rawListen(
      server: GatewayServer,
      ...args: [number] | [number, string]
    ): Promise<{ error: Error | null; port: number; attempt: Promise<number | string> }> {
      let port = 0;
      let attempt: Promise<number | string> = Promise.resolve('not sent');
      server.prependListener('listening', () => {
        port = (server.address() as AddressInfo).port;
        attempt = fetch(`http://127.0.0.1:${port}/health`).then(
          (reply) => reply.status,
          (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message,
        );
      });
      const [port0, host] = args;
      if (host === undefined) server.listen(port0);
      else server.listen(port0, host);
      const error = await Promise.race([
        once(server, 'error').then(([failure]) => failure as Error),
        // Not refused: 'listening' and a second later nothing has failed. (A refusal is emitted once the runtime has
        // closed — its report worker included — which took over 200 ms with the whole suite running beside it.)
        once(server, 'listening').then(() => new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000))),
      ]);
      return { error, port, attempt };
    }

    for (const args of [[0], [0, '0.0.0.0']] as Array<[number] | [number, string]>) {
      it(`server.listen(${args.map((a) => JSON.stringify(a)).join(', ')}) without a token is closed at once, having served nothing`, async () => {
        const lines: string[] = [];
        const server = createGatewayServer(gatewayFor(), {
          host: '127.0.0.1',
          port: 0,
          version: 'test',
          accessLog: (line) => lines.push(line),
        });
        const { error, port, attempt } = await rawListen(server, ...args);
        assert.ok(port > 0, 'it did bind');
        assert.ok(error, 'refused');
        assert.equal((error as Error & { kind?: string }).kind, 'usage');
        assert.match(
          error.message,
          new RegExp(
            `^the gateway is bound to \\S+:${port} \\(every interface\\), which is not loopback: set authToken`,
          ),
        );
        assert.equal(server.listening, false);
        assert.equal(await attempt, 'ECONNREFUSED', 'the request sent the moment it bound was never served');
        assert.deepEqual(lines, [], 'no request reached the handler');
        // It closed its database and workers itself; a caller's usual drain afterwards is harmless.
        assert.deepEqual(await server.drain(0), { finished: true });
      });
    }

    it('a token shorter than the minimum is refused the same way', async () => {
      const server = createGatewayServer(gatewayFor(), {
        host: '127.0.0.1',
        port: 0,
        authToken: 'short-token',
        version: 'test',
      });
      const { error } = await rawListen(server, 0);
      assert.match(error?.message ?? '', new RegExp(`at least ${MIN_AUTH_TOKEN_LENGTH} characters \\(it has 11\\)`));
      assert.equal(server.listening, false);
    });

    it('with a long enough token, server.listen(0) serves — behind the token', async () => {
      const token = 'y'.repeat(MIN_AUTH_TOKEN_LENGTH);
      const server = createGatewayServer(gatewayFor(), {
        host: '127.0.0.1',
        port: 0,
        authToken: token,
        version: 'test',
      });
      const { error, port, attempt } = await rawListen(server, 0);
      assert.equal(error, null);
      assert.equal(server.listening, true);
      assert.equal(await attempt, 200, 'plain /health is open');
      const base = `http://127.0.0.1:${port}`;
      assert.equal((await fetch(`${base}/v1/models`)).status, 401);
      const models = await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(models.status, 200);
      await server.drain(0);
    });

    it('a raw loopback bind needs no token', async () => {
      const server = createGatewayServer(gatewayFor(), { host: '127.0.0.1', port: 0, version: 'test' });
      const { error, attempt } = await rawListen(server, 0, '127.0.0.1');
      assert.equal(error, null);
      assert.equal(await attempt, 200);
      await server.drain(0);
    });
  });
});
