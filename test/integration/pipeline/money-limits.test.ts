import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { lookupPrice } from '../../../src/providers/prices.js';
import { FakeProvider, type FakeBill } from '../../helpers/fake-provider.js';
import { readLedger } from '../../helpers/read-ledger.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

/**
 * Every way spend used to escape a cap or a budget, forced by fakes on 127.0.0.1 under concurrent load: an
 * escalation to a dearer tier, a fallback to a dearer provider after a 500, replies and streams without usage,
 * an unpriced model, a SIGTERM and a kill -9 in the middle of 50 requests. Each time both the ledger and the
 * fake's own bill stay within the cap and the budget, and no billed call goes unrecorded.
 */
const KEY = 'sk-money-limits-0000000000000000';
const CAP = 0.025;
const BUDGET = 0.05;
const PROMPT = `why does the retry loop fail under load? ${'context '.repeat(120)}`;
const running: ServedGateway[] = [];
const fakes: FakeProvider[] = [];

after(async () => {
  for (const gateway of running) if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
  for (const fake of fakes) await fake.stop();
});

async function fake(options: ConstructorParameters<typeof FakeProvider>[0] = {}): Promise<FakeProvider> {
  const started = await new FakeProvider({
    expectKey: KEY,
    usageFactor: 1.3,
    framingTokensPerMessage: 4,
    ...options,
  }).start();
  fakes.push(started);
  return started;
}

function write(toml: string): { dataDir: string; args: string[] } {
  const dataDir = makeTempDir('codecontext-money-');
  const file = path.join(makeTempDir('codecontext-money-config-'), 'codecontext.toml');
  writeFileSync(
    file,
    `max_escalation_cost_per_request = ${CAP}\nbudget_usd_per_day = ${BUDGET}\ngateway_cache_ttl_seconds = 0\n${toml}`,
  );
  return { dataDir, args: ['--root', makeTempDir('codecontext-money-root-'), '--data-dir', dataDir, '--config', file] };
}

async function serve(toml: string): Promise<{ gateway: ServedGateway; dataDir: string; args: string[] }> {
  const { dataDir, args } = write(toml);
  const gateway = await serveApi(args, { MONEY_KEY: KEY });
  running.push(gateway);
  return { gateway, dataDir, args };
}

function post(url: string, body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ max_tokens: 200, messages: [{ role: 'user', content: PROMPT }], ...body }),
  })
    .then(async (response) => ({ status: response.status, text: await response.text() }))
    .catch((error: Error) => ({ status: 0, text: error.message }));
}

/** What the fakes billed, at the price table's list prices for the model each was asked for. */
function billOf(...providers: FakeProvider[]): number {
  const cost = (bill: FakeBill): number => {
    const price = lookupPrice(bill.model)!;
    return (bill.input * price.input + bill.output * price.output) / 1e6;
  };
  return providers.flatMap((provider) => provider.bills).reduce((sum, bill) => sum + cost(bill), 0);
}

/** The ledger's counted spend and each request's total: within the budget and the cap. */
function assertWithinLimits(dataDir: string, ...providers: FakeProvider[]): void {
  const { requests, calls } = readLedger(dataDir);
  const counted = calls.reduce((sum, call) => sum + (call.cost_usd ?? 0), 0);
  assert.ok(counted <= BUDGET + 1e-12, `ledger counted ${counted} against a ${BUDGET} day`);
  const bill = billOf(...providers);
  assert.ok(bill <= BUDGET + 1e-12, `the fakes billed ${bill} against a ${BUDGET} day`);
  for (const request of requests) {
    const total = calls
      .filter((call) => call.request_id === request.id)
      .reduce((sum, call) => sum + (call.cost_usd ?? 0), 0);
    assert.ok(total <= CAP + 1e-12, `request ${request.run_id} counted ${total} against the ${CAP} cap`);
  }
  for (const call of calls) if (call.usage_source === 'provider') assert.ok(call.cost_usd <= call.quote_usd + 1e-12);
  assert.ok(counted + 1e-12 >= bill, `the ledger (${counted}) never counts less than the fakes billed (${bill})`);
}

const provider = (name: string, kind: string, url: string, model: string, tier: string): string =>
  `[[providers]]\nname = "${name}"\nprovider = "${kind}"\nmodel = "${model}"\nbase_url = "${url}"\napi_key_env = "MONEY_KEY"\ntier = "${tier}"\n`;

describe('money limits hold on every path (fakes billing 1.3× plus framing, 100 concurrent requests)', () => {
  it('model auto escalating every answer to a dearer tier', async () => {
    const cheap = await fake({ text: 'cut off' });
    const premium = await fake({ text: 'the full answer' });
    cheap.enqueue(...Array.from({ length: 100 }, () => ({ finishReason: 'length' })));
    const { gateway, dataDir } = await serve(
      `[llm_client]\nenabled = true\nprovider = "openai_compatible"\nmodel = "gpt-4o-mini"\napi_key_env = "MONEY_KEY"\nbase_url = "${cheap.url}/v1"\n` +
        provider('premium', 'anthropic', premium.url, 'claude-sonnet-4-5', 'premium') +
        '[routing]\nmax_escalations = 1\n',
    );
    const results = await Promise.all(Array.from({ length: 100 }, () => post(gateway.url, { model: 'auto' })));
    assert.ok(
      results.every((result) => result.status === 200 || result.status === 402),
      JSON.stringify(results[0]),
    );
    assert.ok(premium.bills.length > 0, 'some answers escalated');
    assert.ok(premium.bills.length < 100, 'the budget stopped the rest of the escalations');
    assertWithinLimits(dataDir, cheap, premium);
    const escalated = readLedger(dataDir).requests.filter((request) => request.escalations > 0);
    assert.equal(escalated.length, premium.bills.length);
  });

  it('a primary answering 500 and a dearer fallback', async () => {
    const primary = await fake();
    const backup = await fake({ text: 'from the fallback' });
    primary.enqueue(...Array.from({ length: 400 }, () => ({ status: 500 })));
    const { gateway, dataDir } = await serve(
      `[llm_client]\nenabled = true\nprovider = "openai_compatible"\nmodel = "gpt-4o-mini"\napi_key_env = "MONEY_KEY"\nbase_url = "${primary.url}/v1"\n` +
        provider('backup', 'anthropic', backup.url, 'claude-sonnet-4-5', 'premium') +
        '[routing]\nfallbacks = ["backup"]\n',
    );
    const results = await Promise.all(Array.from({ length: 100 }, () => post(gateway.url, { model: 'gpt-4o-mini' })));
    assert.ok(results.some((result) => result.status === 200) && results.some((result) => result.status !== 200));
    assert.ok(backup.bills.length > 0 && backup.bills.length < 100);
    assertWithinLimits(dataDir, primary, backup);
  });

  it('replies and streams that carry no usage count at a safe bound', async () => {
    const silent = await fake({ omitUsage: true, text: 'an answer without usage' });
    const { gateway, dataDir } = await serve(
      `[llm_client]\nenabled = true\nprovider = "openai_compatible"\nmodel = "gpt-4o"\napi_key_env = "MONEY_KEY"\nbase_url = "${silent.url}/v1"\n`,
    );
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, index) => post(gateway.url, { model: 'gpt-4o', stream: index % 2 === 0 })),
    );
    assert.ok(results.some((result) => result.status === 200) && results.some((result) => result.status === 402));
    assertWithinLimits(dataDir, silent);
    const { calls } = readLedger(dataDir);
    assert.ok(
      calls.length > 0 && calls.every((call) => call.usage_source === 'local_bound' && call.cost_is_estimate === 1),
    );
  });

  it('an error event after the stream began counts at the quote, with the usage seen, never at $0', async () => {
    const flaky = await fake({ text: 'partial answer' });
    flaky.enqueue(...Array.from({ length: 10 }, () => ({ errorMidStream: 'Overloaded' })));
    const { gateway, dataDir } = await serve(
      provider('claude', 'anthropic', flaky.url, 'claude-haiku-4-5', 'premium') + '[llm_client]\nenabled = true\n',
    );
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${gateway.url}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'claude-haiku-4-5',
            max_tokens: 200,
            stream: true,
            messages: [{ role: 'user', content: PROMPT }],
          }),
        }).then((response) => response.text()),
      ),
    );
    assert.ok(
      results.every((text) => /Overloaded/.test(text)),
      'the client sees the error event',
    );
    const { calls, requests } = readLedger(dataDir);
    assert.equal(calls.length, 10);
    for (const call of calls) {
      assert.deepEqual([call.usage_source, call.cost_is_estimate, call.cost_usd], ['interrupted', 1, call.quote_usd]);
      assert.ok(call.input_tokens > 0, 'the usage seen in message_start is kept');
    }
    assert.ok(requests.every((request) => request.status === 'failed' && request.unreported_cost_usd > 0));
    assertWithinLimits(dataDir, flaky);
  });

  it('an unpriced model is never called; a model nobody serves is a 404 model_not_found', async () => {
    const upstream = await fake();
    const { gateway } = await serve(
      `[llm_client]\nenabled = true\nprovider = "openai_compatible"\nmodel = "my-private-finetune"\napi_key_env = "MONEY_KEY"\nbase_url = "${upstream.url}/v1"\n`,
    );
    const results = await Promise.all(
      Array.from({ length: 20 }, () => post(gateway.url, { model: 'my-private-finetune' })),
    );
    assert.ok(
      results.every((result) => result.status === 402),
      results[0]!.text,
    );
    assert.match(results[0]!.text, /no known price; add \[prices\.\\"my-private-finetune\\"\]/);
    const unknown = await post(gateway.url, { model: 'no-such-model' });
    assert.equal(unknown.status, 404);
    assert.equal(JSON.parse(unknown.text).error.code, 'model_not_found');
    assert.equal(upstream.requests.length, 0);
  });
});

describe('stopping in the middle of 50 requests (upstream answering in 300 ms)', () => {
  const config = (url: string): string =>
    `[llm_client]\nenabled = true\nprovider = "openai_compatible"\nmodel = "gpt-4o-mini"\napi_key_env = "MONEY_KEY"\nbase_url = "${url}/v1"\n`;
  const waitFor = async (check: () => boolean): Promise<void> => {
    for (let waited = 0; !check() && waited < 10_000; waited += 20)
      await new Promise((resolve) => setTimeout(resolve, 20));
  };

  it('SIGTERM drains: every call the fake billed has its calls row, every request its final status', async () => {
    const slow = await fake({ delayMs: 300 });
    const { gateway, dataDir } = await serve(config(slow.url));
    const inFlight = Array.from({ length: 50 }, () => post(gateway.url, { model: 'gpt-4o-mini' }));
    await waitFor(() => slow.requests.length >= 25);
    gateway.child.kill('SIGTERM');
    const results = await Promise.all(inFlight);
    const code = await new Promise((resolve) =>
      gateway.child.exitCode !== null ? resolve(gateway.child.exitCode) : gateway.child.on('exit', resolve),
    );
    assert.equal(code, 0, gateway.output().stderr);
    assert.ok(results.filter((result) => result.status === 200).length >= slow.bills.length);
    const { requests, calls } = readLedger(dataDir);
    assert.equal(calls.filter((call) => call.usage_source === 'provider').length, slow.bills.length);
    assert.deepEqual([...new Set(requests.map((request) => request.status))], ['completed']);
    assertWithinLimits(dataDir, slow);
  });

  it('kill -9: every billed call is a calls row or interrupted spend counted against the budget; nothing stays pending', async () => {
    const slow = await fake({ delayMs: 300 });
    const { gateway, dataDir, args } = await serve(config(slow.url));
    const inFlight = Array.from({ length: 50 }, () => post(gateway.url, { model: 'gpt-4o-mini' }));
    await waitFor(() => slow.requests.length >= 25);
    gateway.child.kill('SIGKILL');
    await Promise.all(inFlight);
    const pendingBefore = readLedger(dataDir).requests.filter((request) => request.status === 'pending').length;
    assert.ok(pendingBefore > 0, 'the kill left requests in flight');
    // The next process to open the ledger closes what the dead one left.
    const next = await serveApi(args, { MONEY_KEY: KEY });
    next.child.kill('SIGTERM');
    await new Promise((resolve) => next.child.on('exit', resolve));
    const { requests, calls } = readLedger(dataDir);
    assert.ok(!requests.some((request) => request.status === 'pending'));
    assert.equal(requests.filter((request) => request.status === 'interrupted').length, pendingBefore);
    const accounted = calls.filter((call) => call.usage_source === 'provider' || call.usage_source === 'interrupted');
    assert.ok(accounted.length >= slow.bills.length, `${accounted.length} calls rows for ${slow.bills.length} billed`);
    assertWithinLimits(dataDir, slow);
  });
});
