import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ApiKeys } from '../../../src/ledger/api-keys.js';
import { migratedLedgerStore } from '../../../src/ledger/ledger-store.js';
import { PostgresStore } from '../../../src/storage/postgres-store.js';
import { FakeProvider } from '../../helpers/fake-provider.js';
import { startPostgres, type PostgresServer } from '../../helpers/postgres-server.js';
import { runCli } from '../../helpers/run-cli.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';
import { openAiUpstreamToml, UPSTREAM_KEY_ENV } from '../../helpers/upstream-config.js';

/**
 * Team mode end to end: three `serve-api` processes, each with its own index, on one PostgreSQL (`[storage] url`
 * through CODECONTEXT_STORAGE_URL), behind one client that spreads 300 concurrent requests over them. The fake
 * provider reports 1.3× the input tokens codecontext counts locally and bills every request it accepts in full.
 * What must hold: the spend recorded, and the fake's own bill, never pass the shared day budget; every answer a
 * client got as 200 has exactly one completed `requests` row; a replica killed with SIGKILL mid-load leaves no
 * reservation and no pending row once the others and its restart have reconciled.
 */
const ADMIN_TOKEN = 'admin-token-for-the-replicas-test-0123456789';
const GPT_4O_MINI = { input: 0.15, output: 0.6 };
const REQUESTS = 300;
const OUTPUT_TOKENS = 12;

const billUsd = (upstream: FakeProvider): number =>
  upstream.bills.reduce(
    (sum, bill) => sum + (bill.input * GPT_4O_MINI.input + bill.output * GPT_4O_MINI.output) / 1e6,
    0,
  );

interface Outcome {
  status: number;
  runId: string | null;
}

async function ask(gateway: ServedGateway, index: number, key?: string): Promise<Outcome> {
  try {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        max_tokens: 20,
        // Each prompt its own: no cache hit, and about 600 tokens of input per request.
        messages: [
          { role: 'user', content: `request ${index}: ${'explain the ledger reconciliation once more. '.repeat(80)}` },
        ],
      }),
    });
    await response.arrayBuffer();
    return { status: response.status, runId: response.headers.get('x-codecontext-run-id') };
  } catch {
    // The replica went away mid-request (SIGKILL): the client saw no answer.
    return { status: 0, runId: null };
  }
}

describe('three gateway replicas on one PostgreSQL, 20 keys in 5 teams', () => {
  let postgres: PostgresServer;
  // A slow upstream (400 ms a reply), so requests are still in flight when a replica is killed.
  const upstream = new FakeProvider({ usageFactor: 1.3, outputTokens: OUTPUT_TOKENS, delayMs: 400 });
  const root = makeTempDir('codecontext-replicas-root-');
  const replicas: ServedGateway[] = [];
  let client: pg.Client;
  let url: string;
  let configFile: string;
  /** 20 keys in 5 teams of 4: each key with a day budget, each team with a month budget (made in `before`). */
  const keys: Array<{ key: string; keyId: string; team: string }> = [];
  let keyBudgetUsd: number;
  let teamBudgetUsd: number;
  const keyFor = (index: number): string => keys[index % keys.length]!.key;

  const start = async (name: string): Promise<ServedGateway> => {
    const args = ['--root', root, '--data-dir', makeTempDir(`codecontext-replica-${name}-`), '--config', configFile];
    return serveApi(args, {
      [UPSTREAM_KEY_ENV]: 'sk-upstream',
      CODECONTEXT_STORAGE_URL: url,
      CODECONTEXT_AUTH_TOKEN: ADMIN_TOKEN,
    });
  };
  const rows = async <T>(text: string, params: unknown[] = []): Promise<T[]> =>
    (await client.query(text, params)).rows as T[];
  const first = async <T>(text: string, params: unknown[] = []): Promise<T> => (await rows<T>(text, params))[0]!;

  before(async () => {
    postgres = await startPostgres();
    url = postgres.createDatabase('replicas');
    await upstream.start();
    writeTree(root, { 'src/ledger.ts': 'export function reconcile(): number {\n  return 1;\n}\n' });
    // The budget is measured, not guessed: one request's recorded cost on a first configuration without a limit.
    configFile = path.join(makeTempDir('codecontext-replicas-config-'), 'codecontext.toml');
    writeFileSync(configFile, openAiUpstreamToml(upstream.url));
    const probe = await start('probe');
    try {
      assert.equal((await ask(probe, -1, ADMIN_TOKEN)).status, 200);
    } finally {
      probe.child.kill('SIGTERM');
      await new Promise((resolve) => probe.child.once('exit', resolve));
    }
    client = new pg.Client({ connectionString: url });
    await client.connect();
    const [one] = await rows<{ cost: number }>('SELECT cost_usd AS cost FROM requests');
    assert.ok(one && one.cost > 0, 'the probe request was recorded with its provider-reported cost');
    // Each key's 15 requests against a day budget of 5 of them, each team's 60 against a month budget of 20 —
    // about a third, counting at what they really cost (the quotes reserved are larger, so fewer are admitted).
    keyBudgetUsd = Number((5 * one.cost).toFixed(8));
    teamBudgetUsd = Number((20 * one.cost).toFixed(8));
    await client.query('TRUNCATE requests, calls, budget_reservations, spend_by_day');
    const store = new PostgresStore(url, { max: 1 });
    const apiKeys = new ApiKeys(await migratedLedgerStore(store));
    for (let team = 0; team < 5; team++) {
      await apiKeys.setTeamBudget(`team-${team}`, null, teamBudgetUsd);
      for (let member = 0; member < 4; member++) {
        const made = await apiKeys.create({
          user: `user-${team}-${member}`,
          team: `team-${team}`,
          budgetUsdDay: keyBudgetUsd,
        });
        keys.push({ key: made.key, keyId: made.record.key_id, team: `team-${team}` });
      }
    }
    await store.close();
    upstream.bills.length = 0;
    for (const name of ['a', 'b', 'c']) replicas.push(await start(name));
  });

  after(async () => {
    for (const replica of replicas) replica.child.kill('SIGKILL');
    await client?.end();
    await upstream.stop();
    postgres?.stop();
  });

  it('300 concurrent requests, one replica killed with SIGKILL mid-load: the budget holds and every 200 has one row', async (t) => {
    const killed = replicas[1]!;
    const outcomes = Array.from({ length: REQUESTS }, (_, index) => ask(replicas[index % 3]!, index, keyFor(index)));
    // Killed while it has money in flight: reservations of its own for calls the upstream has not answered yet.
    const inFlight = async (): Promise<number> =>
      (
        await rows<{ n: number }>(
          'SELECT COUNT(*)::int AS n FROM budget_reservations WHERE pid = $1 AND amount_usd > 0',
          [killed.child.pid],
        )
      )[0]!.n;
    const waitUntil = Date.now() + 10_000;
    while ((await inFlight()) < 1 && Date.now() < waitUntil) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok((await inFlight()) >= 1, 'the replica to kill has calls in flight');
    killed.child.kill('SIGKILL');
    const done = await Promise.all(outcomes);
    await new Promise((resolve) =>
      killed.child.exitCode !== null || killed.child.signalCode !== null
        ? resolve(null)
        : killed.child.once('exit', resolve),
    );

    const ok = done.filter((outcome) => outcome.status === 200);
    const refused = done.filter((outcome) => outcome.status === 402);
    const lost = done.filter((outcome) => outcome.status === 0);
    // Admission counts each attempt at its quote (a bound above the real cost), so fewer than a third fit.
    assert.ok(ok.length > 0, `some answered: ${ok.length} of ${REQUESTS}`);
    assert.ok(refused.length > REQUESTS / 2, `most refused by the keys' and teams' budgets: ${refused.length}`);
    assert.ok(lost.length > 0, 'some requests were in flight on the killed replica');
    assert.equal(ok.length + refused.length + lost.length, REQUESTS, 'every request was answered 200 or 402, or lost');

    // Every 200 has exactly one requests row, completed, and no run id is there twice.
    const byRun = new Map(
      (
        await rows<{ run_id: string; status: string; n: number }>(
          'SELECT run_id, MIN(status) AS status, COUNT(*)::int AS n FROM requests GROUP BY run_id',
        )
      ).map((row) => [row.run_id, row]),
    );
    for (const outcome of ok) {
      const row = byRun.get(outcome.runId ?? '');
      assert.ok(row, `a 200 (${outcome.runId}) has its requests row`);
      assert.equal(row.n, 1);
      assert.equal(row.status, 'completed');
    }

    // The survivors reconcile the killed replica's reservations at their next reservation (its pid is gone).
    const killedPid = killed.child.pid!;
    const deadline = Date.now() + 10_000;
    let left = -1;
    while (Date.now() < deadline) {
      await ask(replicas[0]!, REQUESTS + 1, keyFor(0));
      left = (
        await first<{ n: number }>('SELECT COUNT(*)::int AS n FROM budget_reservations WHERE pid = $1', [killedPid])
      ).n;
      if (left === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.equal(left, 0, "the killed replica's reservations were released");

    // A restart of the killed replica finds nothing stuck: no pending row, no reservation of a gone process.
    replicas[1] = await start('b-restarted');
    assert.ok(
      [200, 402].includes((await ask(replicas[1], REQUESTS + 2, keyFor(1))).status),
      'the restarted replica serves',
    );
    const { pending } = await first<{ pending: number }>(
      "SELECT COUNT(*)::int AS pending FROM requests WHERE status = 'pending'",
    );
    assert.equal(pending, 0, 'no pending rows after the restart');

    // Recorded spend (provider-reported plus the safe bounds of interrupted calls) and the fake's own bill: both
    // within the budget every replica shared.
    const { interrupted } = await first<{ interrupted: number }>(
      "SELECT COUNT(*)::int AS interrupted FROM requests WHERE status = 'interrupted'",
    );
    assert.ok(interrupted >= 1, `the killed replica's calls in flight were closed as interrupted: ${interrupted}`);
    // Per key and per team, the recorded spend within its budget, whichever replica served it.
    const byKey = await rows<{ key_id: string; team: string; usd: number }>(
      `SELECT r.key_id, r.team, COALESCE(SUM(c.cost_usd), 0)::float8 AS usd FROM requests r JOIN calls c ON c.request_id = r.id
       GROUP BY r.key_id, r.team`,
    );
    assert.ok(byKey.length >= 10, `spend recorded for ${byKey.length} keys`);
    assert.ok(
      byKey.every((row) => row.key_id !== null && row.team !== null),
      'every row carries its key and team',
    );
    for (const row of byKey)
      assert.ok(row.usd <= keyBudgetUsd + 1e-9, `key ${row.key_id}: ${row.usd} ≤ ${keyBudgetUsd}`);
    const byTeam = new Map<string, number>();
    for (const row of byKey) byTeam.set(row.team, (byTeam.get(row.team) ?? 0) + row.usd);
    for (const [team, usd] of byTeam) assert.ok(usd <= teamBudgetUsd + 1e-9, `${team}: ${usd} ≤ ${teamBudgetUsd}`);
    const { spend } = await first<{ spend: number }>('SELECT COALESCE(SUM(cost_usd), 0)::float8 AS spend FROM calls');
    t.diagnostic(
      `200: ${ok.length}, 402: ${refused.length}, lost with the killed replica: ${lost.length}, interrupted: ${interrupted}; recorded $${spend}, billed $${billUsd(upstream)}; $${keyBudgetUsd} a key, $${teamBudgetUsd} a team`,
    );
    assert.ok(spend <= 5 * teamBudgetUsd + 1e-9, `recorded ${spend} ≤ the five team budgets`);
    assert.ok(billUsd(upstream) <= 5 * teamBudgetUsd + 1e-9, `billed ${billUsd(upstream)} ≤ the five team budgets`);
    assert.ok(
      spend >= billUsd(upstream) - 1e-9,
      `recorded ${spend} ≥ billed ${billUsd(upstream)}: nothing billed went unrecorded`,
    );
  });

  it("every report reads the team's ledger: the CLI's and a replica's sales-summary, the export, /metrics", async () => {
    const totals = await first<{ requests: number; spend: number; unreported: number; calls: number }>(
      `SELECT (SELECT COUNT(*)::int FROM requests) AS requests, (SELECT SUM(cost_usd)::float8 FROM requests) AS spend,
              (SELECT SUM(unreported_cost_usd)::float8 FROM requests) AS unreported, (SELECT COUNT(*)::int FROM calls) AS calls`,
    );
    const env = { CODECONTEXT_STORAGE_URL: url };
    // The CLI on a machine with no gateway and no ledger file of its own: only the URL.
    const cli = await runCli(
      ['sales-summary', '--root', root, '--data-dir', makeTempDir('codecontext-reader-'), '--window', 'all'],
      { env },
    );
    assert.equal(cli.exitCode, 0, cli.stderr);
    // The team-wide reports over HTTP are the admin token's.
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const served = (await fetch(`${replicas[2]!.url}/sales-summary?window=all`, { headers: admin }).then((response) =>
      response.json(),
    )) as typeof cli.json;
    for (const summary of [cli.json, served]) {
      assert.equal(summary.requests, totals.requests);
      assert.ok(Math.abs(summary.spend_usd - totals.spend) < 1e-9, `spend ${summary.spend_usd} = ${totals.spend}`);
      assert.ok(Math.abs(summary.unreported_spend_usd - totals.unreported) < 1e-9);
    }
    const exported = await runCli(
      [
        'usage-ledger-report',
        '--root',
        root,
        '--data-dir',
        makeTempDir('codecontext-reader-'),
        '--window',
        'all',
        '--all',
        '--format',
        'csv',
      ],
      { env },
    );
    assert.equal(exported.exitCode, 0, exported.stderr);
    assert.equal(exported.stdout.trimEnd().split('\n').length - 1, totals.calls, 'one CSV line per calls row');
    const metrics = await fetch(`${replicas[0]!.url}/metrics`, { headers: admin }).then((response) => response.text());
    const counted = [...metrics.matchAll(/^codecontext_requests_total\{[^}]*\} (\d+)$/gm)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
    assert.equal(counted, totals.requests);

    // By team, from the replica and from /metrics: each team's figures are its rows', and they add up to the totals.
    const perTeam = await rows<{ team: string | null; n: number; spend: number }>(
      'SELECT team, COUNT(*)::int AS n, COALESCE(SUM(cost_usd), 0)::float8 AS spend FROM requests GROUP BY team',
    );
    const grouped = (await fetch(`${replicas[2]!.url}/sales-summary?window=all&group_by=team`, {
      headers: admin,
    }).then((response) => response.json())) as {
      groups: Array<{ team: string | null; requests: number; spend_usd: number }>;
    };
    assert.equal(grouped.groups.length, perTeam.length);
    const teamMetrics = await fetch(`${replicas[0]!.url}/metrics?group_by=team`, { headers: admin }).then((response) =>
      response.text(),
    );
    for (const row of perTeam) {
      const group = grouped.groups.find((entry) => entry.team === row.team)!;
      assert.equal(group.requests, row.n, `team ${row.team}`);
      assert.ok(Math.abs(group.spend_usd - row.spend) < 1e-8);
      const series = new RegExp(`^codecontext_caller_requests_total\\{team="${row.team ?? ''}"\\} (\\d+)$`, 'm').exec(
        teamMetrics,
      );
      assert.equal(Number(series?.[1]), row.n, `/metrics for team ${row.team}`);
    }
    const badGroup = await fetch(`${replicas[0]!.url}/metrics?group_by=org`, { headers: admin });
    assert.equal(badGroup.status, 400);
  });
});

describe('two gateway replicas on one PostgreSQL: cooldowns and the cache are shared', () => {
  let postgres: PostgresServer;
  const primary = new FakeProvider({ text: 'primary' });
  const backup = new FakeProvider({ text: 'backup' });
  const root = makeTempDir('codecontext-shared-root-');
  let one: ServedGateway;
  let other: ServedGateway;

  before(async () => {
    postgres = await startPostgres();
    const url = postgres.createDatabase('shared');
    await primary.start();
    await backup.start();
    writeTree(root, { 'src/a.ts': 'export const a = 1;\n' });
    const configFile = path.join(makeTempDir('codecontext-shared-config-'), 'codecontext.toml');
    writeFileSync(
      configFile,
      `${openAiUpstreamToml(primary.url)}[[providers]]\nname = "backup"\nprovider = "openai_compatible"\nmodel = "gpt-4o-mini"\napi_key_env = "${UPSTREAM_KEY_ENV}"\nbase_url = "${backup.url}/v1"\ntier = "cheap"\n[routing]\nfallbacks = ["backup"]\n`,
    );
    const start = (name: string) =>
      serveApi(['--root', root, '--data-dir', makeTempDir(`codecontext-shared-${name}-`), '--config', configFile], {
        [UPSTREAM_KEY_ENV]: 'sk-upstream',
        CODECONTEXT_STORAGE_URL: url,
      });
    [one, other] = await Promise.all([start('one'), start('other')]);
  });

  after(async () => {
    one?.child.kill('SIGKILL');
    other?.child.kill('SIGKILL');
    await primary.stop();
    await backup.stop();
    postgres?.stop();
  });

  const ask = async (gateway: ServedGateway, content: string, cache = true) => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cache ? {} : { 'cache-control': 'no-cache' }) },
      body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 20, messages: [{ role: 'user', content }] }),
    });
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    return {
      status: response.status,
      cache: response.headers.get('x-codecontext-cache'),
      text: body.choices[0]!.message.content,
    };
  };

  it('a 429 one replica got keeps the provider out on the other: it goes straight to the fallback', async () => {
    primary.enqueue({ status: 429, headers: { 'retry-after': '120' } });
    const limited = await ask(one, 'first question', false);
    assert.deepEqual([limited.status, limited.text], [200, 'backup']);
    const seenByPrimary = primary.requests.length;
    const cooled = await ask(other, 'second question', false);
    assert.deepEqual([cooled.status, cooled.text], [200, 'backup']);
    assert.equal(primary.requests.length, seenByPrimary, 'the other replica did not call the provider cooling down');
  });

  it('an answer one replica cached is a hit on the other, with no upstream call', async () => {
    const upstreamCalls = () => primary.requests.length + backup.requests.length;
    const first = await ask(one, 'a question worth caching');
    assert.equal(first.status, 200);
    assert.equal(first.cache, 'miss');
    const before = upstreamCalls();
    const replayed = await ask(other, 'a question worth caching');
    assert.deepEqual([replayed.status, replayed.cache, replayed.text], [200, 'exact', first.text]);
    assert.equal(upstreamCalls(), before);
  });
});
