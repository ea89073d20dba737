import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeProvider } from '../../helpers/fake-provider.js';
import { readLedger } from '../../helpers/read-ledger.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { serveApi } from '../../helpers/serve-api.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

/**
 * A fallback in another dialect gets the same request: its system prompt and the repository context arrive, and
 * every attempt's quoted input bound is at least the bytes the provider received — so with a provider that bills
 * 1.3× the local token count plus chat framing, no call costs more than its quote and no request more than the cap.
 */
const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');
const KEY = 'sk-fallback-test-0000000000000000';
const GOAL = 'why does checkout fail with InsufficientStock when stock is available?';
const CAP = 0.02;

type Kind = 'openai' | 'anthropic' | 'ollama';
const MODEL: Record<Kind, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-haiku-4-5', ollama: 'llama3.2' };

function providerToml(kind: Kind, url: string): string {
  const base = kind === 'openai' ? `${url}/v1` : url;
  const provider = kind === 'openai' ? 'openai_compatible' : kind;
  const key = kind === 'ollama' ? 'local = true' : 'api_key_env = "FALLBACK_KEY"';
  return `provider = "${provider}"\nmodel = "${MODEL[kind]}"\nbase_url = "${base}"\n${key}\nmax_tokens = 200\n`;
}

/** The text a provider received as its instructions: Anthropic's `system`, else the first system message. */
function systemOf(body: Record<string, any>): string {
  if (typeof body.system === 'string') return body.system;
  return (body.messages as Array<{ role: string; content: string }>).find((message) => message.role === 'system')
    ?.content as string;
}

function config(primary: Kind, primaryUrl: string, fallback: Kind, fallbackUrl: string): string {
  const file = path.join(makeTempDir('codecontext-fallback-config-'), 'codecontext.toml');
  writeFileSync(
    file,
    `max_escalation_cost_per_request = ${CAP}\nlocal_cost_per_1m = 0.1\n` +
      `[llm_client]\nenabled = true\n${providerToml(primary, primaryUrl)}` +
      `[[providers]]\nname = "backup"\ntier = "premium"\n${providerToml(fallback, fallbackUrl)}` +
      `[routing]\nfallbacks = ["backup"]\n`,
  );
  return file;
}

/** Every calls row's quote holds the bytes its provider received; provider-reported cost ≤ quote; total ≤ cap. */
function assertQuotesHold(dataDir: string, runId: string, received: string[]): void {
  const { requests, calls } = readLedger(dataDir);
  const request = requests.find((row) => row.run_id === runId);
  const own = calls.filter((call) => call.request_id === request.id);
  assert.equal(own.length, received.length, 'one calls row per request a provider received');
  own.forEach((call, index) => {
    assert.ok(
      call.quote_input_tokens >= Buffer.byteLength(received[index]!, 'utf8'),
      `attempt ${index + 1}: bound ${call.quote_input_tokens} < ${Buffer.byteLength(received[index]!)} bytes received`,
    );
    if (call.usage_source === 'provider') assert.ok(call.cost_usd <= call.quote_usd + 1e-12, 'cost within the quote');
  });
  const total = own.reduce((sum, call) => sum + (call.cost_usd ?? 0), 0);
  assert.ok(total <= CAP + 1e-12, `request total ${total} within the ${CAP} cap`);
  assert.ok(own.at(-1).usage_source === 'provider' && own.at(-1).input_tokens > 0);
}

const DIRECTIONS: Array<[Kind, Kind]> = [
  ['anthropic', 'openai'],
  ['openai', 'anthropic'],
  ['openai', 'ollama'],
  ['anthropic', 'ollama'],
];

describe('cross-dialect fallbacks carry the whole request, quoted on what is really sent (fakes on 127.0.0.1)', () => {
  const primary = new FakeProvider({ expectKey: KEY });
  // Bills 1.3× the local count plus OpenAI-style framing: more than the tokens counted here.
  const backup = new FakeProvider({
    expectKey: KEY,
    usageFactor: 1.3,
    framingTokensPerMessage: 4,
    framingTokensPerRequest: 3,
    text: 'from the backup',
  });
  const dataDir = makeTempDir('codecontext-fallback-data-');
  before(async () => {
    await primary.start();
    await backup.start();
    const indexed = await runCli(['index-project', '--root', FIXTURE, '--data-dir', dataDir]);
    assert.equal(indexed.exitCode, 0, indexed.stderr);
  });
  after(async () => {
    await primary.stop();
    await backup.stop();
  });

  for (const [from, to] of DIRECTIONS) {
    it(`CLI, ${from} → ${to}: the fallback gets the system prompt and the context; each quote holds`, async () => {
      const configFile = config(from, primary.url, to, backup.url);
      primary.enqueue({ status: 500 }, { status: 500 }, { status: 500 });
      const [sentBefore, backupBefore] = [primary.requests.length, backup.requests.length];
      const result = await runCli(
        ['auto-start-request', '--root', FIXTURE, '--data-dir', dataDir, '--config', configFile, '--goal', GOAL],
        { env: { FALLBACK_KEY: KEY } },
      );
      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(result.json.answer, 'from the backup');
      assert.equal(result.json.provider, 'backup');
      const received = backup.requests.slice(backupBefore);
      assert.equal(received.length, 1);
      const body = JSON.parse(received[0]!.body);
      const system = systemOf(body);
      assert.match(system, /You are a senior software engineer/);
      assert.match(system, /<repository_context>[\s\S]*inventory\/[\s\S]*<\/repository_context>/);
      assert.ok(JSON.stringify(body.messages).includes('InsufficientStock'), 'the goal is sent');
      // The primary saw the same system prompt in its own dialect.
      const first = JSON.parse(primary.requests[sentBefore]!.body);
      assert.equal(systemOf(first), system);
      assertQuotesHold(dataDir, result.json.run_id, [
        ...primary.requests.slice(sentBefore).map((request) => request.body),
        received[0]!.body,
      ]);
    });
  }

  for (const [client, from, to] of [
    ['openai', 'anthropic', 'openai'],
    ['anthropic', 'openai', 'anthropic'],
    ['openai', 'openai', 'ollama'],
    ['anthropic', 'anthropic', 'ollama'],
  ] as Array<['openai' | 'anthropic', Kind, Kind]>) {
    it(`drop-in, streaming, ${client} client, ${from} → ${to}: the fallback streams the same request with its context`, async () => {
      const gateway = await serveApi(
        ['--root', FIXTURE, '--data-dir', dataDir, '--config', config(from, primary.url, to, backup.url)],
        { FALLBACK_KEY: KEY },
      );
      try {
        primary.enqueue({ status: 500 });
        const [sentBefore, backupBefore] = [primary.requests.length, backup.requests.length];
        const route = client === 'openai' ? '/v1/chat/completions' : '/v1/messages';
        const response = await fetch(`${gateway.url}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-codecontext-context': 'auto' },
          body: JSON.stringify({
            model: MODEL[from],
            max_tokens: 100,
            stream: true,
            ...(client === 'anthropic' ? { system: 'Answer briefly.' } : {}),
            messages: [
              ...(client === 'openai' ? [{ role: 'system', content: 'Answer briefly.' }] : []),
              { role: 'user', content: 'where does checkout reserve stock?' },
            ],
          }),
        });
        const text = await response.text();
        assert.equal(response.status, 200, text);
        assert.match(text.replace(/"(?:content|text)":"/g, ''), /f\W*r\W*o\W*m/);
        const received = backup.requests.slice(backupBefore);
        assert.equal(received.length, 1);
        const system = systemOf(JSON.parse(received[0]!.body));
        assert.match(system, /^Answer briefly\.\n\n<repository_context>[\s\S]*<\/repository_context>$/);
        const runId = response.headers.get('x-codecontext-run-id')!;
        assertQuotesHold(dataDir, runId, [...primary.requests.slice(sentBefore).map((r) => r.body), received[0]!.body]);
      } finally {
        gateway.child.kill('SIGTERM');
        await new Promise((resolve) => gateway.child.on('exit', resolve));
      }
    });
  }
});

describe('a flood of tiny requests: framing billed per message never overshoots the cap or the budget', () => {
  // A 2-byte prompt billed at 1.3× plus 7 tokens of framing per message and 3 per request.
  const fake = new FakeProvider({
    expectKey: KEY,
    usageFactor: 1.3,
    framingTokensPerMessage: 7,
    framingTokensPerRequest: 3,
    outputTokens: 1,
    text: 'k',
  });
  before(async () => {
    await fake.start();
  });
  after(async () => {
    await fake.stop();
  });

  it('200 concurrent "hi" requests: the fake bills no more than the budget, each call no more than its quote', async () => {
    const dataDir = makeTempDir('codecontext-flood-');
    const file = path.join(makeTempDir('codecontext-flood-config-'), 'codecontext.toml');
    const budget = 0.0004;
    writeFileSync(
      file,
      `budget_usd_per_day = ${budget}\ngateway_cache_ttl_seconds = 0\n[llm_client]\nenabled = true\n${providerToml('openai', fake.url).replace('FALLBACK_KEY', 'FLOOD_KEY')}`,
    );
    const gateway = await serveApi(['--root', FIXTURE, '--data-dir', dataDir, '--config', file], { FLOOD_KEY: KEY });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 200 }, (_, index) =>
          fetch(`${gateway.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              model: 'gpt-4o-mini',
              max_tokens: 1,
              messages: [{ role: 'user', content: `h${index % 10}` }],
            }),
          }).then(async (response) => {
            await response.text();
            return response.status;
          }),
        ),
      );
      assert.ok(
        statuses.every((status) => status === 200 || status === 402),
        String(statuses),
      );
      assert.ok(statuses.includes(402), 'the budget ran out');
      // gpt-4o-mini: $0.15 / $0.60 per 1M.
      const bill = fake.bills.reduce((sum, entry) => sum + (entry.input * 0.15 + entry.output * 0.6) / 1e6, 0);
      assert.ok(bill <= budget + 1e-12, `the fake billed ${bill} against a ${budget} budget`);
      const { calls } = readLedger(dataDir);
      assert.equal(calls.length, fake.bills.length);
      for (const call of calls) {
        assert.ok(call.cost_usd <= call.quote_usd + 1e-12);
        assert.ok(call.input_tokens > Buffer.byteLength('h0') * 2, 'framing is billed beyond the prompt bytes');
      }
      const recorded = calls.reduce((sum, call) => sum + call.cost_usd, 0);
      assert.ok(Math.abs(recorded - bill) < 1e-9, 'the ledger holds what the fake billed');
    } finally {
      gateway.child.kill('SIGTERM');
      await new Promise((resolve) => gateway.child.on('exit', resolve));
    }
  });
});
