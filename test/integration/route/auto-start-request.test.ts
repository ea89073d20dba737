import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { lookupPrice } from '../../../src/providers/prices.js';
import { FakeProvider } from '../../helpers/fake-provider.js';
import { readLedger } from '../../helpers/read-ledger.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');
const KEY = 'sk-proj-SENTINEL0a1b2c3d4e5f6g7h8i9j0k';
const HARD_GOAL = 'why does checkout fail with InsufficientStock when stock is available?';

interface Setup {
  dataDir: string;
  configFile: string;
  args: (goal: string, ...extra: string[]) => string[];
}

/** A data dir indexed once, and a config file pointing the providers at the fake. */
async function setup(fake: FakeProvider, toml: string): Promise<Setup> {
  const dataDir = makeTempDir('codecontext-route-');
  const configFile = path.join(makeTempDir('codecontext-config-'), 'codecontext.toml');
  writeFileSync(configFile, toml.replaceAll('FAKE_URL', fake.url));
  const indexed = await runCli(['index-project', '--root', FIXTURE, '--data-dir', dataDir, '--config', configFile]);
  assert.equal(indexed.exitCode, 0, indexed.stderr);
  return {
    dataDir,
    configFile,
    args: (goal, ...extra) => [
      'auto-start-request',
      '--root',
      FIXTURE,
      '--data-dir',
      dataDir,
      '--config',
      configFile,
      '--goal',
      goal,
      ...extra,
    ],
  };
}

const ledger = readLedger;

const OPENAI_CONFIG = `
max_escalation_cost_per_request = 0.08
[llm_client]
enabled = true
provider = "openai_compatible"
model = "gpt-4o-mini"
api_key_env = "CODECONTEXT_FAKE_KEY"
base_url = "FAKE_URL/v1"
max_tokens = 200
`;

describe('auto-start-request end to end (fake provider on 127.0.0.1)', () => {
  const fake = new FakeProvider({ expectKey: KEY, cachedTokens: 5, outputTokens: 40 });
  let openai: Setup;
  before(async () => {
    await fake.start();
    openai = await setup(fake, OPENAI_CONFIG);
  });
  after(async () => {
    await fake.stop();
  });

  it('calls the provider and logs exactly the reported usage and its price', async () => {
    const result = await runCli(openai.args(HARD_GOAL), { env: { CODECONTEXT_FAKE_KEY: KEY } });
    assert.equal(result.exitCode, 0, result.stderr);
    const out = result.json;
    assert.equal(out.chosen_route, 'external');
    assert.equal(out.dry_run, false);
    assert.equal(out.answer, 'fake answer');
    const received = fake.requests.at(-1)!;
    const reported = fake.usageFor(received.body);
    assert.deepEqual(
      [out.usage.input_tokens, out.usage.output_tokens, out.usage.cached_input_tokens, out.usage.source],
      [reported.input, 40, 5, 'provider'],
    );
    // The payload printed is the one sent, without the key.
    assert.equal(out.outbound_payload.url, `${fake.url}/v1/chat/completions`);
    assert.deepEqual(out.outbound_payload.body, JSON.parse(received.body));
    assert.ok(!result.stdout.includes(KEY) && !result.stderr.includes(KEY));
    const price = lookupPrice('gpt-4o-mini')!;
    const expectedCost = ((reported.input - 5) * price.input + 5 * price.cached_input! + 40 * price.output) / 1e6;
    const { requests, calls } = ledger(openai.dataDir);
    const request = requests.find((row) => row.run_id === out.run_id);
    const call = calls.find((row) => row.request_id === request.id);
    assert.deepEqual(
      [call.input_tokens, call.output_tokens, call.cached_input_tokens, call.usage_source, call.http_status],
      [reported.input, 40, 5, 'provider', 200],
    );
    assert.ok(Math.abs(call.cost_usd - expectedCost) < 1e-12, `${call.cost_usd} vs ${expectedCost}`);
    assert.ok(Math.abs(request.cost_usd - expectedCost) < 1e-12);
    assert.equal(request.status, 'completed');
    assert.ok(call.cost_usd <= out.cost_estimate.max_cost_usd, 'real cost within the pre-call bound');
  });

  it('a look-up is answered from the index with a $0 row and no call', async () => {
    const before = fake.requests.length;
    const result = await runCli(openai.args('where is compute_tax defined?'), { env: { CODECONTEXT_FAKE_KEY: KEY } });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.json.chosen_route, 'local_answer');
    assert.deepEqual(
      result.json.local_answer.locations.map((location: { path: string }) => location.path),
      ['inventory/pricing.py'],
    );
    assert.equal(fake.requests.length, before);
    const request = ledger(openai.dataDir).requests.find((row) => row.run_id === result.json.run_id);
    assert.deepEqual([request.route, request.cost_usd, request.status], ['local_answer', 0, 'completed']);
  });

  it('with llm_client disabled: a dry run prints the payload and logs an estimate only', async () => {
    const dry = await setup(fake, OPENAI_CONFIG.replace('enabled = true', 'enabled = false'));
    const before = fake.requests.length;
    const result = await runCli(dry.args(HARD_GOAL), { env: { CODECONTEXT_FAKE_KEY: KEY } });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.json.dry_run, true);
    assert.ok(result.json.outbound_payload.body.messages.length === 2);
    assert.equal(fake.requests.length, before);
    const { requests, calls } = ledger(dry.dataDir);
    assert.equal(calls.length, 0);
    assert.deepEqual([requests[0].status, requests[0].cost_usd], ['dry_run', 0]);
    assert.ok(requests[0].estimated_cost_usd > 0);
  });

  it('faults: each is a clear error, exit 3, and a calls row with its status', async () => {
    fake.enqueue({ status: 500 }, { status: 500 }, { status: 500 });
    const server = await runCli(openai.args(HARD_GOAL), { env: { CODECONTEXT_FAKE_KEY: KEY } });
    assert.equal(server.exitCode, 3, server.stderr);
    assert.match(server.stderr, /HTTP 500/);
    const unauthorized = await runCli(openai.args(HARD_GOAL), {
      env: { CODECONTEXT_FAKE_KEY: 'sk-wrong-key-0000000000000000' },
    });
    assert.equal(unauthorized.exitCode, 3);
    assert.match(unauthorized.stderr, /rejected/);
    fake.enqueue({ rawBody: 'not json at all' });
    const malformed = await runCli(openai.args(HARD_GOAL), { env: { CODECONTEXT_FAKE_KEY: KEY } });
    assert.equal(malformed.exitCode, 3);
    assert.match(malformed.stderr, /not JSON/);
    const { calls, requests } = ledger(openai.dataDir);
    const failedRuns = [server, unauthorized, malformed].map((run) =>
      requests.find((row) => row.run_id === run.json.run_id),
    );
    assert.deepEqual(
      failedRuns.map((row) => row.status),
      ['failed', 'failed', 'failed'],
    );
    assert.deepEqual(
      calls.filter((call) => call.request_id === failedRuns[0].id).map((call) => call.http_status),
      [500, 500, 500],
    );
    assert.deepEqual(
      calls.filter((call) => call.request_id === failedRuns[1].id).map((call) => [call.http_status, call.error_class]),
      [[401, 'auth']],
    );
    assert.deepEqual(
      calls.filter((call) => call.request_id === failedRuns[2].id).map((call) => call.error_class),
      ['malformed'],
    );
  });

  it('connection refused is a clear error too', async () => {
    const closed = await setup(fake, OPENAI_CONFIG.replace('FAKE_URL/v1', 'http://127.0.0.1:9/v1'));
    const result = await runCli(closed.args(HARD_GOAL), { env: { CODECONTEXT_FAKE_KEY: KEY } });
    assert.equal(result.exitCode, 3);
    assert.match(result.stderr, /cannot connect to 127\.0\.0\.1:9/);
    assert.deepEqual(
      ledger(closed.dataDir).calls.map((call) => call.error_class),
      ['connection'],
    );
  });
});

const PREMIUM_GOAL = 'why does checkout deadlock under concurrent requests?';

describe('the per-request cap (fake providers on 127.0.0.1)', () => {
  const fake = new FakeProvider({ expectKey: KEY, outputTokens: 30 });
  // Reports 1.3× the tokens a local tokenizer counts: the cap must still hold.
  const inflating = new FakeProvider({ expectKey: KEY, usageFactor: 1.3, outputTokens: 30 });
  before(async () => {
    await fake.start();
    await inflating.start();
  });
  after(async () => {
    await fake.stop();
    await inflating.stop();
  });
  const env = { CODECONTEXT_FAKE_KEY: KEY };

  it('shrinks the pack until the worst case fits, and real cost stays under the cap even at 1.3× the counted tokens', async () => {
    const toml = `
max_escalation_cost_per_request = 0.004
[llm_client]
enabled = true
provider = "openai_compatible"
model = "gpt-4o"
api_key_env = "CODECONTEXT_FAKE_KEY"
base_url = "FAKE_URL/v1"
max_tokens = 30
`;
    const roomy = await setup(inflating, toml.replace('0.004', '1.0'));
    const full = await runCli(roomy.args(HARD_GOAL), { env });
    assert.equal(full.exitCode, 0, full.stderr);
    assert.equal(full.json.cap_action, 'none');
    // A cap halfway between the output allowance alone and the full request: only a smaller pack fits.
    const outputOnly = (30 * 10) / 1e6;
    const cap = +((outputOnly + full.json.cost_estimate.max_cost_usd) / 2).toFixed(6);
    const tight = await setup(inflating, toml.replace('0.004', String(cap)));
    const result = await runCli(tight.args(HARD_GOAL), { env });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.json.cap_action, 'shrunk');
    assert.ok(
      result.json.context.tokens_used < full.json.context.tokens_used,
      `${result.json.context.tokens_used} < ${full.json.context.tokens_used}`,
    );
    assert.ok(result.json.cost_estimate.max_cost_usd <= cap);
    const call = ledger(tight.dataDir).calls[0];
    assert.equal(call.input_tokens, inflating.usageFor(inflating.requests.at(-1)!.body).input);
    assert.ok(call.cost_usd > 0 && call.cost_usd <= cap, `real cost ${call.cost_usd} under the cap ${cap}`);
  });

  it('then a cheaper tier (Anthropic format end to end), then a local model, then blocks with exit 1', async () => {
    const providers = `
max_escalation_cost_per_request = 0.01
[llm_client]
enabled = true
provider = "openai_compatible"
model = "claude-opus-4-1"
api_key_env = "CODECONTEXT_FAKE_KEY"
base_url = "FAKE_URL/v1"
max_tokens = 400
[[providers]]
name = "opus"
provider = "anthropic"
model = "claude-opus-4-1"
api_key_env = "CODECONTEXT_FAKE_KEY"
base_url = "FAKE_URL"
tier = "premium"
max_tokens = 400
`;
    const cheap = `
[[providers]]
name = "haiku"
provider = "anthropic"
model = "claude-haiku-4-5"
api_key_env = "CODECONTEXT_FAKE_KEY"
base_url = "FAKE_URL"
tier = "cheap"
max_tokens = 400
`;
    const local = `
[[providers]]
name = "ollama"
provider = "ollama"
model = "qwen2.5-coder"
base_url = "FAKE_URL"
local = true
`;
    // Opus: 400 output tokens alone cost $0.03 > $0.01, whatever the context.
    const cheaper = await setup(fake, providers + cheap);
    const viaCheaper = await runCli(cheaper.args(PREMIUM_GOAL), { env });
    assert.equal(viaCheaper.exitCode, 0, viaCheaper.stderr);
    assert.deepEqual(
      [viaCheaper.json.chosen_route, viaCheaper.json.provider, viaCheaper.json.cap_action],
      ['external', 'haiku', 'cheaper_tier'],
    );
    assert.equal(fake.requests.at(-1)!.path, '/v1/messages');
    assert.equal(fake.requests.at(-1)!.headers['x-api-key'], KEY);
    const haikuCall = ledger(cheaper.dataDir).calls[0];
    assert.equal(haikuCall.usage_format, 'anthropic');

    const toLocal = await setup(fake, providers + local);
    const viaLocal = await runCli(toLocal.args(PREMIUM_GOAL), { env });
    assert.equal(viaLocal.exitCode, 0, viaLocal.stderr);
    assert.deepEqual(
      [viaLocal.json.chosen_route, viaLocal.json.provider, viaLocal.json.cap_action],
      ['local_model', 'ollama', 'local'],
    );
    assert.equal(fake.requests.at(-1)!.path, '/api/chat');

    const blocked = await setup(fake, providers);
    const before = fake.requests.length;
    const result = await runCli(blocked.args(PREMIUM_GOAL), { env });
    assert.equal(result.exitCode, 1, result.stderr);
    assert.equal(result.json.chosen_route, 'blocked');
    assert.match(result.stderr, /per-request cap/);
    assert.equal(fake.requests.length, before);
    assert.deepEqual(
      ledger(blocked.dataDir).requests.map((row) => [row.status, row.cap_action]),
      [['blocked', 'blocked']],
    );
  });

  it('an unpriced model never passes the cap; allow_unpriced is refused; a configured price lets it through', async () => {
    const toml = `
[llm_client]
enabled = true
provider = "openai_compatible"
model = "my-private-finetune"
api_key_env = "CODECONTEXT_FAKE_KEY"
base_url = "FAKE_URL/v1"
`;
    const refused = await setup(fake, toml);
    const result = await runCli(refused.args(HARD_GOAL), { env });
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /no known price/);
    const loophole = await setup(fake, `allow_unpriced = true\n${toml}`);
    const refusedConfig = await runCli(loophole.args(HARD_GOAL), { env });
    assert.equal(refusedConfig.exitCode, 2);
    assert.match(refusedConfig.stderr, /allow_unpriced: no longer supported/);
    const priced = await setup(fake, `${toml}\n[prices."my-private-finetune"]\ninput = 1.0\noutput = 2.0\n`);
    const ok = await runCli(priced.args(HARD_GOAL), { env });
    assert.equal(ok.exitCode, 0, ok.stderr);
    const { requests, calls } = ledger(priced.dataDir);
    assert.equal(requests[0].unpriced, 0);
    const reported = fake.usageFor(fake.requests.at(-1)!.body);
    assert.ok(Math.abs(calls[0].cost_usd - (reported.input * 1.0 + reported.output * 2.0) / 1e6) < 1e-12);
  });
});

describe('route-request, then handle-remote-response', () => {
  const fake = new FakeProvider();
  let routed: Setup;
  before(async () => {
    await fake.start();
    routed = await setup(fake, OPENAI_CONFIG);
  });
  after(async () => {
    await fake.stop();
  });
  const common = (): string[] => ['--root', FIXTURE, '--data-dir', routed.dataDir, '--config', routed.configFile];

  it("leaves a pending run that a reply recorded later completes, with the reply's own usage", async () => {
    const route = await runCli(['route-request', ...common(), '--goal', HARD_GOAL]);
    assert.equal(route.exitCode, 0, route.stderr);
    assert.equal(route.json.status, 'pending');
    assert.equal(fake.requests.length, 0, 'route-request calls nothing');
    const replyFile = path.join(makeTempDir('codecontext-reply-'), 'reply.json');
    writeFileSync(
      replyFile,
      JSON.stringify({
        id: 'x',
        choices: [{ message: { role: 'assistant', content: 'use a lock' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1234, completion_tokens: 56, prompt_tokens_details: { cached_tokens: 0 } },
      }),
    );
    // A newer pending row of another surface (a gateway request a crash left, not yet recovered): never taken.
    const db = new Database(path.join(routed.dataDir, 'codecontext.db'));
    db.prepare(
      `INSERT INTO requests (run_id, created_at, source, surface, status, goal_hash, route) VALUES ('gateway-row', ?, 'api', 'chat-completions', 'pending', 'h', 'external')`,
    ).run(new Date(Date.now() + 60_000).toISOString());
    db.close();
    const recorded = await runCli(['handle-remote-response', ...common(), '--response-file', replyFile]);
    assert.equal(recorded.exitCode, 0, recorded.stderr);
    const wrong = await runCli([
      'handle-remote-response',
      ...common(),
      '--response-file',
      replyFile,
      '--run-id',
      'gateway-row',
    ]);
    assert.equal(wrong.exitCode, 2);
    assert.match(wrong.stderr, /in flight elsewhere \(not a route-request\)/);
    assert.deepEqual(
      [
        recorded.json.run_id,
        recorded.json.usage_source,
        recorded.json.usage.input_tokens,
        recorded.json.usage.output_tokens,
      ],
      [route.json.run_id, 'provider', 1234, 56],
    );
    const price = lookupPrice('gpt-4o-mini')!;
    assert.ok(Math.abs(recorded.json.cost_usd - (1234 * price.input + 56 * price.output) / 1e6) < 1e-12);
    const { requests } = ledger(routed.dataDir);
    assert.equal(requests.find((row) => row.run_id === route.json.run_id).status, 'completed');
    // Nothing pending any more: exit 2 with how to make one.
    const again = await runCli(['handle-remote-response', ...common(), '--response-file', replyFile]);
    assert.equal(again.exitCode, 2);
    assert.match(again.stderr, /no pending route-request/);
    const twice = await runCli([
      'handle-remote-response',
      ...common(),
      '--response-file',
      replyFile,
      '--run-id',
      route.json.run_id,
    ]);
    assert.equal(twice.exitCode, 2);
    assert.match(twice.stderr, /is completed, not a pending route-request/);
  });

  it("a plain-text reply counts at the payload's safe bound, flagged as an estimate", async () => {
    const route = await runCli(['route-request', ...common(), '--goal', HARD_GOAL]);
    const replyFile = path.join(makeTempDir('codecontext-reply-'), 'reply.txt');
    writeFileSync(replyFile, 'Reserve and release must take the same lock.');
    const recorded = await runCli([
      'handle-remote-response',
      ...common(),
      '--response-file',
      replyFile,
      '--run-id',
      route.json.run_id,
    ]);
    assert.equal(recorded.exitCode, 0, recorded.stderr);
    assert.equal(recorded.json.usage_source, 'local_bound');
    assert.equal(recorded.json.cost_is_estimate, true);
    // The bound: the payload's UTF-8 bytes + framing (what route-request quoted), the answer's bytes.
    assert.equal(recorded.json.usage.input_tokens, route.json.cost_estimate.input_tokens_bound);
    assert.equal(recorded.json.usage.output_tokens, Buffer.byteLength('Reserve and release must take the same lock.'));
    const call = ledger(routed.dataDir).calls.at(-1);
    assert.deepEqual([call.usage_source, call.cost_is_estimate, call.role], ['local_bound', 1, 'remote']);
    const row = ledger(routed.dataDir).requests.find((request) => request.run_id === route.json.run_id);
    assert.deepEqual([row.status, row.cost_usd, row.unreported_cost_usd], ['completed', 0, call.cost_usd]);
    const missing = await runCli(['handle-remote-response', ...common(), '--response-file', '/nonexistent/reply.txt']);
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /no such file/);
  });
});

describe('ledger exactness per wire format, retries and timeouts (fake provider on 127.0.0.1)', () => {
  const fake = new FakeProvider({ expectKey: KEY, cachedTokens: 7, cacheWriteTokens: 11, outputTokens: 33 });
  before(async () => {
    await fake.start();
  });
  after(async () => {
    await fake.stop();
  });
  const env = { CODECONTEXT_FAKE_KEY: KEY };

  it('Anthropic: input, cache reads and cache writes are logged as reported and priced apart', async () => {
    const anthropic = await setup(
      fake,
      `[llm_client]\nenabled = true\nprovider = "anthropic"\nmodel = "claude-sonnet-4-5"\napi_key_env = "CODECONTEXT_FAKE_KEY"\nbase_url = "FAKE_URL"\nmax_tokens = 300\n`,
    );
    const result = await runCli(anthropic.args(HARD_GOAL), { env });
    assert.equal(result.exitCode, 0, result.stderr);
    const reported = fake.usageFor(fake.requests.at(-1)!.body);
    const call = ledger(anthropic.dataDir).calls[0];
    assert.deepEqual(
      [call.usage_format, call.input_tokens, call.cached_input_tokens, call.cache_write_tokens, call.output_tokens],
      ['anthropic', reported.input, 7, 11, 33],
    );
    const price = lookupPrice('claude-sonnet-4-5')!;
    const expected =
      (reported.input * price.input + 7 * price.cached_input! + 11 * price.cache_write! + 33 * price.output) / 1e6;
    assert.ok(Math.abs(call.cost_usd - expected) < 1e-12, `${call.cost_usd} vs ${expected}`);
  });

  it('Ollama: local tokens at local_cost_per_1m', async () => {
    const ollama = await setup(
      fake,
      `local_cost_per_1m = 0.5\n[llm_client]\nenabled = true\nprovider = "ollama"\nmodel = "qwen2.5-coder"\nbase_url = "FAKE_URL"\n`,
    );
    const result = await runCli(ollama.args(HARD_GOAL), { env });
    assert.equal(result.exitCode, 0, result.stderr);
    const reported = fake.usageFor(fake.requests.at(-1)!.body);
    const call = ledger(ollama.dataDir).calls[0];
    assert.deepEqual(
      [call.usage_format, call.local, call.input_tokens, call.output_tokens],
      ['ollama', 1, reported.input, 33],
    );
    assert.ok(Math.abs(call.cost_usd - ((reported.input + 33) * 0.5) / 1e6) < 1e-12);
  });

  it('429 then success: two calls rows, the request completed; a timeout is exit 3 with its own row', async () => {
    const openai = await setup(fake, `${OPENAI_CONFIG}timeout_seconds = 1\n`);
    fake.enqueue({ status: 429, headers: { 'retry-after': '0' } });
    const retried = await runCli(openai.args(HARD_GOAL), { env });
    assert.equal(retried.exitCode, 0, retried.stderr);
    const first = ledger(openai.dataDir);
    const request = first.requests.find((row) => row.run_id === retried.json.run_id);
    assert.deepEqual(
      first.calls
        .filter((call) => call.request_id === request.id)
        .map((call) => [call.attempt, call.http_status, call.error_class]),
      [
        [1, 429, 'rate_limited'],
        [2, 200, null],
      ],
    );
    assert.equal(request.status, 'completed');
    fake.enqueue({ delayMs: 3000 }, { delayMs: 3000 }, { delayMs: 3000 });
    const timedOut = await runCli(openai.args(HARD_GOAL), { env });
    assert.equal(timedOut.exitCode, 3, timedOut.stderr);
    assert.match(timedOut.stderr, /no complete answer within 1000 ms/);
    const after = ledger(openai.dataDir);
    const timedOutRequest = after.requests.find((row) => row.run_id === timedOut.json.run_id);
    assert.deepEqual(
      after.calls.filter((call) => call.request_id === timedOutRequest.id).map((call) => call.error_class),
      ['timeout'],
    );
  });
});

describe('--session: context already sent is referenced, not resent', () => {
  const fake = new FakeProvider({ expectKey: KEY });
  before(async () => {
    await fake.start();
  });
  after(async () => {
    await fake.stop();
  });

  it('a second request in the session sends one-line references and logs the tokens saved', async () => {
    const routed = await setup(fake, OPENAI_CONFIG);
    const env = { CODECONTEXT_FAKE_KEY: KEY };
    const first = await runCli(routed.args(HARD_GOAL, '--session', 'review-42'), { env });
    assert.equal(first.exitCode, 0, first.stderr);
    assert.equal(first.json.context.session.reused_chunks, 0);
    const second = await runCli(routed.args(HARD_GOAL, '--session', 'review-42'), { env });
    assert.equal(second.exitCode, 0, second.stderr);
    const session = second.json.context.session;
    assert.ok(session.reused_chunks > 0 && session.tokens_saved > 0, JSON.stringify(session));
    assert.ok(second.json.context.tokens_used < first.json.context.tokens_used);
    assert.match(fake.requests.at(-1)!.body, /sent earlier in this session, not repeated/);
    assert.ok(second.json.context.chunks.some((chunk: { already_sent: boolean }) => chunk.already_sent));
    const request = ledger(routed.dataDir).requests.find((row) => row.run_id === second.json.run_id);
    assert.equal(request.session_tokens_saved, session.tokens_saved);
    // Another session starts from nothing.
    const other = await runCli(routed.args(HARD_GOAL, '--session', 'other'), { env });
    assert.equal(other.json.context.session.reused_chunks, 0);
    assert.equal(other.json.context.tokens_used, first.json.context.tokens_used);
  });
});

describe('routing.fallbacks', () => {
  const primary = new FakeProvider({ expectKey: KEY });
  const backup = new FakeProvider({ expectKey: KEY, text: 'backup answer' });
  before(async () => {
    await primary.start();
    await backup.start();
  });
  after(async () => {
    await primary.stop();
    await backup.stop();
  });

  it('a provider that keeps failing hands the request to the next fallback, and both attempts are logged', async () => {
    // "flaky" ([[providers]], standard tier) serves standard requests before [llm_client]; it answers 503.
    const toml = `${OPENAI_CONFIG.replace('FAKE_URL/v1', `${backup.url}/v1`)}
[[providers]]
name = "flaky"
provider = "openai_compatible"
model = "gpt-4o-mini"
api_key_env = "CODECONTEXT_FAKE_KEY"
base_url = "FAKE_URL/v1"
tier = "standard"
[routing]
fallbacks = ["llm_client"]
`;
    const routed = await setup(primary, toml);
    primary.enqueue({ status: 503 }, { status: 503 }, { status: 503 });
    const result = await runCli(routed.args(HARD_GOAL), { env: { CODECONTEXT_FAKE_KEY: KEY } });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual([result.json.provider, result.json.answer], ['llm_client', 'backup answer']);
    const { calls } = ledger(routed.dataDir);
    assert.deepEqual(
      calls.map((call) => [call.provider, call.http_status]),
      [
        ['flaky', 503],
        ['flaky', 503],
        ['flaky', 503],
        ['llm_client', 200],
      ],
    );
  });
});
