import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase, type Db } from '../../../src/indexing/open-database.js';
import { MIGRATIONS } from '../../../src/indexing/migrations.js';
import { migratedLedgerStore } from '../../../src/ledger/ledger-store.js';
import { SqliteStore } from '../../../src/storage/sqlite-store.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

/**
 * The ledger owns its tables (src/ledger/ledger-migrations.ts); releases before that had the index's migrations make
 * them in the index file. A file from such a release must upgrade to exactly the tables a new file gets, rows kept.
 */
const LEDGER_TABLES = [
  'cooldowns',
  'response_cache',
  'requests',
  'calls',
  'budget_reservations',
  'spend_by_day',
  'session_chunks',
  'api_keys',
  'team_budgets',
  'spend_by_scope_day',
];

/** A file as a release at index schema `version` left it: every step to there, the ledger's parts included. */
function releasedFile(version: number): string {
  const file = path.join(makeTempDir('codecontext-legacy-'), 'codecontext.db');
  const db = new Database(file);
  for (const migration of MIGRATIONS.filter((step) => step.version <= version)) {
    db.exec(migration.ledgerSql ?? '');
    db.exec(migration.sql);
    db.pragma(`user_version = ${migration.version}`);
  }
  db.close();
  return file;
}

function tables(db: Db): string[] {
  return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
}
function columns(db: Db, table: string): unknown[] {
  return db.prepare('SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid').all(table);
}
function indexes(db: Db): unknown[] {
  const list = LEDGER_TABLES.map(() => '?').join(', ');
  return db
    .prepare(
      `SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${list}) ORDER BY name`,
    )
    .all(...LEDGER_TABLES);
}

async function withLedger(file: string): Promise<Db> {
  const db = openDatabase(file);
  await migratedLedgerStore(SqliteStore.of(db));
  return db;
}

describe("the ledger's tables on SQLite", () => {
  it('a new index file has none of them until the ledger migrates it', async () => {
    const file = path.join(makeTempDir('codecontext-new-'), 'codecontext.db');
    const indexOnly = openDatabase(file);
    const made = tables(indexOnly);
    assert.ok(made.includes('index_state') && made.includes('benchmark_runs') && made.includes('patches'), made.join());
    for (const table of LEDGER_TABLES) assert.ok(!made.includes(table), `${table} made by the index`);
    indexOnly.close();
    const db = await withLedger(file);
    for (const table of LEDGER_TABLES) assert.ok(tables(db).includes(table), `${table} missing after the ledger`);
    db.close();
  });

  // 5: the first release with a ledger; 10: before the ledger v2 rebuild; the last: just before the ledger owned them.
  for (const version of [5, 10, 13]) {
    it(`a file from a release at index schema v${version} upgrades to the same tables, its rows kept`, async () => {
      const file = releasedFile(version);
      const old = new Database(file);
      old
        .prepare(
          "INSERT INTO requests (run_id, created_at, source, status, goal_hash, route, cost_usd) VALUES ('r1', '2026-01-02T00:00:00Z', 'cli', 'completed', 'g', 'external', 0.25)",
        )
        .run();
      old
        .prepare(
          "INSERT INTO calls (request_id, created_at, attempt, provider, model, cost_usd) VALUES (1, '2026-01-02T00:00:00Z', 1, 'openai', 'gpt-4o-mini', 0.25)",
        )
        .run();
      old.close();

      const upgraded = await withLedger(file);
      const fresh = await withLedger(path.join(makeTempDir('codecontext-fresh-'), 'codecontext.db'));
      for (const table of LEDGER_TABLES) assert.deepEqual(columns(upgraded, table), columns(fresh, table), table);
      assert.deepEqual(indexes(upgraded), indexes(fresh));
      assert.deepEqual(
        upgraded
          .prepare('SELECT r.run_id, r.cost_usd, c.model FROM requests r JOIN calls c ON c.request_id = r.id')
          .all(),
        [{ run_id: 'r1', cost_usd: 0.25, model: 'gpt-4o-mini' }],
      );
      upgraded.close();
      fresh.close();
    });
  }
});
