import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { openDatabase } from '../../../src/indexing/open-database.js';
import { startPostgres, type PostgresServer } from '../../helpers/postgres-server.js';
import { runCli } from '../../helpers/run-cli.js';
import { seedLargeLedger } from '../../helpers/seed-large-ledger.js';
import { seedEveryKindOfRow } from '../../helpers/seed-ledger.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

/** What must be equal before and after: per table, the row count and the sums every report is built from. */
const TOTALS = `SELECT
  (SELECT COUNT(*) FROM requests) AS requests, (SELECT COALESCE(SUM(cost_usd), 0) FROM requests) AS spend,
  (SELECT COALESCE(SUM(unreported_cost_usd), 0) FROM requests) AS unreported,
  (SELECT COALESCE(SUM(naive_baseline_tokens), 0) FROM requests) AS naive,
  (SELECT COALESCE(SUM(packed_tokens), 0) FROM requests) AS packed,
  (SELECT COUNT(*) FROM calls) AS calls, (SELECT COALESCE(SUM(input_tokens), 0) FROM calls) AS input_tokens,
  (SELECT COALESCE(SUM(output_tokens), 0) FROM calls) AS output_tokens,
  (SELECT COALESCE(SUM(cost_usd), 0) FROM calls) AS call_cost,
  (SELECT COUNT(*) FROM spend_by_day) AS days, (SELECT COALESCE(SUM(usd), 0) FROM spend_by_day) AS by_day`;

const asNumbers = (row: Record<string, unknown>): Record<string, number> =>
  Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Number(value)]));

describe('storage migrate --to postgres://…', () => {
  let postgres: PostgresServer;
  let url: string;
  const root = makeTempDir('codecontext-migrate-root-');
  const dataDir = makeTempDir('codecontext-migrate-data-');
  const base = ['--root', root, '--data-dir', dataDir];

  before(async () => {
    postgres = await startPostgres();
    url = postgres.createDatabase('migrated');
    await seedEveryKindOfRow(dataDir);
    // Beyond one INSERT batch, over a month of days.
    await seedLargeLedger(dataDir, 1500);
  });
  after(() => postgres?.stop());

  it('copies the SQLite ledger: every count and sum equal; the reports read the same; a second copy is refused', async () => {
    const sqlite = openDatabase(path.join(dataDir, 'codecontext.db'), { readonly: true });
    const before = asNumbers(sqlite.prepare(TOTALS).get() as Record<string, unknown>);
    sqlite.close();
    assert.ok(before.requests! > 1500 && before.calls! > 1500, JSON.stringify(before));

    const key = await runCli([
      'keys',
      'create',
      ...base,
      '--name',
      'alice',
      '--team',
      'web',
      '--budget-usd-month',
      '5',
    ]);
    assert.equal(key.exitCode, 0, key.stderr);
    const migrated = await runCli(['storage', 'migrate', ...base, '--to', url]);
    assert.equal(migrated.exitCode, 0, migrated.stderr);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const afterCopy = asNumbers((await client.query(TOTALS)).rows[0]);
      for (const [key, value] of Object.entries(before))
        assert.ok(
          Math.abs(afterCopy[key]! - value) <= 1e-9 * Math.max(1, value),
          `${key}: ${value} → ${afterCopy[key]}`,
        );
      const requests = migrated.json.tables.find((table: { table: string }) => table.table === 'requests');
      assert.equal(requests.rows, before.requests);
      // The key came along, and still admits its holder (the digest of the same secret).
      const keys = await client.query('SELECT key_id, user_name, team, budget_usd_month FROM api_keys');
      assert.deepEqual(keys.rows, [{ key_id: key.json.key_id, user_name: 'alice', team: 'web', budget_usd_month: 5 }]);

      // The same window read from either backend is the same report.
      const fromSqlite = await runCli(['sales-summary', ...base, '--window', 'all']);
      const fromPostgres = await runCli(['sales-summary', ...base, '--window', 'all'], {
        env: { CODECONTEXT_STORAGE_URL: url },
      });
      assert.equal(fromPostgres.exitCode, 0, fromPostgres.stderr);
      // All-time up to now: the two reads differ by the moment each ran, nothing else.
      assert.deepEqual({ ...fromPostgres.json, window: null }, { ...fromSqlite.json, window: null });

      // The team's next request gets a new id, after the copied ones.
      const { rows } = await client.query(
        "INSERT INTO requests (run_id, created_at, source, status, goal_hash, route) VALUES ('new', '2026-12-01T00:00:00Z', 'api', 'completed', 'g', 'external') RETURNING id",
      );
      assert.ok(Number(rows[0].id) > before.requests!);
      await client.query("DELETE FROM requests WHERE run_id = 'new'");

      const again = await runCli(['storage', 'migrate', ...base, '--to', url]);
      assert.equal(again.exitCode, 2);
      assert.match(again.json.error, /already holds a ledger .*: migrate into an empty database/);
      const unchanged = asNumbers((await client.query(TOTALS)).rows[0]);
      assert.deepEqual(unchanged, afterCopy, 'a refused copy changes nothing');
    } finally {
      await client.end();
    }
  });

  it('bad targets: a URL that is not PostgreSQL, a server out of reach, a root without a ledger', async () => {
    const notPostgres = await runCli(['storage', 'migrate', ...base, '--to', 'mysql://db/cc']);
    assert.equal(notPostgres.exitCode, 2);
    assert.match(notPostgres.json.error, /--to: expected a postgres:\/\/ or postgresql:\/\/ URL/);
    const unreachable = await runCli([
      'storage',
      'migrate',
      ...base,
      '--to',
      'postgres://cc:pw-not-shown@127.0.0.1:1/cc',
    ]);
    assert.equal(unreachable.exitCode, 3);
    assert.match(unreachable.json.error, /cannot reach the PostgreSQL store/);
    assert.doesNotMatch(unreachable.stdout + unreachable.stderr, /pw-not-shown/);
    const empty = await runCli(['storage', 'migrate', '--root', root, '--data-dir', makeTempDir(), '--to', url]);
    assert.equal(empty.exitCode, 2);
    assert.match(empty.json.error, /no ledger at .*: nothing to migrate/);
  });
});
