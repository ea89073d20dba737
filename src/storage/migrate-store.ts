import { sql, type SqlOp } from './sql-op.js';
import type { Store } from './store.js';

/**
 * One migration of a stage's tables, in each dialect. DDL is where SQLite and PostgreSQL differ (an identity
 * column, BIGINT for millisecond times, DOUBLE PRECISION for REAL); what the statements mean is the same.
 */
export interface StoreMigration {
  version: number;
  description: string;
  sqlite: string;
  postgres: string;
}

/**
 * Bring a stage's tables to its last migration: each one not yet applied runs in its own transaction with its
 * `store_migrations` row, under a lock named for the stage, so that replicas starting together apply each once
 * (the second finds the row and skips). Returns how many ran here.
 */
export async function migrateStore(
  store: Store,
  stage: string,
  migrations: readonly StoreMigration[],
): Promise<number> {
  let applied = 0;
  for (const migration of migrations) {
    const ran = await store.write(() => applyOnce(store.dialect, stage, migration));
    if (ran) applied++;
  }
  return applied;
}

function* applyOnce(dialect: Store['dialect'], stage: string, migration: StoreMigration): SqlOp<boolean> {
  yield* sql.lock(`codecontext.migrate.${stage}`);
  yield* sql.script(
    'CREATE TABLE IF NOT EXISTS store_migrations (stage TEXT NOT NULL, version INTEGER NOT NULL, description TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (stage, version))',
  );
  const done = yield* sql.get(
    'SELECT 1 AS done FROM store_migrations WHERE stage = ? AND version = ?',
    stage,
    migration.version,
  );
  if (done) return false;
  yield* sql.script(dialect === 'postgres' ? migration.postgres : migration.sqlite);
  yield* sql.run(
    'INSERT INTO store_migrations (stage, version, description, applied_at) VALUES (?, ?, ?, ?)',
    stage,
    migration.version,
    migration.description,
    new Date().toISOString(),
  );
  return true;
}

/** The versions of a stage applied to a store, in order. */
export function appliedVersions(store: Store, stage: string): Promise<number[]> {
  return store.read(function* () {
    const exists = yield* sql.get<{ n: number }>(
      store.dialect === 'postgres'
        ? "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = 'store_migrations'"
        : "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'store_migrations'",
    );
    if (!exists?.n) return [];
    const rows = yield* sql.all<{ version: number }>(
      'SELECT version FROM store_migrations WHERE stage = ? ORDER BY version',
      stage,
    );
    return rows.map((row) => row.version);
  });
}
