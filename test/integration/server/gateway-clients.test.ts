import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { formatUsd } from '../../../src/shared/money.js';
import { FakeProvider } from '../../helpers/fake-provider.js';
import { readLedger } from '../../helpers/read-ledger.js';
import { PROJECT_ROOT } from '../../helpers/run-cli.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { makeTempDir } from '../../helpers/temp-tree.js';
import { anthropicPremiumToml, openAiUpstreamToml } from '../../helpers/upstream-config.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');
const KEY = 'sk-upstream-FAKE1111111111111111';
const SENTINEL = 'PROMPT-SENTINEL-7f3a9c';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Wait until `check` holds on the gateway's stderr (lines are written after the response is sent). */
async function stderrUntil(gateway: ServedGateway, check: (stderr: string) => boolean): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const { stderr } = gateway.output();
    if (check(stderr)) return stderr;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return gateway.output().stderr;
}

describe('the gateway for clients: /v1/models, the access log, /health', () => {
  const upstream = new FakeProvider({ expectKey: KEY, text: 'fine', outputTokens: 5 });
  const dataDir = makeTempDir('codecontext-clients-');
  let gateway: ServedGateway;
  before(async () => {
    await upstream.start();
    const configFile = path.join(makeTempDir('codecontext-clients-config-'), 'codecontext.toml');
    writeFileSync(
      configFile,
      `
max_escalation_cost_per_request = 0.05
${openAiUpstreamToml(upstream.url)}${anthropicPremiumToml(`http://127.0.0.1:${await closedPort()}`)}[routing]
aliases = ["auto", "codecontext"]
`,
    );
    gateway = await serveApi(['--root', FIXTURE, '--data-dir', dataDir, '--config', configFile], {
      UPSTREAM_KEY: KEY,
    });
  });
  after(async () => {
    gateway?.child.kill('SIGTERM');
    await upstream.stop();
  });

  it("lists the aliases and configured models to the official openai client's models.list()", async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client-key' });
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      assert.equal(model.object, 'model');
      ids.push(model.id);
    }
    assert.deepEqual(ids, ['auto', 'codecontext', 'gpt-4o-mini', 'claude-sonnet-4-5']);
    assert.equal((await client.models.retrieve('claude-sonnet-4-5')).owned_by, 'claude');
    await assert.rejects(client.models.retrieve('no-such-model'), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      assert.match(error.message, /no-such-model/);
      return true;
    });
  });

  it("answers @anthropic-ai/sdk's models.list() in Anthropic's page format", async () => {
    const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client-key' });
    const page = await client.models.list();
    assert.deepEqual(
      page.data.map((model) => [model.type, model.id]),
      ['auto', 'codecontext', 'gpt-4o-mini', 'claude-sonnet-4-5'].map((id) => ['model', id]),
    );
    assert.equal(page.has_more, false);
    assert.equal((await client.models.retrieve('gpt-4o-mini')).id, 'gpt-4o-mini');
  });

  it("logs one line per request with the ledger row's model and dollars, never the prompt", async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client-key' });
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `summarise ${SENTINEL}` }], max_tokens: 20 })
      .withResponse();
    const runId = response.headers.get('x-codecontext-run-id')!;
    const row = readLedger(dataDir).requests.find((request) => request.run_id === runId);
    assert.ok(row && row.cost_usd > 0, 'the call is in the ledger with a provider-reported cost');
    const stderr = await stderrUntil(gateway, (text) => text.includes(`run=${runId}`));
    const line = stderr.split('\n').find((text) => text.includes(`run=${runId}`));
    assert.match(
      line ?? '',
      new RegExp(
        `^codecontext: POST /v1/chat/completions 200 \\d+ms model=gpt-4o-mini spend=\\$${formatUsd(row.cost_usd).slice(1).replace('.', '\\.')} run=${runId}$`,
      ),
    );
    assert.match(stderr, /^codecontext: GET \/v1\/models 200 \d+ms model=- spend=-$/m);
    assert.ok(!stderr.includes(SENTINEL), 'prompt text never reaches the log');
    assert.ok(!stderr.includes(KEY), 'nor a key');
  });

  it('logs the route template for a path carrying an id, never the id: a secret pasted into a path stays out', async () => {
    const pasted = 'sk-PATH-SENTINEL-9d2e41c0b7';
    const earlier = gateway.output().stderr.length;
    for (const pathname of [`/v1/models/${pasted}`, `/v1/models/gpt-4o-mini%2F${pasted}`, `/${pasted}`]) {
      const reply = await fetch(`${gateway.url}${pathname}`);
      assert.equal(reply.status, 404, pathname);
    }
    assert.equal((await fetch(`${gateway.url}/v1/models/gpt-4o-mini`)).status, 200);
    // Only the lines of these four requests (the earlier tests' are above them).
    const stderr = (
      await stderrUntil(gateway, (text) => /GET \/v1\/models\/\{id\} 200 /.test(text.slice(earlier)))
    ).slice(earlier);
    assert.equal(stderr.match(/^codecontext: GET \/v1\/models\/\{id\} 404 \d+ms model=- spend=-$/gm)?.length, 2);
    assert.match(stderr, /^codecontext: GET \/v1\/models\/\{id\} 200 \d+ms model=- spend=-$/m);
    assert.match(stderr, /^codecontext: GET \(no route\) 404 \d+ms model=- spend=-$/m);
    assert.ok(!stderr.includes('SENTINEL'), 'no part of the pasted value reaches the log');
    assert.ok(!stderr.includes('gpt-4o-mini%2F') && !/models\/gpt-4o-mini/.test(stderr), 'nor a raw id');
  });

  it('/health is degraded with the reason while a provider cools down or is unreachable', async () => {
    const health = async (query = ''): Promise<any> => (await fetch(`${gateway.url}/health${query}`)).json();
    // The only reachable provider answers 404 for its model: the gateway cools that model down.
    upstream.enqueue({ status: 404 });
    const failed = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
    });
    assert.notEqual(failed.status, 200);
    let shown = await health();
    for (let i = 0; i < 20 && shown.status !== 'degraded'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      shown = await health();
    }
    assert.equal(shown.status, 'degraded');
    assert.equal(shown.reasons.length, 1);
    assert.match(shown.reasons[0], /^llm_client \(gpt-4o-mini\) cooling down until \S+: /);
    assert.equal(shown.probes, undefined, 'no probe unless asked');

    const probed = await health('?probe=1');
    assert.equal(probed.status, 'degraded');
    const byName = Object.fromEntries(probed.probes.map((probe: any) => [probe.provider, probe]));
    assert.equal(byName.llm_client.reachable, true);
    assert.equal(byName.claude.reachable, false);
    assert.ok(probed.reasons.some((reason: string) => /^claude unreachable: /.test(reason)));
    assert.equal(upstream.bills.length, 1, 'a probe bills nothing');
  });

  it('--quiet silences the access log', async () => {
    const quiet = await serveApi(['--quiet', '--root', FIXTURE, '--data-dir', makeTempDir('codecontext-quiet-')]);
    try {
      assert.equal((await fetch(`${quiet.url}/v1/models`)).status, 200);
      assert.equal((await fetch(`${quiet.url}/health`)).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.doesNotMatch(quiet.output().stderr, /GET \/(v1\/models|health)/);
    } finally {
      quiet.child.kill('SIGTERM');
    }
  });
});
