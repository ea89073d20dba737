import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_TOP_N } from '../../../src/shared/input-limits.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');

type Served = ServedGateway;
const serve = serveApi;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** A raw HTTP request (node:http, so the Host header can be set like a browser under DNS rebinding would). */
function send(
  url: string,
  method: string,
  pathname: string,
  options: { body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const target = new URL(pathname, url);
    const outgoing = httpRequest(target, { method, headers: options.headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
      });
    });
    outgoing.on('error', reject);
    if (options.body !== undefined) outgoing.write(options.body);
    outgoing.end();
  });
}

const postJson = (url: string, pathname: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
  send(url, 'POST', pathname, {
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });

describe('serve-api: the product API on a real port', () => {
  const dataDir = makeTempDir('codecontext-serve-');
  const base = ['--root', FIXTURE, '--data-dir', dataDir];
  let served: Served;
  before(async () => {
    assert.equal((await runCli(['index-project', ...base])).exitCode, 0);
    served = await serve(base);
  });
  after(() => {
    served?.child.kill('SIGTERM');
  });

  it("answers health, search, context packs, requests and reports with the CLI's JSON", async () => {
    const health = await send(served.url, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.deepEqual([health.json.status, health.json.index.status, health.json.calls_enabled], ['ok', 'ready', false]);
    assert.equal(health.headers['access-control-allow-origin'], undefined, 'no CORS by default');

    const search = await postJson(served.url, '/search', { query: 'where is compute_tax defined', top_k: 2 });
    assert.equal(search.status, 200);
    assert.equal(search.json.results[0].symbol, 'compute_tax');
    const pack = await postJson(served.url, '/context-pack', { goal: 'checkout reserves stock', token_budget: 300 });
    assert.equal(pack.status, 200);
    assert.ok(pack.json.tokens_used <= 300);

    const lookup = await postJson(served.url, '/route-or-run', { prompt: 'where is compute_tax defined?' });
    assert.equal(lookup.status, 200);
    assert.equal(lookup.json.chosen_route, 'local_answer');
    const dry = await postJson(served.url, '/route-or-run', {
      prompt: 'why does checkout fail with InsufficientStock?',
      options: { top_k: 3, token_budget: 600 },
    });
    assert.equal(dry.status, 200);
    assert.deepEqual([dry.json.chosen_route, dry.json.dry_run, dry.json.context.budget], ['external', true, 600]);

    const sales = await send(served.url, 'GET', '/sales-summary?window=all');
    assert.equal(sales.status, 200);
    assert.deepEqual([sales.json.requests, sales.json.routed_local, sales.json.by_status.dry_run], [2, 1, 1]);
    const metrics = await send(served.url, 'GET', '/metrics-report?window=all&top_n=3');
    assert.equal(metrics.json.requests, 2);
    const ledger = await send(served.url, 'GET', '/usage-ledger?format=csv');
    assert.match(String(ledger.headers['content-type']), /text\/csv/);
    assert.match(ledger.text, /^call_id,created_at,run_id/);
    const prometheus = await send(served.url, 'GET', '/metrics');
    assert.match(String(prometheus.headers['content-type']), /text\/plain; version=0\.0\.4/);
    assert.match(
      prometheus.text,
      /^codecontext_requests_total\{source="api",route="local_answer",status="completed",cache="miss"\} 1$/m,
    );
    assert.match(prometheus.text, /^codecontext_request_duration_seconds_count 1$/m);
    assert.match(prometheus.text, /^# TYPE codecontext_spend_usd_total counter$/m);
    const badWindow = await send(served.url, 'GET', '/sales-summary?window=2w');
    assert.equal(badWindow.status, 400);
    assert.match(badWindow.json.error.message, /24h, 7d, 30d, all/);
    // HTTP reads the query field's own name, never a CLI flag.
    assert.match(badWindow.json.error.message, /^window 2w: /);
    assert.doesNotMatch(badWindow.json.error.message, /--/);
    const tooMany = await send(served.url, 'GET', `/metrics-report?top_n=${MAX_TOP_N + 1}`);
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.json.error.message, new RegExp(`^top_n must be an integer from 1 to ${MAX_TOP_N}`));
    // The default windows, as the CLI and MCP default them: 7 days for the summaries, 30 for the ledger's pages.
    const defaults = await Promise.all(
      ['/sales-summary', '/metrics-report', '/usage-ledger'].map((route) => send(served.url, 'GET', route)),
    );
    assert.deepEqual(
      defaults.map((answer) => answer.json.window.label),
      ['7-day window', '7-day window', '30-day window'],
    );
  });

  it('refuses what it should: foreign Host, wrong content type, bad JSON, oversize bodies, unknown routes and methods', async () => {
    const rebinding = await send(served.url, 'GET', '/health', { headers: { host: 'evil.example:8787' } });
    assert.equal(rebinding.status, 403);
    assert.match(rebinding.json.error.message, /DNS-rebinding/);
    const plain = await send(served.url, 'POST', '/search', {
      body: 'query=x',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(plain.status, 415);
    const malformed = await send(served.url, 'POST', '/search', {
      body: '{"query": ',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(malformed.status, 400);
    const missing = await postJson(served.url, '/search', { top_k: 2 });
    assert.equal(missing.status, 400);
    assert.match(missing.json.error.message, /^query is required$/);
    const huge = await postJson(served.url, '/route-or-run', { prompt: 'x'.repeat(5 * 1024 * 1024) });
    assert.equal(huge.status, 413);
    const emptyGoal = await postJson(served.url, '/route-or-run', { prompt: '   ' });
    assert.equal(emptyGoal.status, 400);
    // The core names the field as HTTP spells it; only the CLI turns it into a flag.
    const blankQuery = await postJson(served.url, '/search', { query: '   ' });
    assert.equal(blankQuery.status, 400);
    assert.equal(blankQuery.json.error.message, 'query must not be empty');
    assert.equal((await send(served.url, 'GET', '/nowhere')).status, 404);
    assert.equal((await send(served.url, 'GET', '/search')).status, 405);
    // Keys are the admin token's to manage: an open (tokenless) gateway makes none for whoever asks.
    const keys = await postJson(served.url, '/keys', { name: 'mallory' });
    assert.equal(keys.status, 403);
    assert.match(keys.json.error.message, /needs the admin token/);
    assert.equal((await send(served.url, 'GET', '/keys')).status, 403);
  });
});

describe('serve-api: authentication and binding', () => {
  it('with a token every route but /health needs it; a public host without one refuses to start', async () => {
    const dataDir = makeTempDir('codecontext-serve-auth-');
    const token = 'local-test-token-123';
    const served = await serve(['--root', FIXTURE, '--data-dir', dataDir], { CODECONTEXT_AUTH_TOKEN: token });
    try {
      assert.equal((await send(served.url, 'GET', '/health')).status, 200);
      const refused = await send(served.url, 'GET', '/sales-summary');
      assert.equal(refused.status, 401);
      assert.equal(
        (await send(served.url, 'GET', '/sales-summary', { headers: { authorization: 'Bearer wrong-token-123456' } }))
          .status,
        401,
      );
      assert.equal(
        (await send(served.url, 'GET', '/sales-summary', { headers: { authorization: `Bearer ${token}` } })).status,
        200,
      );
      assert.equal((await send(served.url, 'GET', '/sales-summary', { headers: { 'x-api-key': token } })).status, 200);

      // The drop-in routes refuse in their client's own format, so an OpenAI or Anthropic SDK reports it natively.
      const chat = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 });
      const openai = await send(served.url, 'POST', '/v1/chat/completions', {
        body: chat,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(openai.status, 401);
      assert.equal(openai.json.error.type, 'authentication_error');
      assert.match(openai.json.error.message, /missing or wrong token/);
      const anthropic = await send(served.url, 'POST', '/v1/messages', {
        body: chat,
        headers: { 'content-type': 'application/json', 'x-api-key': 'wrong' },
      });
      assert.equal(anthropic.status, 401);
      assert.deepEqual(Object.keys(anthropic.json).sort(), ['error', 'type']);
      assert.equal(anthropic.json.type, 'error');
      assert.equal(anthropic.json.error.type, 'authentication_error');
      const rebinding = await send(served.url, 'POST', '/v1/messages', {
        body: chat,
        headers: { 'content-type': 'application/json', host: 'evil.example', 'x-api-key': token },
      });
      assert.equal(rebinding.status, 403);
      assert.equal(rebinding.json.error.type, 'permission_error');
    } finally {
      served.child.kill('SIGTERM');
    }
    const exposed = await runCli([
      'serve-api',
      '--root',
      FIXTURE,
      '--data-dir',
      dataDir,
      '--host',
      '0.0.0.0',
      '--port',
      '0',
    ]);
    assert.equal(exposed.exitCode, 2);
    assert.match(exposed.stderr, /not loopback: set --auth-token/);
    const serveWith = (host: string, env: NodeJS.ProcessEnv = {}) =>
      runCli(['serve-api', '--root', FIXTURE, '--data-dir', dataDir, '--host', host, '--port', '0'], { env });
    // A name that merely starts with 127. is not loopback: it must resolve to loopback addresses only.
    const lookalike = await serveWith('127.0.0.1.codecontext-test.invalid');
    assert.equal(lookalike.exitCode, 2);
    assert.match(lookalike.stderr, /cannot resolve it/);
    const shortToken = await serveWith('0.0.0.0', { CODECONTEXT_AUTH_TOKEN: 'x' });
    assert.equal(shortToken.exitCode, 2);
    assert.match(shortToken.stderr, /at least 32 characters/);
  });

  it('stops cleanly on SIGTERM', async () => {
    const served = await serve(['--root', FIXTURE, '--data-dir', makeTempDir('codecontext-serve-stop-')]);
    const exit = new Promise<number | null>((resolve) => served.child.on('exit', resolve));
    served.child.kill('SIGTERM');
    assert.equal(await exit, 0);
    assert.match(served.output().stdout, /"stopped":"http:\/\/127\.0\.0\.1:\d+"/);
  });
});
