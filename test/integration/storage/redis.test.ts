import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { ApiKeys } from '../../../src/ledger/api-keys.js';
import { migratedLedgerStore } from '../../../src/ledger/ledger-store.js';
import { PostgresStore } from '../../../src/storage/postgres-store.js';
import type { Store } from '../../../src/storage/store.js';
import { FakeProvider } from '../../helpers/fake-provider.js';
import { startPostgres, type PostgresServer } from '../../helpers/postgres-server.js';
import { startRedis, type RedisServer } from '../../helpers/redis-server.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';
import { openAiUpstreamToml, UPSTREAM_KEY_ENV, writeConfigFile } from '../../helpers/upstream-config.js';

/**
 * Two `serve-api` replicas on one PostgreSQL and one Redis (`[cache] redis_url` through CODECONTEXT_CACHE_REDIS_URL):
 * the cache and the coalescing of identical requests are shared through Redis, a key's requests per minute are
 * counted there; then Redis is killed in the middle of a load held to per-key budgets, and what must hold is what
 * holds without it: every request answered (cache misses), spend within every budget, every 200 one row.
 */
const ADMIN_TOKEN = 'admin-token-for-the-redis-test-0123456789abcd';
const GPT_4O_MINI = { input: 0.15, output: 0.6 };

interface Answer {
  status: number;
  cache: string | null;
  runId: string | null;
  retryAfter: string | null;
  text: string | null;
}

describe('two gateway replicas on one PostgreSQL and one Redis', () => {
  let postgres: PostgresServer;
  let redis: RedisServer;
  let inspect: Redis;
  let client: pg.Client;
  // A slow upstream (300 ms a reply): identical requests sent together are all in flight at once.
  const upstream = new FakeProvider({ usageFactor: 1.3, outputTokens: 12, delayMs: 300 });
  const root = makeTempDir('codecontext-redis-root-');
  let replicas: [ServedGateway, ServedGateway];
  let apiKeys: ApiKeys;
  let store: Store;

  const rows = async <T>(text: string, params: unknown[] = []): Promise<T[]> =>
    (await client.query(text, params)).rows as T[];

  const ask = async (gateway: ServedGateway, content: string, token = ADMIN_TOKEN): Promise<Answer> => {
    try {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 20, messages: [{ role: 'user', content }] }),
      });
      const body = (await response.json()) as { choices?: Array<{ message: { content: string } }> };
      return {
        status: response.status,
        cache: response.headers.get('x-codecontext-cache'),
        runId: response.headers.get('x-codecontext-run-id'),
        retryAfter: response.headers.get('retry-after'),
        text: body.choices?.[0]?.message.content ?? null,
      };
    } catch {
      return { status: 0, cache: null, runId: null, retryAfter: null, text: null };
    }
  };

  before(async () => {
    postgres = await startPostgres();
    const url = postgres.createDatabase('redis_replicas');
    redis = await startRedis();
    inspect = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await upstream.start();
    writeTree(root, { 'src/a.ts': 'export const a = 1;\n' });
    const configFile = writeConfigFile(openAiUpstreamToml(upstream.url), 'codecontext-redis-config-');
    store = await migratedLedgerStore(new PostgresStore(url, { max: 2 }));
    apiKeys = new ApiKeys(store);
    const start = (name: string) =>
      serveApi(['--root', root, '--data-dir', makeTempDir(`codecontext-redis-${name}-`), '--config', configFile], {
        [UPSTREAM_KEY_ENV]: 'sk-upstream',
        CODECONTEXT_STORAGE_URL: url,
        CODECONTEXT_CACHE_REDIS_URL: redis.url,
        CODECONTEXT_AUTH_TOKEN: ADMIN_TOKEN,
      });
    replicas = await Promise.all([start('one'), start('two')]);
    client = new pg.Client({ connectionString: url });
    await client.connect();
  });

  after(async () => {
    for (const replica of replicas ?? []) replica.child.kill('SIGKILL');
    inspect?.disconnect();
    await client?.end();
    await store?.close();
    await upstream.stop();
    await redis?.stop();
    postgres?.stop();
  });

  it('an answer one replica cached is a hit on the other — kept in Redis, not in the store', async () => {
    const calls = upstream.requests.length;
    const first = await ask(replicas[0], 'a question worth caching');
    assert.deepEqual([first.status, first.cache], [200, 'miss']);
    const replayed = await ask(replicas[1], 'a question worth caching');
    assert.deepEqual([replayed.status, replayed.cache, replayed.text], [200, 'exact', first.text]);
    assert.equal(upstream.requests.length, calls + 1, 'one upstream call for the two');
    assert.equal((await inspect.keys('codecontext:reply:*')).length, 1, 'the answer is in Redis');
    const { n } = (await rows<{ n: number }>('SELECT COUNT(*)::int AS n FROM response_cache'))[0]!;
    assert.equal(n, 0, "the store's cache table is not used while Redis serves");
  });

  it('8 identical concurrent requests on two replicas make one upstream call; the others are coalesced', async () => {
    const calls = upstream.requests.length;
    const prompt = 'the same question, asked eight times at once';
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => ask(replicas[i % 2]!, prompt)));
    assert.deepEqual(
      answers.map((answer) => answer.status),
      Array(8).fill(200),
    );
    assert.equal(upstream.requests.length, calls + 1, 'one upstream call across both replicas');
    assert.deepEqual(answers.map((answer) => answer.cache).sort(), [
      'coalesced',
      'coalesced',
      'coalesced',
      'coalesced',
      'coalesced',
      'coalesced',
      'coalesced',
      'miss',
    ]);
    assert.equal(new Set(answers.map((answer) => answer.text)).size, 1, 'every client got the one answer');
    // Every client's answer is its own row; only the leader's has a call (and a cost).
    const ledger = await rows<{ cache: string; calls: number }>(
      `SELECT r.cache, COUNT(c.id)::int AS calls FROM requests r LEFT JOIN calls c ON c.request_id = r.id
       WHERE r.run_id = ANY($1) GROUP BY r.id, r.cache ORDER BY r.cache`,
      [answers.map((answer) => answer.runId)],
    );
    assert.equal(ledger.length, 8);
    assert.deepEqual(
      ledger.map((row) => [row.cache, row.calls]),
      [...Array(7).fill(['coalesced', 0]), ['miss', 1]],
    );
  });

  it("a key's requests per minute are counted once across replicas", async () => {
    const made = await apiKeys.create({ user: 'rate-limited', rpm: 5 });
    const answers: Answer[] = [];
    for (let i = 0; i < 8; i++) answers.push(await ask(replicas[i % 2]!, `rate question ${i}`, made.key));
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200, 200, 200, 200, 429, 429, 429],
    );
    const wait = Number(answers[5]!.retryAfter);
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${answers[5]!.retryAfter}`);
  });

  it("a key's tokens per minute are counted across replicas: the request that passes the limit is the last", async () => {
    const prompt = (i: number) => `token question ${i}: ${'how many tokens is this? '.repeat(30)}`;
    const probe = await ask(replicas[0], prompt(-1));
    const { tokens } = (
      await rows<{ tokens: number }>(
        'SELECT SUM(c.input_tokens + c.output_tokens)::int AS tokens FROM calls c JOIN requests r ON r.id = c.request_id WHERE r.run_id = $1',
        [probe.runId],
      )
    )[0]!;
    assert.ok(tokens > 0);
    const made = await apiKeys.create({ user: 'token-limited', tpm: Math.floor(2.5 * tokens) });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await ask(replicas[i % 2]!, prompt(i), made.key)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal((await inspect.keys(`codecontext:tpm:${made.record.key_id}:*`)).length, 1, 'counted in Redis');
  });

  it('Redis killed mid-load: requests keep flowing as cache misses, per-key budgets and rate limits still hold', async (t) => {
    // One request's real cost, measured. A key's budget is 12 of them; admission counts each request at its quote (a
    // bound well above the real cost), so only some of each key's 12 requests fit.
    const probe = await ask(replicas[0], 'probe for the cost of one request '.repeat(40));
    assert.equal(probe.status, 200);
    const { cost } = (
      await rows<{ cost: number }>('SELECT cost_usd AS cost FROM requests WHERE run_id = $1', [probe.runId])
    )[0]!;
    assert.ok(cost > 0);
    const budget = Number((12 * cost).toFixed(8));
    // The team's budget is below its four keys' together: it binds too.
    const teamBudget = Number((30 * cost).toFixed(8));
    await apiKeys.setTeamBudget('outage', teamBudget, null);
    const keys = await Promise.all(
      [0, 1, 2, 3].map((i) => apiKeys.create({ user: `budgeted-${i}`, team: 'outage', budgetUsdDay: budget })),
    );
    upstream.bills.length = 0;
    const load = Array.from({ length: 48 }, (_, i) =>
      ask(
        replicas[i % 2]!,
        `outage request ${i}: ${'probe for the cost of one request '.repeat(40)}`,
        keys[i % 4]!.key,
      ),
    );
    // Killed while the load is in flight: the first answers are out, most are not.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await redis.stop();
    const answers = await Promise.all(load);
    const ok = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 402);
    assert.equal(
      ok.length + refused.length,
      answers.length,
      `every request answered 200 or 402: ${answers.map((a) => a.status)}`,
    );
    assert.ok(ok.length > 0 && refused.length > 0, `200: ${ok.length}, 402: ${refused.length}`);
    for (const answer of ok) {
      const found = await rows<{ n: number }>(
        "SELECT COUNT(*)::int AS n FROM requests WHERE run_id = $1 AND status = 'completed'",
        [answer.runId],
      );
      assert.equal(found[0]!.n, 1, `a 200 (${answer.runId}) has one completed row`);
    }
    const spend = await rows<{ key_id: string; usd: number }>(
      `SELECT r.key_id, COALESCE(SUM(c.cost_usd), 0)::float8 AS usd FROM requests r JOIN calls c ON c.request_id = r.id
       WHERE r.key_id = ANY($1) GROUP BY r.key_id`,
      [keys.map((key) => key.record.key_id)],
    );
    for (const row of spend) assert.ok(row.usd <= budget + 1e-9, `key ${row.key_id}: ${row.usd} ≤ ${budget}`);
    const billed = upstream.bills.reduce(
      (sum, bill) => sum + (bill.input * GPT_4O_MINI.input + bill.output * GPT_4O_MINI.output) / 1e6,
      0,
    );
    const teamSpend = spend.reduce((sum, row) => sum + row.usd, 0);
    assert.ok(teamSpend <= teamBudget + 1e-9, `team outage: ${teamSpend} ≤ ${teamBudget}`);
    assert.ok(billed <= teamBudget + 1e-9, `billed ${billed} ≤ the team budget ${teamBudget}`);

    // Without Redis: the same question twice is two misses (no cache), both answered.
    const again = [
      await ask(replicas[0], 'asked while redis is down'),
      await ask(replicas[1], 'asked while redis is down'),
    ];
    assert.deepEqual(
      again.map((answer) => [answer.status, answer.cache]),
      [
        [200, 'miss'],
        [200, 'miss'],
      ],
    );
    // The rate limit falls back to the ledger's count of the key's requests in the last minute.
    const limited = await apiKeys.create({ user: 'limited-without-redis', rpm: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await ask(replicas[i % 2]!, `no redis ${i}`, limited.key)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    for (const replica of replicas)
      assert.equal(
        replica.output().stderr.match(/redis is unreachable/g)?.length,
        1,
        'the outage is said once per replica, not per request',
      );

    // Back: a replica reconnects by itself and the cache is shared again.
    await redis.start();
    const deadline = Date.now() + 10_000;
    let replay: Answer | null = null;
    for (let i = 0; Date.now() < deadline; i++) {
      const prompt = `after the outage ${i}`;
      await ask(replicas[0], prompt);
      replay = await ask(replicas[1], prompt);
      if (replay.cache === 'exact') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(replay?.cache, 'exact', 'the cache is shared again once Redis is back');
    t.diagnostic(
      `during the outage: 200 ${ok.length}, 402 ${refused.length}; billed $${billed}, team budget $${teamBudget}, $${budget} a key`,
    );
  });
});
