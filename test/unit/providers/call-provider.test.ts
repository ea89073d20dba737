import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildPayload, callProvider, parseRetryAfter, type Attempt } from '../../../src/providers/call-provider.js';
import { costOfUsage, lookupPrice } from '../../../src/providers/prices.js';
import { ProviderError, type ProviderSpec } from '../../../src/providers/provider-types.js';
import { FakeProvider } from '../../helpers/fake-provider.js';

const KEY = 'sk-test-FAKE0123456789abcdefghij';
const env = { CODECONTEXT_TEST_KEY: KEY };
const messages = {
  messages: [
    { role: 'system' as const, content: 'You are terse.' },
    { role: 'user' as const, content: 'Where is the retry loop?' },
  ],
  maxTokens: 64,
  sampling: { temperature: 0 },
  stream: false,
};

function spec(fake: FakeProvider, overrides: Partial<ProviderSpec> = {}): ProviderSpec {
  return {
    name: 'fake',
    kind: 'openai',
    baseUrl: `${fake.url}/v1`,
    model: 'gpt-4o-mini',
    apiKeyEnv: 'CODECONTEXT_TEST_KEY',
    local: false,
    tier: 'cheap',
    maxTokens: 64,
    temperature: 0,
    timeoutMs: 10_000,
    ...overrides,
  };
}

describe('providers over fetch, against a fake on 127.0.0.1', () => {
  const fake = new FakeProvider({ expectKey: KEY, cachedTokens: 4, cacheWriteTokens: 6, outputTokens: 9 });
  before(async () => {
    await fake.start();
  });
  after(async () => {
    await fake.stop();
  });

  it('OpenAI: the key goes only into the Authorization header; usage and cost come from the reply', async () => {
    const provider = spec(fake);
    const payload = buildPayload(provider, messages);
    assert.equal(payload.url, `${fake.url}/v1/chat/completions`);
    assert.ok(!JSON.stringify(payload).includes(KEY));
    const reply = await callProvider(provider, payload, { env });
    const received = fake.requests.at(-1)!;
    assert.equal(received.headers.authorization, `Bearer ${KEY}`);
    assert.ok(!received.body.includes(KEY));
    const expected = fake.usageFor(received.body);
    assert.deepEqual(reply.usage, {
      usage_format: 'openai',
      input_tokens: expected.input,
      output_tokens: 9,
      cached_input_tokens: 4,
      cache_write_tokens: 0,
    });
    const price = lookupPrice('gpt-4o-mini')!;
    // cached_tokens are a subset of prompt_tokens, billed at the cached price.
    const cost = ((expected.input - 4) * price.input + 4 * price.cached_input! + 9 * price.output) / 1e6;
    assert.ok(Math.abs(costOfUsage(reply.usage!, price) - cost) < 1e-12);
  });

  it('Anthropic: x-api-key and anthropic-version; cache reads and writes are priced apart', async () => {
    const provider = spec(fake, { kind: 'anthropic', baseUrl: fake.url, model: 'claude-haiku-4-5' });
    const reply = await callProvider(provider, buildPayload(provider, messages), { env });
    const received = fake.requests.at(-1)!;
    assert.equal(received.path, '/v1/messages');
    assert.equal(received.headers['x-api-key'], KEY);
    assert.equal(received.headers['anthropic-version'], '2023-06-01');
    assert.equal(received.headers.authorization, undefined);
    assert.equal(JSON.parse(received.body).system, 'You are terse.');
    const expected = fake.usageFor(received.body);
    assert.deepEqual(reply.usage, {
      usage_format: 'anthropic',
      input_tokens: expected.input,
      output_tokens: 9,
      cached_input_tokens: 4,
      cache_write_tokens: 6,
    });
    const price = lookupPrice('claude-haiku-4-5')!;
    const cost =
      (expected.input * price.input + 4 * price.cached_input! + 6 * price.cache_write! + 9 * price.output) / 1e6;
    assert.ok(Math.abs(costOfUsage(reply.usage!, price) - cost) < 1e-12);
  });

  it('Ollama: /api/chat, no key needed', async () => {
    const provider = spec(fake, {
      kind: 'ollama',
      baseUrl: fake.url,
      model: 'qwen2.5-coder',
      apiKeyEnv: undefined,
      local: true,
    });
    const open = new FakeProvider();
    await open.start();
    try {
      const reply = await callProvider(
        { ...provider, baseUrl: open.url },
        buildPayload({ ...provider, baseUrl: open.url }, messages),
        { env: {} },
      );
      assert.equal(open.requests[0]!.path, '/api/chat');
      assert.equal(reply.text, 'fake answer');
      assert.equal(reply.usage!.input_tokens, open.usageFor(open.requests[0]!.body).input);
    } finally {
      await open.stop();
    }
  });

  it('429 then success: retried after Retry-After, both attempts reported', async () => {
    fake.enqueue({ status: 429, headers: { 'retry-after': '0' } });
    const attempts: Attempt[] = [];
    const reply = await callProvider(spec(fake), buildPayload(spec(fake), messages), {
      env,
      onAttempt: (attempt) => void attempts.push(attempt),
    });
    assert.equal(reply.text, 'fake answer');
    assert.deepEqual(
      attempts.map((attempt) => [attempt.httpStatus, attempt.errorClass]),
      [
        [429, 'rate_limited'],
        [200, null],
      ],
    );
  });

  it('faults become clear errors with their class', async () => {
    const expectFailure = async (
      setup: () => void,
      errorClass: string,
      options: Record<string, unknown> = {},
      provider = spec(fake),
    ): Promise<ProviderError> => {
      setup();
      const attempts: Attempt[] = [];
      const error = await callProvider(provider, buildPayload(provider, messages), {
        env,
        sleep: async () => {},
        onAttempt: (attempt) => void attempts.push(attempt),
        ...options,
      }).then(
        () => assert.fail('expected a failure'),
        (caught: unknown) => caught as ProviderError,
      );
      assert.ok(error instanceof ProviderError, String(error));
      assert.equal(error.errorClass, errorClass, error.message);
      assert.ok(!error.message.includes(KEY));
      assert.ok(attempts.length >= 1 && attempts.every((attempt) => attempt.errorClass === errorClass));
      return error;
    };
    const server = await expectFailure(() => fake.enqueue({ status: 500 }, { status: 502 }, { status: 503 }), 'server');
    assert.match(server.message, /HTTP 503/);
    await expectFailure(() => fake.enqueue({ delayMs: 400 }), 'timeout', { timeoutMs: 100, maxAttempts: 1 });
    await expectFailure(() => fake.enqueue({ rawBody: '{"choices": [' }), 'malformed');
    const auth = await expectFailure(
      () => fake.enqueue({ status: 401, rawBody: JSON.stringify({ error: { message: `bad key ${KEY}` } }) }),
      'auth',
    );
    assert.match(auth.message, /rejected/);
    await expectFailure(() => {}, 'not_found', {}, spec(fake, { baseUrl: `${fake.url}/nowhere` }));
    await expectFailure(() => {}, 'connection', {}, spec(fake, { baseUrl: 'http://127.0.0.1:9' }));
  });

  it('a missing key variable is an error before anything is sent', async () => {
    const before = fake.requests.length;
    await assert.rejects(
      callProvider(spec(fake), buildPayload(spec(fake), messages), { env: {} }),
      (error: ProviderError) => error.errorClass === 'missing_key' && /CODECONTEXT_TEST_KEY/.test(error.message),
    );
    assert.equal(fake.requests.length, before);
  });

  it('reads Retry-After as seconds or a date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(parseRetryAfter('soon'), null);
  });
});

describe('prices', () => {
  it('resolves dated ids, -latest aliases and vendor prefixes; an unknown model is unpriced', () => {
    assert.equal(lookupPrice('claude-sonnet-4-5-20250929')?.input, 3);
    assert.equal(lookupPrice('gpt-4o-2024-08-06')?.input, 2.5);
    assert.equal(lookupPrice('openrouter/gpt-4o')?.output, 10);
    assert.equal(lookupPrice('my-finetune'), undefined);
    assert.equal(lookupPrice('my-finetune', { 'my-finetune': { input: 1, output: 2 } })?.output, 2);
  });
});
