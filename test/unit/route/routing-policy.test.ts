import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppConfig } from '../../../src/config/app-config.js';
import { openDatabase } from '../../../src/indexing/open-database.js';
import { Cooldowns } from '../../../src/ledger/cooldowns.js';
import { SpendBudget } from '../../../src/ledger/spend-budget.js';
import { WIRE_FORMATS } from '../../../src/providers/call-provider.js';
import { AttemptSequence } from '../../../src/pipeline/attempt-sequence.js';
import { RequestRecord, countCall } from '../../../src/pipeline/request-record.js';
import { exitCodeOf, httpStatusOf } from '../../../src/pipeline/request-outcome.js';
import type { RequestPlan } from '../../../src/pipeline/request-plan.js';
import { wireAttempt } from '../../../src/pipeline/wire-attempt.js';
import { CodeContextGateway } from '../../../src/route/code-context-gateway.js';
import { inputTokenBound, quotePayload } from '../../../src/route/price-request.js';
import { cooldownFor, needsEscalation } from '../../../src/route/routing-policy.js';
import { migratedLedgerStore } from '../../../src/ledger/ledger-store.js';
import { SqliteStore } from '../../../src/storage/sqlite-store.js';
import {
  contextAddedCost,
  contextSaving,
  localAnswerSaving,
  localModelSaving,
  routingSaving,
} from '../../../src/route/savings.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

/** The routing policy as tables: each row names a rule and what it must give. */
function gatewayFor(toml: string): CodeContextGateway {
  const root = makeTempDir('codecontext-policy-');
  writeTree(root, { '.codecontext.toml': toml });
  return new CodeContextGateway(AppConfig.load(root, { env: {} }));
}

const TIERS = `
[llm_client]
provider = "openai"
model = "gpt-4o-mini"
[[providers]]
name = "cheap"
provider = "openai"
model = "gpt-4.1-nano"
api_key_env = "K"
tier = "cheap"
[[providers]]
name = "premium"
provider = "anthropic"
model = "claude-sonnet-4-5"
api_key_env = "K"
tier = "premium"
[[providers]]
name = "local"
provider = "ollama"
model = "llama3.2"
local = true
`;

describe('routing policy, as tables', () => {
  it('cap order: the tier asked for, each cheaper tier, then a local model', () => {
    const gateway = gatewayFor(TIERS);
    const rows: Array<[route: string, tier: 'cheap' | 'standard' | 'premium', expected: string[]]> = [
      ['external', 'premium', ['premium:none', 'llm_client:cheaper_tier', 'cheap:cheaper_tier', 'local:local']],
      ['external', 'standard', ['llm_client:none', 'cheap:cheaper_tier', 'local:local']],
      ['external', 'cheap', ['cheap:none', 'local:local']],
      ['local_model', 'cheap', ['local:none', 'cheap:none']],
    ];
    for (const [route, tier, expected] of rows) {
      const got = gateway.capCandidates(route, tier).map((entry) => `${entry.provider.name}:${entry.action}`);
      assert.deepEqual(got, expected, `${route} ${tier}`);
    }
  });

  it('cooldowns: how long, and what they keep out', () => {
    const routing = { cooldownRateLimitedSeconds: 300, cooldownAuthSeconds: 3600, cooldownNotFoundSeconds: 1800 };
    const rows: Array<[errorClass: string, retryAfterMs: number | null, expected: ReturnType<typeof cooldownFor>]> = [
      ['rate_limited', null, { seconds: 300, scope: 'model' }],
      ['rate_limited', 12_000, { seconds: 12, scope: 'model' }],
      ['auth', null, { seconds: 3600, scope: 'provider' }],
      ['forbidden', null, { seconds: 3600, scope: 'model' }],
      ['not_found', null, { seconds: 1800, scope: 'model' }],
      ['server', 5000, null],
      ['timeout', null, null],
      ['connection', null, null],
      ['bad_request', null, null],
    ];
    for (const [errorClass, retryAfterMs, expected] of rows) {
      assert.deepEqual(cooldownFor(errorClass, retryAfterMs, routing), expected, errorClass);
    }
  });

  it('a 404 cools down that model only; a rejected key cools down that key only', async () => {
    const db = openDatabase(':memory:');
    let now = 1_000_000;
    const cooldowns = new Cooldowns(await migratedLedgerStore(SqliteStore.of(db)), () => now);
    await cooldowns.coolDown('openai', 'gpt-4.1', 1800, 'not_found');
    await cooldowns.coolDown('anthropic', '*key:aaaa', 3600, 'auth');
    const rows: Array<[provider: string, model: string, key: string, cooling: boolean]> = [
      ['openai', 'gpt-4.1', 'k1', true],
      ['openai', 'gpt-4o-mini', 'k1', false],
      ['anthropic', 'claude-haiku-4-5', 'aaaa', true],
      ['anthropic', 'claude-sonnet-4-5', 'aaaa', true],
      ['anthropic', 'claude-haiku-4-5', 'bbbb', false],
    ];
    for (const [provider, model, key, cooling] of rows) {
      assert.equal((await cooldowns.active(provider, model, key)) !== null, cooling, `${provider} ${model} ${key}`);
    }
    now += 1801 * 1000;
    assert.equal(await cooldowns.active('openai', 'gpt-4.1', 'k1'), null, 'expired');
    db.close();
  });

  it('escalation: truncated or clearly uncertain answers only', () => {
    const rows: Array<[text: string, finishReason: string | null, escalate: boolean]> = [
      ['a complete answer', 'stop', false],
      ['cut off here', 'length', true],
      ['cut off here', 'max_tokens', true],
      ["I'm not sure which file holds it.", 'stop', true],
      ['I cannot see the code.', 'end_turn', true],
      ["I don't know.", null, true],
      ['Sure, here it is.', 'stop', false],
    ];
    for (const [text, finishReason, escalate] of rows) {
      assert.equal(needsEscalation({ text, finishReason }), escalate, text);
    }
  });

  it('budget order: over the budget → the cheaper tier → a local model → blocked, and it says which', async () => {
    const gateway = gatewayFor(`local_cost_per_1m = 0.5\nbudget_usd_per_day = 1\n${TIERS}`);
    const plan = (tier: 'premium' | 'standard'): RequestPlan => ({
      surface: 'auto-start-request',
      source: 'cli',
      goal: 'g',
      requestedModel: null,
      auto: true,
      route: 'external',
      classifiedTier: tier,
      classReason: '',
      complexityScore: 0,
      localAnswer: null,
      neutral: {
        messages: [{ role: 'user', content: 'x'.repeat(4000) }],
        maxTokens: undefined,
        sampling: {},
        stream: false,
        client: null,
        ownRequest: true,
      },
      pack: null,
      contextRole: null,
      repack: null,
      candidates: gateway.capCandidates('external', tier),
      fallbacks: [],
      redactions: 0,
      modelNotFound: null,
      cacheKey: null,
    });
    const served = async (leftUsd: number, tier: 'premium' | 'standard'): Promise<string> => {
      const db = openDatabase(':memory:');
      const store = await migratedLedgerStore(SqliteStore.of(db));
      const budget = new SpendBudget(store, { perDay: leftUsd });
      const record = new RequestRecord(store, budget, {
        source: 'cli',
        surface: 'auto-start-request',
        goalHash: 'h',
        route: 'external',
        tier,
        requestedModel: null,
        classReason: '',
        complexityScore: 0,
        capUsd: gateway.capUsd,
        baselineModel: 'gpt-4o',
      });
      const sequence = new AttemptSequence(plan(tier), gateway, new Cooldowns(store), record, 'call');
      const attempt = await sequence.first();
      const reasons = sequence.skipped.map((skip) => `${skip.provider}:${skip.reason}`).join(' ');
      db.close();
      return `${attempt ? `${attempt.spec.name}/${attempt.capAction}` : 'blocked'}${reasons ? ` after ${reasons}` : ''}`;
    };
    // The 4,000-byte prompt: premium ≈ $0.0155, gpt-4o-mini ≈ $0.0013, gpt-4.1-nano ≈ $0.0005, local ≈ $0.0026 (1024 out).
    const rows: Array<[leftUsd: number, tier: 'premium' | 'standard', expected: string]> = [
      [1, 'premium', 'premium/none'],
      [0.01, 'premium', 'llm_client/cheaper_tier after premium:budget'],
      [0.001, 'premium', 'cheap/cheaper_tier after premium:budget llm_client:budget'],
      [0.001, 'standard', 'cheap/cheaper_tier after llm_client:budget'],
      [0.0001, 'standard', 'blocked after llm_client:budget cheap:budget local:budget'],
    ];
    for (const [left, tier, expected] of rows)
      assert.equal(await served(left, tier), expected, `$${left} left, ${tier}`);
  });

  it('the input bound: every byte of the wire body, plus framing per message and per request, plus tools', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    assert.equal(inputTokenBound(body), Buffer.byteLength(JSON.stringify(body)) + 8 + 16);
    const withSystem = { ...body, system: 'be brief' };
    assert.equal(inputTokenBound(withSystem), Buffer.byteLength(JSON.stringify(withSystem)) + 16 + 16);
    const withTools = { ...body, tools: [{ name: 't' }] };
    assert.equal(inputTokenBound(withTools), Buffer.byteLength(JSON.stringify(withTools)) + 8 + 16 + 1000);
    // A multi-byte character counts every byte it takes.
    assert.ok(inputTokenBound({ messages: [{ role: 'user', content: '€€€' }] }) >= 9 + 8 + 16);
  });

  it('cache writes are priced at their multiplier: 1.25× for 5 minutes, 2× for an hour', () => {
    const gateway = gatewayFor(TIERS);
    const premium = gateway.providerNamed('premium')!;
    const quote = (system: unknown): number =>
      quotePayload(premium, { url: '', headers: {}, body: { model: 'x', system, messages: [] } }, 0, gateway.pricing)
        .max_cost_usd!;
    const plain = quote('s');
    const bytes = (system: unknown) => inputTokenBound({ model: 'x', system, messages: [] });
    const fiveMinutes = [{ type: 'text', text: 's', cache_control: { type: 'ephemeral' } }];
    const hour = [{ type: 'text', text: 's', cache_control: { type: 'ephemeral', ttl: '1h' } }];
    assert.ok(Math.abs(plain - (bytes('s') * 3) / 1e6) < 1e-15);
    assert.ok(Math.abs(quote(fiveMinutes) - (bytes(fiveMinutes) * 3.75) / 1e6) < 1e-15);
    assert.ok(Math.abs(quote(hour) - (bytes(hour) * 6) / 1e6) < 1e-15);
  });

  it("the output limit: the caller's, else only what the API or the cap needs, named as a change", () => {
    const gateway = gatewayFor(TIERS);
    const spec = (name: string) => gateway.providerNamed(name)!;
    const client = (dialect: 'openai' | 'anthropic', body: Record<string, unknown>) => ({
      messages: [{ role: 'user' as const, content: 'q' }],
      maxTokens: (body.max_tokens as number | undefined) ?? undefined,
      sampling: {},
      stream: false,
      client: { dialect, body: { messages: [{ role: 'user', content: 'q' }], ...body }, translatable: true },
      ownRequest: false,
    });
    const own = {
      messages: [{ role: 'user' as const, content: 'q' }],
      maxTokens: undefined,
      sampling: {},
      stream: false,
      client: null,
      ownRequest: true,
    };
    const rows: Array<
      [
        label: string,
        provider: string,
        neutral: Parameters<typeof wireAttempt>[1],
        limit: boolean,
        sent: number | undefined,
        bound: number,
        changes: string[],
      ]
    > = [
      ['own request: the configured limit', 'llm_client', own, false, 1024, 1024, []],
      [
        'client limit kept',
        'llm_client',
        client('openai', { model: 'gpt-4o-mini', max_tokens: 50 }),
        false,
        50,
        50,
        [],
      ],
      [
        'no limit, known model maximum: nothing added',
        'llm_client',
        client('openai', { model: 'gpt-4o-mini' }),
        false,
        undefined,
        16_384,
        [],
      ],
      [
        'no limit, the cap needs one',
        'llm_client',
        client('openai', { model: 'gpt-4o-mini' }),
        true,
        1024,
        1024,
        ['max_tokens'],
      ],
      [
        'unknown maximum (local model): added',
        'local',
        client('openai', { model: 'auto' }),
        false,
        1024,
        1024,
        ['dialect', 'model', 'max_tokens'],
      ],
      [
        'Anthropic requires one: added from config',
        'premium',
        client('openai', { model: 'auto' }),
        false,
        1024,
        1024,
        ['dialect', 'model', 'max_tokens'],
      ],
    ];
    for (const [label, provider, neutral, limit, sent, bound, changes] of rows) {
      const attempt = wireAttempt(spec(provider), neutral, '', gateway.pricing, limit)!;
      assert.equal(WIRE_FORMATS[spec(provider).kind].outputLimit(attempt.payload.body), sent, label);
      assert.equal(attempt.quote.max_output_tokens, bound, label);
      assert.deepEqual(attempt.changes, changes, label);
    }
    // Reasoning models take max_completion_tokens.
    const o3 = { ...spec('llm_client'), model: 'o3' };
    const attempt = wireAttempt(o3, client('openai', { model: 'o3' }), '', gateway.pricing, true)!;
    assert.deepEqual([attempt.payload.body.max_completion_tokens, attempt.payload.body.max_tokens], [1024, undefined]);
  });

  it("each saving's formula", () => {
    const gpt4o = { input: 2.5, output: 10 };
    const mini = { input: 0.15, output: 0.6 };
    const usage = {
      usage_format: 'openai' as const,
      input_tokens: 1000,
      output_tokens: 100,
      cached_input_tokens: 0,
      cache_write_tokens: 0,
    };
    const rows: Array<[name: string, got: number | null, expected: number | null]> = [
      ['context: (naive − packed) at the served price', contextSaving(10_000, 2000, mini).usd, (8000 * 0.15) / 1e6],
      ['context: a pack larger than the files is negative', contextSaving(500, 800, mini).usd, (-300 * 0.15) / 1e6],
      ['context: unpriced → no claim', contextSaving(10_000, 2000, null).usd, null],
      [
        'routing: usage at baseline − the request cost',
        routingSaving(usage, 0.0002, gpt4o),
        (1000 * 2.5 + 100 * 10) / 1e6 - 0.0002,
      ],
      ['routing: a dearer model is negative', routingSaving(usage, 0.01, gpt4o), 0.0035 - 0.01],
      ['routing: no reported usage → no claim', routingSaving(null, 0.0002, gpt4o), null],
      [
        'local model: its usage at the external price − its cost',
        localModelSaving(usage, 0, mini),
        (1000 * 0.15 + 100 * 0.6) / 1e6,
      ],
      ['local answer: prompt and answer only', localAnswerSaving(40, 20, mini), (40 * 0.15 + 20 * 0.6) / 1e6],
      ['context added: a cost at the served price', contextAddedCost(3000, mini), (3000 * 0.15) / 1e6],
    ];
    for (const [name, got, expected] of rows) {
      if (expected === null) assert.equal(got, null, name);
      else assert.ok(got !== null && Math.abs(got - expected) < 1e-15, `${name}: ${got} vs ${expected}`);
    }
  });

  it("how a call counts: the provider's usage, else a safe bound, else its quote", () => {
    const quote = { input_tokens_bound: 500, max_output_tokens: 100, max_cost_usd: 0.001 } as Parameters<
      typeof countCall
    >[0]['quote'];
    const price = { input: 1, output: 2 };
    const base = { httpStatus: 200, errorClass: null, latencyMs: 1, mayBeBilled: false };
    const reported = {
      usage_format: 'openai' as const,
      input_tokens: 300,
      output_tokens: 10,
      cached_input_tokens: 0,
      cache_write_tokens: 0,
    };
    const rows: Array<[name: string, result: Parameters<typeof countCall>[1], source: string, cost: number | null]> = [
      ['provider usage', { ...base, reply: { text: 'ok', usage: reported } }, 'provider', (300 + 20) / 1e6],
      [
        'no usage: request bound + answer bytes',
        { ...base, reply: { text: 'four', usage: null } },
        'local_bound',
        (500 + 8) / 1e6,
      ],
      [
        'no usage, a tool call with no text: its whole body bounds the output',
        {
          ...base,
          reply: {
            text: '',
            usage: null,
            raw: { choices: [{ message: { tool_calls: [{ function: { name: 'lookup', arguments: '{}' } }] } }] },
          },
        },
        'local_bound',
        (500 +
          2 *
            Buffer.byteLength(
              JSON.stringify({
                choices: [{ message: { tool_calls: [{ function: { name: 'lookup', arguments: '{}' } }] } }],
              }),
            )) /
          1e6,
      ],
      [
        'no usage, long answer: output capped at max',
        { ...base, reply: { text: 'x'.repeat(1000), usage: null } },
        'local_bound',
        (500 + 200) / 1e6,
      ],
      [
        'timeout / dropped: the quote',
        { ...base, httpStatus: null, errorClass: 'timeout', reply: null, mayBeBilled: true },
        'interrupted',
        0.001,
      ],
      [
        'client left mid-stream: the quote',
        { ...base, reply: null, disconnectedUsage: reported },
        'client_disconnected',
        0.001,
      ],
      ['HTTP 500: nothing billed', { ...base, httpStatus: 500, errorClass: 'server', reply: null }, 'none', 0],
    ];
    for (const [name, result, source, cost] of rows) {
      const counted = countCall({ quote, price }, result);
      assert.equal(counted.usageSource, source, name);
      assert.ok(counted.costUsd !== null && Math.abs(counted.costUsd - cost!) < 1e-15, `${name}: ${counted.costUsd}`);
    }
  });

  it('outcomes → exit codes and HTTP statuses, one table', () => {
    const rows: Array<
      [
        status: Parameters<typeof exitCodeOf>[0]['status'],
        limitReason: Parameters<typeof exitCodeOf>[0]['limitReason'],
        errorClass: string | null,
        exit: number,
        http: number,
      ]
    > = [
      ['completed', null, null, 0, 200],
      ['dry_run', null, null, 0, 200],
      ['pending', null, null, 0, 200],
      ['blocked', 'cap', null, 1, 402],
      ['blocked', 'budget', null, 1, 402],
      ['blocked', 'cooldown', null, 1, 503],
      ['blocked', 'no_provider', null, 1, 503],
      ['blocked', 'model_not_found', null, 2, 404],
      ['failed', null, 'rate_limited', 3, 429],
      ['failed', null, 'missing_key', 3, 503],
      ['failed', null, 'timeout', 3, 504],
      ['failed', null, 'server', 3, 502],
      ['interrupted', null, 'aborted', 130, 503],
      ['client_disconnected', null, 'client_disconnected', 0, 499],
    ];
    for (const [status, limitReason, errorClass, exit, http] of rows) {
      assert.equal(exitCodeOf({ status, limitReason }), exit, `${status} ${limitReason} ${errorClass}`);
      assert.equal(httpStatusOf({ status, limitReason, errorClass }), http, `${status} ${limitReason} ${errorClass}`);
    }
  });
});
