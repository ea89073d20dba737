import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppConfig } from '../../../src/config/app-config.js';
import { CodeContextGateway } from '../../../src/route/code-context-gateway.js';
import { MIN_AUTH_TOKEN_LENGTH } from '../../../src/server/bind-address.js';
import { createGatewayServer, listen } from '../../../src/server/gateway-server.js';
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
        error.kind === 'usage' && /--host 0\.0\.0\.0 is not loopback: set --auth-token/.test(error.message),
    );
    assert.throws(
      () => createGatewayServer(gatewayFor(), { host: '0.0.0.0', port: 0, authToken: 'short', version: 'test' }),
      new RegExp(`at least ${MIN_AUTH_TOKEN_LENGTH} characters \\(it has 5\\)`),
    );
  });

  it('listen refuses to bind a reachable address the server has no token for, and never listens', async () => {
    const server = createGatewayServer(gatewayFor(), { host: '127.0.0.1', port: 0, version: 'test' });
    await assert.rejects(listen(server, '0.0.0.0', 0), /--host 0\.0\.0\.0 is not loopback: set --auth-token/);
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
});
