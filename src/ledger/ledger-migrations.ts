import type { StoreMigration } from '../storage/migrate-store.js';

/**
 * The ledger stage's tables in the store (SQLite or PostgreSQL), from one list. Append, never edit a released
 * one. The SQLite side is `IF NOT EXISTS`: a database file made before this list already has these tables from
 * the index's migrations (src/indexing/migrations.ts: v8 and v10, v11), with the same columns
 * (test/integration/storage).
 */
export const LEDGER_MIGRATIONS: readonly StoreMigration[] = [
  {
    version: 1,
    description: 'cooldowns: (provider, model) pairs to skip until a time, shared by every process on the store',
    sqlite: `
      CREATE TABLE IF NOT EXISTS cooldowns (
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        until_ms INTEGER NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (provider, model)
      );`,
    postgres: `
      CREATE TABLE cooldowns (
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        until_ms BIGINT NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (provider, model)
      );`,
  },
  {
    version: 2,
    description:
      'response_cache: the exact cache of the drop-in endpoints, with an expiry (and its index: every insert deletes the expired)',
    sqlite: `
      CREATE TABLE IF NOT EXISTS response_cache (
        key TEXT PRIMARY KEY,
        created_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        reply TEXT NOT NULL,
        cost_usd REAL
      );
      CREATE INDEX IF NOT EXISTS response_cache_by_expiry ON response_cache (expires_at_ms);`,
    postgres: `
      CREATE TABLE response_cache (
        key TEXT PRIMARY KEY,
        created_at_ms BIGINT NOT NULL,
        expires_at_ms BIGINT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        reply TEXT NOT NULL,
        cost_usd DOUBLE PRECISION
      );
      CREATE INDEX response_cache_by_expiry ON response_cache (expires_at_ms);`,
  },
];
