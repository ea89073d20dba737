import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FakeProvider } from '../../helpers/fake-provider.js';
import { readLedger } from '../../helpers/read-ledger.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');
const KEY = 'sk-upstream-FAKE0000000000000000';

/** serve-api with a config pointing its providers at the fakes; resolves with its base URL. */
async function serve(toml: string, dataDir: string): Promise<ServedGateway> {
  const configFile = path.join(makeTempDir('codecontext-dropin-config-'), 'codecontext.toml');
  writeFileSync(configFile, toml);
  const args = ['--root', FIXTURE, '--data-dir', dataDir, '--config', configFile];
  assert.equal((await runCli(['index-project', ...args])).exitCode, 0);
  return serveApi(args, { UPSTREAM_KEY: KEY });
}

const ledgerOf = readLedger;

describe('drop-in endpoints with the official SDKs (fake upstreams on 127.0.0.1)', () => {
  const openaiUpstream = new FakeProvider({
    expectKey: KEY,
    text: 'from openai upstream',
    outputTokens: 7,
    cachedTokens: 3,
  });
  const anthropicUpstream = new FakeProvider({
    expectKey: KEY,
    text: 'from anthropic upstream',
    outputTokens: 9,
    cacheWriteTokens: 4,
  });
  let gateway: ServedGateway;
  const dataDir = makeTempDir('codecontext-dropin-');
  before(async () => {
    await openaiUpstream.start();
    await anthropicUpstream.start();
    gateway = await serve(
      `
max_escalation_cost_per_request = 0.05
[llm_client]
enabled = true
provider = "openai_compatible"
model = "gpt-4o-mini"
api_key_env = "UPSTREAM_KEY"
base_url = "${openaiUpstream.url}/v1"
[[providers]]
name = "claude"
provider = "anthropic"
model = "claude-sonnet-4-5"
api_key_env = "UPSTREAM_KEY"
base_url = "${anthropicUpstream.url}"
tier = "premium"
`,
      dataDir,
    );
  });
  after(async () => {
    gateway?.child.kill('SIGTERM');
    await openaiUpstream.stop();
    await anthropicUpstream.stop();
  });

  it('OpenAI client → OpenAI upstream: same answer and usage, with codecontext headers and a ledger row', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client-key-not-forwarded' });
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'rename qty to quantity' }], max_tokens: 50 })
      .withResponse();
    assert.equal(data.choices[0]!.message.content, 'from openai upstream');
    const reported = openaiUpstream.usageFor(openaiUpstream.requests.at(-1)!.body);
    assert.deepEqual(
      [data.usage!.prompt_tokens, data.usage!.completion_tokens, data.usage!.prompt_tokens_details!.cached_tokens],
      [reported.input, 7, 3],
    );
    assert.equal(response.headers.get('x-codecontext-route'), 'external');
    assert.equal(response.headers.get('x-codecontext-model'), 'gpt-4o-mini');
    const runId = response.headers.get('x-codecontext-run-id');
    // The client's own key is not what goes upstream: the configured one is.
    assert.equal(openaiUpstream.requests.at(-1)!.headers.authorization, `Bearer ${KEY}`);
    const { requests, calls } = ledgerOf(dataDir);
    const row = requests.find((request) => request.run_id === runId);
    assert.deepEqual([row.source, row.status], ['api', 'completed']);
    assert.equal(calls.find((call) => call.request_id === row.id).input_tokens, reported.input);
  });

  it('Anthropic client → OpenAI upstream and OpenAI client → Anthropic upstream: translated both ways', async () => {
    const anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'client-key' });
    const message = await anthropic.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 60,
      system: 'be brief',
      messages: [{ role: 'user', content: 'what does page_count return?' }],
    });
    assert.equal(message.content[0]!.type === 'text' ? message.content[0]!.text : '', 'from openai upstream');
    const sent = JSON.parse(openaiUpstream.requests.at(-1)!.body);
    assert.equal(sent.messages[0].role, 'system');
    const reported = openaiUpstream.usageFor(openaiUpstream.requests.at(-1)!.body);
    // OpenAI counts cached tokens inside prompt_tokens; Anthropic reports them apart.
    assert.deepEqual(
      [message.usage.input_tokens, message.usage.cache_read_input_tokens, message.usage.output_tokens],
      [reported.input - 3, 3, 7],
    );

    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client-key' });
    const completion = await openai.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello' },
      ],
      max_tokens: 40,
    });
    assert.equal(completion.choices[0]!.message.content, 'from anthropic upstream');
    const upstream = anthropicUpstream.requests.at(-1)!;
    assert.equal(upstream.path, '/v1/messages');
    assert.equal(JSON.parse(upstream.body).system, 'be brief');
    const anthropicReported = anthropicUpstream.usageFor(upstream.body);
    assert.equal(
      completion.usage!.prompt_tokens,
      anthropicReported.input + 4,
      'cache writes count as prompt tokens for an OpenAI client',
    );
  });

  it('model "auto" routes by the prompt; context on request is packed into the system message', async () => {
    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client-key' });
    const { response } = await openai.chat.completions
      .create(
        {
          model: 'auto',
          messages: [{ role: 'user', content: 'why does checkout deadlock under concurrent requests?' }],
          max_tokens: 40,
        },
        { headers: { 'x-codecontext-context': 'auto' } },
      )
      .withResponse();
    assert.equal(
      response.headers.get('x-codecontext-model'),
      'claude-sonnet-4-5',
      'a hard prompt goes to the premium tier',
    );
    const system = JSON.parse(anthropicUpstream.requests.at(-1)!.body).system as string;
    assert.match(system, /<repository_context>[\s\S]*inventory\/service\.py/);
  });

  it("errors come back in the client's format: 400 on bad input, 402 over the cap", async () => {
    const anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'client-key', maxRetries: 0 });
    await assert.rejects(
      anthropic.messages.create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [] }),
      (error: InstanceType<typeof Anthropic.APIError>) => error.status === 400,
    );
    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    // 100k output tokens at Sonnet's price are over $0.05 whatever the input.
    await assert.rejects(
      openai.chat.completions.create({
        model: 'claude-sonnet-4-5',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 100_000,
      }),
      (error: InstanceType<typeof OpenAI.APIError>) => error.status === 402 && /per-request cap/.test(error.message),
    );
  });
});

describe('drop-in streaming: real pass-through (fake upstream pausing 500 ms between events)', () => {
  const upstream = new FakeProvider({ expectKey: KEY, text: 'abcdefgh', outputTokens: 6, eventDelayMs: 500 });
  let gateway: ServedGateway;
  const dataDir = makeTempDir('codecontext-stream-');
  before(async () => {
    await upstream.start();
    gateway = await serve(
      `[llm_client]\nenabled = true\nprovider = "openai_compatible"\nmodel = "gpt-4o-mini"\napi_key_env = "UPSTREAM_KEY"\nbase_url = "${upstream.url}/v1"\n`,
      dataDir,
    );
  });
  after(async () => {
    gateway?.child.kill('SIGTERM');
    await upstream.stop();
  });

  it('OpenAI client: the first chunk arrives before the upstream finishes; usage is logged from the stream', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client-key' });
    const started = Date.now();
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'stream please' }],
      max_tokens: 20,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let firstAt = 0;
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      if (!firstAt && chunk.choices[0]?.delta.content) firstAt = Date.now() - started;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    const total = Date.now() - started;
    assert.equal(text, 'abcdefgh');
    // Five upstream events 500 ms apart: the first content must arrive well before the last.
    assert.ok(firstAt < total - 1000, `first content at ${firstAt} ms of ${total} ms`);
    const reported = upstream.usageFor(upstream.requests.at(-1)!.body);
    assert.deepEqual([usage?.prompt_tokens, usage?.completion_tokens], [reported.input, 6]);
    assert.deepEqual(
      JSON.parse(upstream.requests.at(-1)!.body).stream_options,
      { include_usage: true },
      'usage forced on upstream',
    );
    const { requests, calls } = ledgerOf(dataDir);
    assert.equal(requests.at(-1).status, 'completed');
    assert.deepEqual([calls.at(-1).input_tokens, calls.at(-1).output_tokens], [reported.input, 6]);
  });

  it('Anthropic client on an OpenAI upstream streams translated events', async () => {
    const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client-key' });
    const stream = client.messages.stream({
      model: 'gpt-4o-mini',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'stream please' }],
    });
    const final = await stream.finalMessage();
    assert.equal(final.content[0]!.type === 'text' ? final.content[0]!.text : '', 'abcdefgh');
    assert.equal(final.usage.output_tokens, 6);
  });

  it('a client that disconnects aborts the upstream call: its own status, what was seen logged, counted at the quote', async () => {
    const before = upstream.abortedStreams;
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      signal: controller.signal,
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'stream then leave' }],
        max_tokens: 20,
        stream: true,
      }),
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    // The upstream notices within its next pause.
    for (let waited = 0; upstream.abortedStreams === before && waited < 5000; waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(upstream.abortedStreams, before + 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { requests, calls } = ledgerOf(dataDir);
    assert.deepEqual(
      [requests.at(-1).status, requests.at(-1).error_class, calls.at(-1).error_class, calls.at(-1).usage_source],
      ['client_disconnected', 'client_disconnected', 'client_disconnected', 'client_disconnected'],
    );
    // The provider may bill what it generated after the client left: the call counts at its quote, flagged.
    assert.deepEqual([calls.at(-1).cost_usd, calls.at(-1).cost_is_estimate], [calls.at(-1).quote_usd, 1]);
    assert.ok(calls.at(-1).quote_usd > 0);
    assert.equal(requests.at(-1).unreported_cost_usd, calls.at(-1).quote_usd);
  });
});

describe('drop-in exact cache and coalescing', () => {
  // Slow replies, so two identical requests overlap.
  const upstream = new FakeProvider({ expectKey: KEY, text: 'cached answer', outputTokens: 5, delayMs: 600 });
  let gateway: ServedGateway;
  const dataDir = makeTempDir('codecontext-cache-');
  before(async () => {
    await upstream.start();
    gateway = await serve(
      `[llm_client]\nenabled = true\nprovider = "openai_compatible"\nmodel = "gpt-4o-mini"\napi_key_env = "UPSTREAM_KEY"\nbase_url = "${upstream.url}/v1"\n`,
      dataDir,
    );
  });
  after(async () => {
    gateway?.child.kill('SIGTERM');
    await upstream.stop();
  });

  const ask = (body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 20, ...body }),
    });

  it('identical concurrent requests share one upstream call; a repeat is an exact hit, also replayed as SSE', async () => {
    const body = { messages: [{ role: 'user', content: 'what is a stock level?' }], temperature: 0.7 };
    const [first, second] = await Promise.all([ask(body), ask(body)]);
    assert.equal(upstream.requests.length, 1);
    assert.deepEqual([first.headers.get('x-codecontext-cache'), second.headers.get('x-codecontext-cache')].sort(), [
      'coalesced',
      'miss',
    ]);
    assert.equal(
      ((await second.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content,
      'cached answer',
    );
    await first.text();

    // Same fields in another order: the same key.
    const repeat = await ask({ temperature: 0.7, messages: [{ content: 'what is a stock level?', role: 'user' }] });
    assert.equal(repeat.headers.get('x-codecontext-cache'), 'exact');
    assert.ok(Number(repeat.headers.get('x-codecontext-saved-cache-usd')) > 0);
    assert.equal(repeat.headers.get('x-codecontext-saved-context-usd'), null, 'a cache hit claims only the cache');
    await repeat.text();
    const streamed = await ask({ ...body, stream: true });
    assert.equal(streamed.headers.get('x-codecontext-cache'), 'exact');
    assert.match(await streamed.text(), /cached answer[\s\S]*\[DONE\]/);
    assert.equal(upstream.requests.length, 1);

    const fresh = await ask(body, { 'cache-control': 'no-cache' });
    assert.equal(fresh.headers.get('x-codecontext-cache'), 'miss');
    await fresh.text();
    assert.equal(upstream.requests.length, 2);

    const { requests } = readLedger(dataDir);
    assert.deepEqual(requests.map((row) => row.cache).sort(), ['coalesced', 'exact', 'exact', 'miss', 'miss']);
    const hits = requests.filter((row) => row.cache !== 'miss');
    assert.ok(hits.every((row) => row.cost_usd === 0 && row.cache_saving_usd > 0 && row.routing_saving_usd === null));
    const sales = (await fetch(`${gateway.url}/sales-summary?window=all`).then((response) => response.json())) as {
      requests: number;
      routed_local: number;
      external: number;
      cache_hits: number;
    };
    assert.deepEqual(
      [sales.requests, sales.routed_local, sales.external, sales.cache_hits],
      [5, 0, 2, 3],
      'cache hits are counted apart, never as routed local',
    );
    // A hit says what the routing changed when its answer was made, as the first reply did.
    const routed = { ...body, model: 'auto', messages: [{ role: 'user', content: 'what is a reorder point?' }] };
    const made = await ask(routed);
    await made.text();
    const replayed = await ask(routed);
    await replayed.text();
    assert.equal(replayed.headers.get('x-codecontext-cache'), 'exact');
    assert.equal(made.headers.get('x-codecontext-changed'), 'model');
    assert.equal(replayed.headers.get('x-codecontext-changed'), 'model');
  });
});

describe('drop-in fallbacks and cooldowns', () => {
  const primary = new FakeProvider({ expectKey: KEY, text: 'primary' });
  const backup = new FakeProvider({ expectKey: KEY, text: 'backup' });
  let gateway: ServedGateway;
  const dataDir = makeTempDir('codecontext-fallback-');
  before(async () => {
    await primary.start();
    await backup.start();
    gateway = await serve(
      `[llm_client]
enabled = true
provider = "openai_compatible"
model = "gpt-4o-mini"
api_key_env = "UPSTREAM_KEY"
base_url = "${primary.url}/v1"
[[providers]]
name = "backup"
provider = "openai_compatible"
model = "gpt-4o-mini"
api_key_env = "UPSTREAM_KEY"
base_url = "${backup.url}/v1"
tier = "cheap"
[routing]
fallbacks = ["backup"]
`,
      dataDir,
    );
  });
  after(async () => {
    gateway?.child.kill('SIGTERM');
    await primary.stop();
    await backup.stop();
  });
  const ask = (content: string): Promise<Response> =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }], max_tokens: 20 }),
    });

  it('a streaming request whose provider fails before its first event falls back too (every attempt a calls row)', async () => {
    primary.enqueue({ status: 500 });
    const streamed = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' },
      body: JSON.stringify({
        model: 'gpt-4o',
        stream: true,
        messages: [{ role: 'user', content: 'stream me' }],
        max_tokens: 20,
      }),
    });
    assert.equal(streamed.status, 200);
    assert.equal(streamed.headers.get('x-codecontext-model'), 'gpt-4o-mini');
    const text = await streamed.text();
    const content = text
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)).choices?.[0]?.delta?.content ?? '')
      .join('');
    assert.equal(content, 'backup');
    const { requests, calls } = readLedger(dataDir);
    const request = requests.at(-1)!;
    assert.equal(request.provider, 'backup');
    assert.equal(request.status, 'completed');
    assert.deepEqual(
      calls.filter((call) => call.request_id === request.id).map((call) => [call.provider, call.http_status]),
      [
        ['llm_client', 500],
        ['backup', 200],
      ],
    );
  });

  it('a provider answering 500 falls back; a 429 puts it in cooldown, so the next request goes straight to the fallback', async () => {
    primary.enqueue({ status: 500 }, { status: 500 }, { status: 500 });
    const fellBack = await ask('first question');
    assert.equal(fellBack.status, 200);
    assert.equal(
      ((await fellBack.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content,
      'backup',
    );
    const { requests, calls } = readLedger(dataDir);
    assert.deepEqual(
      calls.filter((call) => call.request_id === requests.at(-1)!.id).map((call) => [call.provider, call.http_status]),
      [
        ['llm_client', 500],
        ['llm_client', 500],
        ['llm_client', 500],
        ['backup', 200],
      ],
    );

    primary.enqueue({ status: 429, headers: { 'retry-after': '120' } });
    const limited = await ask('second question');
    assert.equal(limited.status, 200);
    await limited.text();
    const seenByPrimary = primary.requests.length;
    const cooled = await ask('third question');
    assert.equal(cooled.status, 200);
    await cooled.text();
    assert.equal(primary.requests.length, seenByPrimary, 'the provider cooling down was not called');
    const health = (await fetch(`${gateway.url}/health`).then((response) => response.json())) as {
      cooldowns: Array<{ provider: string; reason: string }>;
    };
    assert.deepEqual(
      health.cooldowns.map((entry) => [entry.provider, entry.reason]),
      [['llm_client', 'rate_limited']],
    );
  });
});

describe('drop-in escalation (model "auto")', () => {
  const cheap = new FakeProvider({ expectKey: KEY, text: 'partial answer that got cut' });
  const standard = new FakeProvider({ expectKey: KEY, text: 'complete answer' });
  let gateway: ServedGateway;
  const dataDir = makeTempDir('codecontext-escalate-');
  before(async () => {
    await cheap.start();
    await standard.start();
    gateway = await serve(
      `[llm_client]
enabled = true
provider = "openai_compatible"
model = "gpt-4o"
api_key_env = "UPSTREAM_KEY"
base_url = "${standard.url}/v1"
[[providers]]
name = "mini"
provider = "openai_compatible"
model = "gpt-4o-mini"
api_key_env = "UPSTREAM_KEY"
base_url = "${cheap.url}/v1"
tier = "cheap"
`,
      dataDir,
    );
  });
  after(async () => {
    gateway?.child.kill('SIGTERM');
    await cheap.stop();
    await standard.stop();
  });

  it('a truncated cheap answer is retried one tier up; an uncertain one too; a good one is not', async () => {
    const ask = (content: string): Promise<Response> =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content }], max_tokens: 30 }),
      });
    cheap.enqueue({ finishReason: 'length' });
    const truncated = await ask('how do I read a JSON file in Python?');
    assert.equal(truncated.headers.get('x-codecontext-escalated'), '1');
    assert.equal(truncated.headers.get('x-codecontext-model'), 'gpt-4o');
    assert.equal(
      ((await truncated.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content,
      'complete answer',
    );
    cheap.enqueue({ text: "I'm not sure which library you use." });
    const unsure = await ask('how do I parse command line arguments in node?');
    assert.equal(unsure.headers.get('x-codecontext-escalated'), '1');
    await unsure.text();
    const fine = await ask('what is a context manager?');
    assert.equal(fine.headers.get('x-codecontext-escalated'), null);
    assert.equal(fine.headers.get('x-codecontext-model'), 'gpt-4o-mini');
    await fine.text();
    const { requests, calls } = readLedger(dataDir);
    assert.deepEqual(
      calls.filter((call) => call.request_id === requests[0].id).map((call) => call.provider),
      ['mini', 'llm_client'],
    );
    assert.ok(
      requests[0].cost_usd > 0 &&
        Math.abs(
          requests[0].cost_usd -
            calls.filter((call) => call.request_id === requests[0].id).reduce((sum, call) => sum + call.cost_usd, 0),
        ) < 1e-12,
    );
  });
});

describe('drop-in: redaction and a disabled client', () => {
  const upstream = new FakeProvider({ expectKey: KEY });
  const dataDir = makeTempDir('codecontext-dropin-misc-');
  let enabled: ServedGateway;
  let disabled: ServedGateway;
  const secret = ['sk', 'proj', `PLANTED${'9'.repeat(24)}`].join('-');
  before(async () => {
    await upstream.start();
    const client = `[llm_client]\nprovider = "openai_compatible"\nmodel = "gpt-4o-mini"\napi_key_env = "UPSTREAM_KEY"\nbase_url = "${upstream.url}/v1"\n`;
    enabled = await serve(client.replace('[llm_client]\n', '[llm_client]\nenabled = true\n'), dataDir);
    disabled = await serve(client, makeTempDir('codecontext-dropin-disabled-'));
  });
  after(async () => {
    enabled?.child.kill('SIGTERM');
    disabled?.child.kill('SIGTERM');
    await upstream.stop();
  });

  it('masks secrets in client messages before forwarding, and says so in a header', async () => {
    const response = await fetch(`${enabled.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        max_tokens: 10,
        messages: [{ role: 'user', content: `why does auth fail with key ${secret}?` }],
      }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-codecontext-redacted'), '1');
    await response.text();
    const forwarded = upstream.requests.at(-1)!.body;
    assert.ok(!forwarded.includes(secret));
    assert.match(forwarded, /\[REDACTED:openai_key\]/);
  });

  it("with [llm_client] disabled: 503 in the client's own format", async () => {
    const anthropic = new Anthropic({ baseURL: disabled.url, apiKey: 'client-key', maxRetries: 0 });
    await assert.rejects(
      anthropic.messages.create({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      (error: InstanceType<typeof Anthropic.APIError>) => error.status === 503 && /enabled = true/.test(error.message),
    );
    const raw = await fetch(`${disabled.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(raw.status, 503);
    assert.equal(((await raw.json()) as { error: { type: string } }).error.type, 'overloaded_error');
  });
});

describe('drop-in: spend budgets', () => {
  const upstream = new FakeProvider({ expectKey: KEY });
  let gateway: ServedGateway;
  before(async () => {
    await upstream.start();
    gateway = await serve(
      `budget_usd_per_day = 0.00001\n[llm_client]\nenabled = true\nprovider = "openai_compatible"\nmodel = "gpt-4o"\napi_key_env = "UPSTREAM_KEY"\nbase_url = "${upstream.url}/v1"\n`,
      makeTempDir('codecontext-dropin-budget-'),
    );
  });
  after(async () => {
    gateway?.child.kill('SIGTERM');
    await upstream.stop();
  });

  it('a request whose worst case does not fit the daily budget is refused with 402 before any call', async () => {
    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    await assert.rejects(
      openai.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hello' }],
        max_tokens: 100,
      }),
      (error: InstanceType<typeof OpenAI.APIError>) => error.status === 402 && /daily budget/.test(error.message),
    );
    assert.equal(upstream.requests.length, 0);
  });
});
