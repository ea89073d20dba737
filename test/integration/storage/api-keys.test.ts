import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { FakeProvider } from '../../helpers/fake-provider.js';
import { startPostgres, type PostgresServer } from '../../helpers/postgres-server.js';
import { runCli } from '../../helpers/run-cli.js';
import { serveApi, type ServedGateway } from '../../helpers/serve-api.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';
import { openAiUpstreamToml, UPSTREAM_KEY_ENV } from '../../helpers/upstream-config.js';

/**
 * Keys end to end: made with the CLI, presented to two gateway replicas on one PostgreSQL as a client would
 * (Bearer or x-api-key), each request's row carrying its key, user and team; a key's own budget, its team's
 * budget across keys, its model list and its rate limit held; a revocation honoured by both replicas within a
 * second. The upstream bills 1.3× the local token count.
 */
describe('gateway API keys on two replicas', () => {
  let postgres: PostgresServer;
  let url: string;
  let client: pg.Client;
  const upstream = new FakeProvider({ usageFactor: 1.3, outputTokens: 10 });
  const root = makeTempDir('codecontext-keys-root-');
  const dataDir = makeTempDir('codecontext-keys-cli-');
  let configFile: string;
  let one: ServedGateway;
  let other: ServedGateway;
  const keys: Record<string, string> = {};
  const keyIds: Record<string, string> = {};

  const cli = (args: string[]) =>
    runCli([...args, '--root', root, '--data-dir', dataDir, '--config', configFile], {
      env: { CODECONTEXT_STORAGE_URL: url },
    });
  const create = async (name: string, ...options: string[]) => {
    const made = await cli(['keys', 'create', '--name', name, ...options]);
    assert.equal(made.exitCode, 0, made.stderr);
    assert.match(made.stderr, /shown this once/);
    keys[name] = made.json.key;
    keyIds[name] = made.json.key_id;
  };
  const ask = async (gateway: ServedGateway, headers: Record<string, string>, model = 'gpt-4o-mini', n = 0) => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cache-control': 'no-cache', ...headers },
      body: JSON.stringify({
        model,
        max_tokens: 20,
        messages: [{ role: 'user', content: `question ${n}: ${'how is the spend of a team counted? '.repeat(40)}` }],
      }),
    });
    const body = (await response.json()) as { error?: { message: string } };
    return { status: response.status, error: body.error?.message, runId: response.headers.get('x-codecontext-run-id') };
  };
  const bearer = (name: string) => ({ authorization: `Bearer ${keys[name]}` });
  const spendOf = async (column: 'key_id' | 'team', value: string): Promise<number> =>
    Number(
      (
        await client.query(
          `SELECT COALESCE(SUM(c.cost_usd), 0)::float8 AS usd FROM calls c JOIN requests r ON r.id = c.request_id WHERE r.${column} = $1`,
          [value],
        )
      ).rows[0].usd,
    );

  before(async () => {
    postgres = await startPostgres();
    url = postgres.createDatabase('keys');
    await upstream.start();
    writeTree(root, { 'src/a.ts': 'export const a = 1;\n' });
    configFile = path.join(makeTempDir('codecontext-keys-config-'), 'codecontext.toml');
    writeFileSync(configFile, openAiUpstreamToml(upstream.url));
    await create('alice', '--team', 'web', '--budget-usd-day', '0.0003');
    await create('bob', '--team', 'web');
    await create('carol', '--models', 'gpt-4o-mini');
    await create('dave', '--rpm', '2');
    const team = await cli(['keys', 'team-budget', '--team', 'web', '--budget-usd-month', '0.0008']);
    assert.equal(team.exitCode, 0, team.stderr);
    const start = (name: string) =>
      serveApi(['--root', root, '--data-dir', makeTempDir(`codecontext-keys-${name}-`), '--config', configFile], {
        [UPSTREAM_KEY_ENV]: 'sk-upstream',
        CODECONTEXT_STORAGE_URL: url,
      });
    [one, other] = await Promise.all([start('one'), start('other')]);
    client = new pg.Client({ connectionString: url });
    await client.connect();
  });

  after(async () => {
    one?.child.kill('SIGKILL');
    other?.child.kill('SIGKILL');
    await client?.end();
    await upstream.stop();
    postgres?.stop();
  });

  it('admits a key as Bearer or x-api-key, refuses none or a wrong one, and writes who asked on the row', async () => {
    const none = await ask(one, {});
    assert.equal(none.status, 401);
    assert.match(none.error!, /this gateway serves API keys/);
    const wrong = await ask(one, { authorization: `Bearer ${keys.carol!.slice(0, -4)}AAAA` });
    assert.equal(wrong.status, 401);
    const viaBearer = await ask(one, bearer('carol'));
    const viaApiKey = await ask(other, { 'x-api-key': keys.carol! });
    assert.deepEqual([viaBearer.status, viaApiKey.status], [200, 200]);
    const { rows } = await client.query('SELECT run_id, key_id, user_name, team FROM requests WHERE run_id = ANY($1)', [
      [viaBearer.runId, viaApiKey.runId],
    ]);
    assert.deepEqual(
      rows.map((row) => [row.key_id, row.user_name, row.team]),
      [
        [keyIds.carol, 'carol', null],
        [keyIds.carol, 'carol', null],
      ],
    );
    const ownReport = await fetch(`${one.url}/metrics-report?window=all`, { headers: bearer('carol') });
    assert.equal(ownReport.status, 200);
    const carolsRows = await client.query('SELECT COUNT(*)::int AS n FROM requests WHERE key_id = $1', [keyIds.carol]);
    assert.equal(((await ownReport.json()) as { requests: number }).requests, carolsRows.rows[0].n);
    const metrics = await fetch(`${one.url}/metrics`, { headers: bearer('carol') });
    assert.equal(metrics.status, 403, 'a key may not read the team-wide /metrics');
  });

  it('a key reads its own figures only, whatever it asks; the CLI groups the whole ledger by key, user or team', async () => {
    await ask(one, bearer('bob'), 'gpt-4o-mini', 100);
    const own = await fetch(`${other.url}/sales-summary?window=all&group_by=team`, { headers: bearer('carol') });
    assert.equal(own.status, 200);
    const summary = (await own.json()) as {
      requests: number;
      groups: Array<{ team: string | null; requests: number }>;
    };
    const { rows } = await client.query(
      'SELECT key_id, user_name, team, COUNT(*)::int AS n, COALESCE(SUM(cost_usd), 0)::float8 AS usd FROM requests GROUP BY 1, 2, 3',
    );
    const carols = rows.find((row) => row.key_id === keyIds.carol)!;
    assert.equal(summary.requests, carols.n, "carol's requests, not the ledger's");
    assert.deepEqual(summary.groups, [{ ...summary.groups[0]!, team: null, requests: carols.n }]);
    const page = (await (await fetch(`${one.url}/usage-ledger?window=all`, { headers: bearer('carol') })).json()) as {
      calls: Array<{ key_id: string; user_name: string }>;
    };
    assert.ok(page.calls.length > 0);
    assert.ok(page.calls.every((call) => call.key_id === keyIds.carol && call.user_name === 'carol'));

    // The whole ledger, grouped (the CLI reads the store): each key's figures are its rows', and they add up.
    const grouped = await cli(['sales-summary', '--window', 'all', '--group-by', 'key']);
    assert.equal(grouped.exitCode, 0, grouped.stderr);
    const groups = grouped.json.groups as Array<{
      key_id: string | null;
      user_name: string | null;
      requests: number;
      spend_usd: number;
    }>;
    assert.deepEqual(
      groups.map((group) => [group.key_id, group.user_name, group.requests]).sort(),
      rows.map((row) => [row.key_id, row.user_name, row.n]).sort(),
    );
    for (const group of groups) {
      const row = rows.find((entry) => entry.key_id === group.key_id)!;
      assert.ok(Math.abs(group.spend_usd - row.usd) < 1e-8, `${group.user_name}: ${group.spend_usd} = ${row.usd}`);
    }
    assert.equal(
      groups.reduce((sum, group) => sum + group.requests, 0),
      grouped.json.requests,
      'the groups add up to the total',
    );
    const byTeam = await cli(['metrics-report', '--window', 'all', '--group-by', 'team', '--format', 'text']);
    assert.equal(byTeam.exitCode, 0, byTeam.stderr);
    assert.match(byTeam.stdout, /By team/);
    assert.match(byTeam.stdout, /\bweb\b/);
    const bad = await cli(['sales-summary', '--group-by', 'org']);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /org: expected one of key, user, team/);
  });

  it("a key's model list and rate limit", async () => {
    const notAllowed = await ask(one, bearer('carol'), 'gpt-4o');
    assert.equal(notAllowed.status, 403);
    assert.match(notAllowed.error!, /may call gpt-4o-mini, not gpt-4o/);
    const statuses = [];
    for (let n = 0; n < 3; n++)
      statuses.push((await ask(n % 2 ? one : other, bearer('dave'), 'gpt-4o-mini', n)).status);
    assert.deepEqual(statuses, [200, 200, 429]);
  });

  it("a key's tokens per minute, counted from the ledger on both replicas (no Redis)", async () => {
    const probe = await ask(one, bearer('carol'), 'gpt-4o-mini', 300);
    const { rows } = await client.query(
      'SELECT SUM(c.input_tokens + c.output_tokens)::int AS tokens FROM calls c JOIN requests r ON r.id = c.request_id WHERE r.run_id = $1',
      [probe.runId],
    );
    await create('gina', '--tpm', String(Math.floor(2.5 * rows[0].tokens)));
    const statuses: number[] = [];
    for (let n = 0; n < 4; n++)
      statuses.push((await ask(n % 2 ? one : other, bearer('gina'), 'gpt-4o-mini', n)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const listed = await cli(['keys', 'list', '--format', 'text']);
    assert.match(listed.stdout, /gina .* tpm \d+/);
  });

  it("a key's own budget and its team's budget hold across both replicas, under the provider's count", async (t) => {
    const results: number[] = [];
    for (let n = 0; n < 8; n++)
      results.push((await ask(n % 2 ? one : other, bearer('alice'), 'gpt-4o-mini', n)).status);
    assert.ok(results.includes(200) && results.includes(402), `alice: ${results.join(' ')}`);
    assert.ok((await spendOf('key_id', keyIds.alice!)) <= 0.0003 + 1e-12, "alice's spend within her day budget");
    const bobs: number[] = [];
    for (let n = 0; n < 12; n++) bobs.push((await ask(n % 2 ? one : other, bearer('bob'), 'gpt-4o-mini', n)).status);
    assert.ok(bobs.includes(402), `bob is stopped by the team budget: ${bobs.join(' ')}`);
    assert.ok((await spendOf('team', 'web')) <= 0.0008 + 1e-12, "the team's spend within its month budget");
    const blocked = await client.query(
      "SELECT COUNT(*)::int AS n FROM requests WHERE user_name = 'bob' AND status = 'blocked' AND limit_reason = 'budget'",
    );
    assert.ok(blocked.rows[0].n > 0);
    t.diagnostic(
      `alice ${results.join(' ')}: $${await spendOf('key_id', keyIds.alice!)} of $0.0003 a day; bob ${bobs.join(' ')}: team web $${await spendOf('team', 'web')} of $0.0008 a month`,
    );
    // carol, outside the team, is not held to it.
    assert.equal((await ask(one, bearer('carol'), 'gpt-4o-mini', 99)).status, 200);
  });

  it('a revoked key stops working on both replicas within a second', async () => {
    assert.equal((await ask(one, bearer('carol'), 'gpt-4o-mini', 100)).status, 200);
    assert.equal((await ask(other, bearer('carol'), 'gpt-4o-mini', 101)).status, 200);
    const revoked = await cli(['keys', 'revoke', '--key', keyIds.carol!]);
    assert.equal(revoked.exitCode, 0, revoked.stderr);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await ask(one, bearer('carol'), 'gpt-4o-mini', 102)).status, 401);
    assert.equal((await ask(other, bearer('carol'), 'gpt-4o-mini', 103)).status, 401);
    const listed = await cli(['keys', 'list']);
    assert.ok(!listed.stdout.includes(keys.alice!.split('_')[2]!), 'keys list never shows a secret');
    // A name of the wrong shape: one line naming the flag, exit 2, no key made.
    const bad = await cli(['keys', 'create', '--name', 'frank smith']);
    assert.equal(bad.exitCode, 2, bad.stderr);
    assert.match(bad.stderr, /--name must be 1–64 letters/);
    assert.deepEqual(
      [bad.json.kind, bad.json.field, bad.json.key],
      ['usage', 'name', undefined],
      'piped: the error as data',
    );
  });

  it('the admin token manages keys over HTTP; a key holder and a tokenless gateway may not', async () => {
    const ADMIN = 'admin-token-for-the-keys-test-0123456789abcdef';
    const admin = await serveApi(
      ['--root', root, '--data-dir', makeTempDir('codecontext-keys-admin-'), '--config', configFile],
      { [UPSTREAM_KEY_ENV]: 'sk-upstream', CODECONTEXT_STORAGE_URL: url, CODECONTEXT_AUTH_TOKEN: ADMIN },
    );
    try {
      const call = async (gateway: ServedGateway, method: string, route: string, token: string, body?: unknown) => {
        const response = await fetch(`${gateway.url}${route}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: response.status, body: (await response.json()) as Record<string, any> };
      };
      const made = await call(admin, 'POST', '/keys', ADMIN, {
        name: 'erin',
        team: 'data',
        budget_usd_month: 5,
        rpm: 100,
        models: 'gpt-4o-mini, gpt-4o',
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.match(made.body.key, /^cck_[0-9a-f]{12}_/);
      assert.deepEqual(made.body.models, ['gpt-4o-mini', 'gpt-4o']);
      // Made on one replica, a key works on another at once (the key is in the store).
      assert.equal((await ask(one, { authorization: `Bearer ${made.body.key}` }, 'gpt-4o-mini', 200)).status, 200);
      const listed = await call(admin, 'GET', '/keys', ADMIN);
      assert.equal(listed.status, 200);
      assert.ok(listed.body.keys.some((key: { user_name: string }) => key.user_name === 'erin'));
      assert.ok(!JSON.stringify(listed.body).includes(made.body.key.split('_')[2]), 'no secret in the list');
      const rotated = await call(admin, 'POST', '/keys/rotate', ADMIN, { key: made.body.key_id });
      assert.equal(rotated.status, 200);
      assert.notEqual(rotated.body.key, made.body.key);
      const team = await call(admin, 'POST', '/team-budgets', ADMIN, { team: 'data', budget_usd_day: 1 });
      assert.deepEqual([team.status, team.body.budget_usd_day], [200, 1]);
      const bad = await call(admin, 'POST', '/keys', ADMIN, { name: 'frank', budget_usd_day: -1 });
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.body), /budget_usd_day must be a number of dollars >= 0/);
      // A name of the wrong shape: HTTP names its field, not the CLI's flag.
      const badName = await call(admin, 'POST', '/keys', ADMIN, { name: 'frank smith' });
      assert.equal(badName.status, 400);
      assert.match(JSON.stringify(badName.body), /name must be 1–64 letters/);
      assert.doesNotMatch(JSON.stringify(badName.body), /--name/);
      // Not the key holder's, nor anyone's on a gateway without an admin token.
      const asKey = await call(admin, 'GET', '/keys', rotated.body.key);
      assert.equal(asKey.status, 403);
      const tokenless = await call(one, 'GET', '/keys', rotated.body.key);
      assert.equal(tokenless.status, 403);
      const revoked = await call(admin, 'POST', '/keys/revoke', ADMIN, { key: made.body.key_id });
      assert.equal(revoked.status, 200);
      assert.ok(revoked.body.revoked_at);
    } finally {
      admin.child.kill('SIGKILL');
    }
  });
});
