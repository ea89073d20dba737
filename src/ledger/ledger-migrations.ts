import type { StoreMigration } from '../storage/migrate-store.js';

/**
 * The ledger stage's tables in the store (SQLite or PostgreSQL), from one list, each written once in SQLite's types
 * (ddlFor renders PostgreSQL's). Append, never edit a released one. This list makes them everywhere; a SQLite file
 * from a release before it owned them has them from the index's migrations (their `ledgerSql`, v5–v11), in the same
 * shape as v3 leaves them: hence `IF NOT EXISTS` in v1–v3 (test/integration/storage/sqlite-ledger-upgrade.test.ts).
 */
export const LEDGER_MIGRATIONS: readonly StoreMigration[] = [
  {
    version: 1,
    description: 'cooldowns: (provider, model) pairs to skip until a time, shared by every process on the store',
    ddl: `
      CREATE TABLE IF NOT EXISTS cooldowns (
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        until_ms INTEGER NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (provider, model)
      );`,
  },
  {
    version: 2,
    description:
      'response_cache: the exact cache of the drop-in endpoints, with an expiry (and its index: every insert deletes the expired)',
    ddl: `
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
  },
  {
    version: 3,
    description:
      'requests, calls, budget_reservations, spend_by_day, session_chunks: the ledger and the money in flight (columns: src/ledger/README.md)',
    // Column order as the SQLite files made by the index's migrations have it (budget_reservations grew four columns
    // at its end there), so that every file reads alike.
    ddl: `
      CREATE TABLE IF NOT EXISTS requests (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        completed_at TEXT,
        source TEXT NOT NULL CHECK (source IN ('cli', 'api', 'mcp', 'benchmark')),
        surface TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'failed', 'blocked', 'dry_run', 'interrupted', 'client_disconnected')),
        owner_pid INTEGER,
        owner_host TEXT,
        goal_hash TEXT NOT NULL,
        session TEXT,
        route TEXT NOT NULL,
        tier TEXT,
        classified_tier TEXT,
        provider TEXT,
        model TEXT,
        requested_model TEXT,
        class_reason TEXT,
        complexity_score REAL,
        context_tokens INTEGER NOT NULL DEFAULT 0,
        session_tokens_saved INTEGER NOT NULL DEFAULT 0,
        redactions INTEGER NOT NULL DEFAULT 0,
        cap_usd REAL,
        cap_action TEXT NOT NULL DEFAULT 'none',
        limit_reason TEXT,
        estimated_cost_usd REAL,
        cost_usd REAL NOT NULL DEFAULT 0,
        unreported_cost_usd REAL NOT NULL DEFAULT 0,
        unpriced INTEGER NOT NULL DEFAULT 0,
        baseline_model TEXT,
        naive_baseline_tokens INTEGER NOT NULL DEFAULT 0,
        baseline_cost_usd REAL,
        packed_tokens INTEGER NOT NULL DEFAULT 0,
        cache TEXT NOT NULL DEFAULT 'miss',
        latency_ms INTEGER,
        error_class TEXT,
        payload_tokens_local INTEGER,
        payload_tokens_bound INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        fallbacks INTEGER NOT NULL DEFAULT 0,
        escalations INTEGER NOT NULL DEFAULT 0,
        context_saving_tokens INTEGER,
        context_saving_usd REAL,
        routing_saving_usd REAL,
        cache_saving_usd REAL,
        local_saving_usd REAL,
        context_added_tokens INTEGER NOT NULL DEFAULT 0,
        context_added_usd REAL
      );
      CREATE INDEX IF NOT EXISTS requests_by_time ON requests (created_at);
      CREATE TABLE IF NOT EXISTS calls (
        id INTEGER PRIMARY KEY,
        request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        role TEXT NOT NULL DEFAULT 'first' CHECK (role IN ('first', 'retry', 'fallback', 'escalation', 'remote')),
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        local INTEGER NOT NULL DEFAULT 0,
        http_status INTEGER,
        error_class TEXT,
        latency_ms INTEGER,
        usage_format TEXT,
        usage_source TEXT NOT NULL DEFAULT 'none'
          CHECK (usage_source IN ('provider', 'local_bound', 'local_count', 'client_disconnected', 'interrupted', 'none')),
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        cached_input_tokens INTEGER NOT NULL DEFAULT 0,
        cache_write_tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL,
        cost_is_estimate INTEGER NOT NULL DEFAULT 0,
        quote_usd REAL,
        quote_input_tokens INTEGER
      );
      CREATE INDEX IF NOT EXISTS calls_by_request ON calls (request_id);
      CREATE TABLE IF NOT EXISTS budget_reservations (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        amount_usd REAL NOT NULL,
        created_at_ms INTEGER NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        request_id INTEGER,
        provider TEXT,
        model TEXT,
        role TEXT
      );
      CREATE TABLE IF NOT EXISTS spend_by_day (day TEXT PRIMARY KEY, usd REAL NOT NULL);
      CREATE TABLE IF NOT EXISTS session_chunks (
        session TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        path TEXT NOT NULL,
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        run_id TEXT NOT NULL,
        PRIMARY KEY (session, content_hash)
      );`,
  },
  {
    version: 4,
    description:
      'api_keys and team_budgets: who asks, with their own limits; every request and reservation carries its key, user and team',
    // The first step no release of the index's migrations had: ALTERs on every SQLite file, a versioned step.
    ddl: `
      CREATE TABLE IF NOT EXISTS api_keys (
        id INTEGER PRIMARY KEY,
        key_id TEXT NOT NULL UNIQUE,
        secret_sha256 TEXT NOT NULL UNIQUE,
        user_name TEXT NOT NULL,
        team TEXT,
        budget_usd_day REAL,
        budget_usd_month REAL,
        rpm INTEGER,
        models TEXT,
        created_at TEXT NOT NULL,
        rotated_at TEXT,
        revoked_at TEXT
      );
      CREATE TABLE IF NOT EXISTS team_budgets (
        team TEXT PRIMARY KEY,
        budget_usd_day REAL,
        budget_usd_month REAL
      );
      CREATE TABLE IF NOT EXISTS spend_by_scope_day (
        scope TEXT NOT NULL,
        day TEXT NOT NULL,
        usd REAL NOT NULL,
        PRIMARY KEY (scope, day)
      );
      ALTER TABLE requests ADD COLUMN key_id TEXT;
      ALTER TABLE requests ADD COLUMN user_name TEXT;
      ALTER TABLE requests ADD COLUMN team TEXT;
      ALTER TABLE budget_reservations ADD COLUMN key_id TEXT;
      ALTER TABLE budget_reservations ADD COLUMN team TEXT;
      CREATE INDEX IF NOT EXISTS requests_by_key ON requests (key_id, created_at);`,
  },
  {
    version: 5,
    description: "api_keys.tpm: a key's tokens per minute (provider-reported input + output of its calls)",
    ddl: `ALTER TABLE api_keys ADD COLUMN tpm INTEGER;`,
  },
];
