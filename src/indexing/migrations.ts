/**
 * The index file's schema migrations, applied in order inside one transaction each; `PRAGMA user_version` records
 * the last applied. Never edit a released migration: append a new one. The benchmark's and apply-patch's tables live
 * in this file and append theirs here; the ledger's do not (see `ledgerSql`).
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
  /**
   * The ledger's tables as releases before the ledger owned them made them in this file (v5–v11). The ledger's own
   * list (src/ledger/ledger-migrations.ts) creates them now; this part runs only on a file that already has the
   * index-made `requests` table, to bring it to the shape that list starts from. A new file never runs any of it.
   */
  ledgerSql?: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'index: files, chunks, symbols, references, FTS5, token-count cache, index state',
    sql: `
      CREATE TABLE index_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        generation INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'empty',
        files_total INTEGER NOT NULL DEFAULT 0,
        files_done INTEGER NOT NULL DEFAULT 0,
        started_at TEXT,
        finished_at TEXT
      );
      INSERT INTO index_state (id) VALUES (1);

      CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        content_hash TEXT NOT NULL,
        mtime_ms REAL NOT NULL,
        size INTEGER NOT NULL,
        language TEXT NOT NULL,
        parse_status TEXT NOT NULL,
        parser_version INTEGER NOT NULL,
        generation INTEGER NOT NULL
      );

      CREATE TABLE chunks (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        kind TEXT NOT NULL,
        symbol TEXT,
        symbol_kind TEXT,
        signature TEXT,
        doc TEXT,
        content TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        refs TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX chunks_by_file ON chunks (file_id);

      CREATE TABLE symbols (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        chunk_id INTEGER,
        name TEXT NOT NULL,
        qualified_name TEXT NOT NULL,
        kind TEXT NOT NULL,
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        signature TEXT NOT NULL,
        doc TEXT
      );
      CREATE INDEX symbols_by_name ON symbols (name);
      CREATE INDEX symbols_by_file ON symbols (file_id);

      -- Who references a name: one B-tree keyed by name. The outgoing side is chunks.refs, which is also how a
      -- chunk's rows here are found again when its file is replaced (no second index to maintain on bulk insert).
      CREATE TABLE refs (
        name TEXT NOT NULL,
        chunk_id INTEGER NOT NULL,
        PRIMARY KEY (name, chunk_id)
      ) WITHOUT ROWID;

      CREATE TABLE token_counts (
        content_hash TEXT NOT NULL,
        encoding TEXT NOT NULL,
        tokens INTEGER NOT NULL,
        PRIMARY KEY (content_hash, encoding)
      ) WITHOUT ROWID;

      CREATE VIRTUAL TABLE chunks_fts USING fts5(
        name, path, signature, body,
        content = '', contentless_delete = 1,
        tokenize = "unicode61 remove_diacritics 0 tokenchars '_$'"
      );
    `,
  },
  {
    version: 2,
    description: 'retrieval: FTS5 vocabulary (document frequency per term) to pick the informative words of long goals',
    sql: `CREATE VIRTUAL TABLE chunks_fts_vocab USING fts5vocab(chunks_fts, 'row');`,
  },
  {
    version: 3,
    description:
      'retrieval: Porter stemming in FTS5 ("mocked" finds "mock"); every file is re-indexed on the next refresh',
    sql: `
      DROP TABLE chunks_fts_vocab;
      DROP TABLE chunks_fts;
      CREATE VIRTUAL TABLE chunks_fts USING fts5(
        name, path, signature, body,
        content = '', contentless_delete = 1,
        tokenize = "porter unicode61 remove_diacritics 0 tokenchars '_$'"
      );
      CREATE VIRTUAL TABLE chunks_fts_vocab USING fts5vocab(chunks_fts, 'row');
      UPDATE files SET parser_version = 0;
      UPDATE index_state SET status = 'building';
    `,
  },
  {
    version: 4,
    description: 'embeddings: one normalised float32 vector per chunk and model',
    sql: `
      CREATE TABLE chunk_vectors (
        chunk_id INTEGER PRIMARY KEY,
        model TEXT NOT NULL,
        vector BLOB NOT NULL
      );
    `,
  },
  {
    version: 5,
    description:
      'ledger (src/ledger): one row per user request, one per upstream attempt, budget reservations, session novelty',
    sql: '',
    ledgerSql: `
      CREATE TABLE requests (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        completed_at TEXT,
        source TEXT NOT NULL CHECK (source IN ('cli', 'api', 'benchmark')),
        status TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'failed', 'blocked', 'dry_run')),
        goal_hash TEXT NOT NULL,
        session TEXT,
        route TEXT NOT NULL,
        tier TEXT,
        provider TEXT,
        model TEXT,
        class_reason TEXT,
        complexity_score REAL,
        context_tokens INTEGER NOT NULL DEFAULT 0,
        session_tokens_saved INTEGER NOT NULL DEFAULT 0,
        redactions INTEGER NOT NULL DEFAULT 0,
        cap_usd REAL,
        cap_action TEXT NOT NULL DEFAULT 'none',
        estimated_cost_usd REAL,
        cost_usd REAL NOT NULL DEFAULT 0,
        unpriced INTEGER NOT NULL DEFAULT 0,
        baseline_model TEXT,
        naive_baseline_tokens INTEGER NOT NULL DEFAULT 0,
        baseline_cost_usd REAL,
        cache TEXT NOT NULL DEFAULT 'miss',
        latency_ms INTEGER,
        error_class TEXT
      );
      CREATE INDEX requests_by_time ON requests (created_at);

      CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        local INTEGER NOT NULL DEFAULT 0,
        http_status INTEGER,
        error_class TEXT,
        latency_ms INTEGER,
        usage_format TEXT,
        usage_source TEXT NOT NULL DEFAULT 'none' CHECK (usage_source IN ('provider', 'local_count', 'none')),
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        cached_input_tokens INTEGER NOT NULL DEFAULT 0,
        cache_write_tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL,
        cost_is_estimate INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX calls_by_request ON calls (request_id);
      CREATE INDEX calls_by_time ON calls (created_at);

      CREATE TABLE budget_reservations (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        amount_usd REAL NOT NULL,
        created_at_ms INTEGER NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        expires_at_ms INTEGER NOT NULL
      );

      CREATE TABLE session_chunks (
        session TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        path TEXT NOT NULL,
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        run_id TEXT NOT NULL,
        PRIMARY KEY (session, content_hash)
      );
    `,
  },
  {
    version: 6,
    description:
      'ledger: the locally counted input tokens of a routed payload (for replies recorded later without usage)',
    sql: '',
    ledgerSql: `
      ALTER TABLE requests ADD COLUMN payload_tokens_local INTEGER;
    `,
  },
  {
    version: 7,
    description: 'benchmark (src/bench): one row per benchmark run and one per task of it',
    sql: `
      CREATE TABLE benchmark_runs (
        run_id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        dataset TEXT NOT NULL,
        runs INTEGER NOT NULL,
        dry_run INTEGER NOT NULL,
        passed INTEGER NOT NULL,
        overall TEXT NOT NULL,
        floors TEXT NOT NULL
      );
      CREATE TABLE benchmark_tasks (
        run_id TEXT NOT NULL REFERENCES benchmark_runs (run_id) ON DELETE CASCADE,
        task_id TEXT NOT NULL,
        corpus TEXT NOT NULL,
        goal TEXT NOT NULL,
        route TEXT NOT NULL,
        tier TEXT,
        model TEXT,
        pack_tokens INTEGER NOT NULL,
        gold_tokens INTEGER NOT NULL,
        drawn_tokens INTEGER NOT NULL,
        span_recall REAL NOT NULL,
        file_recall REAL NOT NULL,
        latency_ms INTEGER NOT NULL,
        baseline_usd REAL,
        routed_usd REAL,
        PRIMARY KEY (run_id, task_id)
      );
    `,
  },
  {
    version: 8,
    description: 'gateway (src/server): exact response cache with an expiry',
    sql: '',
    ledgerSql: `
      CREATE TABLE response_cache (
        key TEXT PRIMARY KEY,
        created_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        reply TEXT NOT NULL,
        cost_usd REAL
      );
    `,
  },
  {
    version: 9,
    description: 'apply-patch (src/patch): one row per applied patch, enough to verify and undo it',
    sql: `
      -- AUTOINCREMENT: a patch id is never reused, so "rollback-patch --patch-id N" cannot hit a newer patch.
      -- old_text/new_text are BLOBs: the bytes replaced, exactly (files need not be UTF-8).
      CREATE TABLE patches (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL,
        applied_at TEXT NOT NULL,
        before_hash TEXT NOT NULL,
        after_hash TEXT NOT NULL,
        offset_bytes INTEGER NOT NULL,
        old_text BLOB NOT NULL,
        new_text BLOB NOT NULL,
        rolled_back_at TEXT
      );
      CREATE INDEX patches_by_path ON patches (path, id);
    `,
  },
  {
    version: 10,
    description: 'gateway cache: expiry index (every insert deletes the expired entries; without it, a full scan)',
    sql: '',
    ledgerSql: `
      CREATE INDEX response_cache_by_expiry ON response_cache (expires_at_ms);
    `,
  },
  {
    version: 11,
    description:
      'ledger v2 (src/ledger/README.md): request statuses interrupted and client_disconnected, source mcp, the surface, ' +
      'the owning process of a pending row, savings by cause, unreported (bounded) cost; call roles, quotes and usage ' +
      'sources local_bound / client_disconnected / interrupted; cooldowns shared by every process',
    sql: `
      -- benchmark tasks: dollars split by cause (input side, list prices): the gold files and what was sent at the
      -- routed model's price (context packing), what was sent at baseline_model's (model choice).
      ALTER TABLE benchmark_tasks ADD COLUMN gold_usd REAL;
      ALTER TABLE benchmark_tasks ADD COLUMN sent_usd REAL;
      ALTER TABLE benchmark_tasks ADD COLUMN sent_baseline_usd REAL;
      ALTER TABLE benchmark_tasks ADD COLUMN run_request_id TEXT;
    `,
    // SQLite cannot change a CHECK constraint in place: the two tables are rebuilt. calls go first, so dropping the
    // old requests table (with foreign keys on, a DROP deletes its rows) has nothing left to cascade to.
    ledgerSql: `
      CREATE TABLE requests_v2 (
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
      INSERT INTO requests_v2 (id, run_id, created_at, completed_at, source, status, goal_hash, session, route, tier, classified_tier,
          provider, model, class_reason, complexity_score, context_tokens, session_tokens_saved, redactions, cap_usd, cap_action,
          estimated_cost_usd, cost_usd, unreported_cost_usd, unpriced, baseline_model, naive_baseline_tokens, baseline_cost_usd, cache,
          latency_ms, error_class, payload_tokens_local, attempts)
        SELECT r.id, r.run_id, r.created_at, r.completed_at, r.source, r.status, r.goal_hash, r.session, r.route, r.tier, r.tier,
          r.provider, r.model, r.class_reason, r.complexity_score, r.context_tokens, r.session_tokens_saved, r.redactions, r.cap_usd,
          r.cap_action, r.estimated_cost_usd, r.cost_usd,
          (SELECT COALESCE(SUM(c.cost_usd), 0) FROM calls c WHERE c.request_id = r.id AND c.cost_is_estimate = 1),
          r.unpriced, r.baseline_model, r.naive_baseline_tokens, r.baseline_cost_usd, r.cache, r.latency_ms, r.error_class,
          r.payload_tokens_local, (SELECT COUNT(*) FROM calls c WHERE c.request_id = r.id)
        FROM requests r;

      CREATE TABLE calls_v2 (
        id INTEGER PRIMARY KEY,
        request_id INTEGER NOT NULL REFERENCES requests_v2 (id) ON DELETE CASCADE,
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
      INSERT INTO calls_v2 (id, request_id, created_at, attempt, role, provider, model, local, http_status, error_class, latency_ms,
          usage_format, usage_source, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, cost_usd, cost_is_estimate)
        SELECT id, request_id, created_at, attempt, CASE WHEN attempt > 1 THEN 'retry' ELSE 'first' END, provider, model, local,
          http_status, error_class, latency_ms, usage_format, usage_source, input_tokens, output_tokens, cached_input_tokens,
          cache_write_tokens, cost_usd, cost_is_estimate
        FROM calls;

      DROP TABLE calls;
      DROP TABLE requests;
      ALTER TABLE requests_v2 RENAME TO requests;
      ALTER TABLE calls_v2 RENAME TO calls;
      CREATE INDEX requests_by_time ON requests (created_at);
      CREATE INDEX calls_by_request ON calls (request_id);

      ALTER TABLE budget_reservations ADD COLUMN request_id INTEGER;
      ALTER TABLE budget_reservations ADD COLUMN provider TEXT;
      ALTER TABLE budget_reservations ADD COLUMN model TEXT;
      ALTER TABLE budget_reservations ADD COLUMN role TEXT;

      -- What every call counted for, per UTC day, kept with each calls row: a budget check reads a day or a month
      -- of these instead of summing every call of the month.
      CREATE TABLE spend_by_day (day TEXT PRIMARY KEY, usd REAL NOT NULL);
      INSERT INTO spend_by_day (day, usd)
        SELECT substr(created_at, 1, 10), SUM(cost_usd) FROM calls WHERE cost_usd IS NOT NULL GROUP BY 1;

      CREATE TABLE cooldowns (
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        until_ms INTEGER NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (provider, model)
      );
    `,
  },
  {
    version: 12,
    description:
      'index: the tree snapshot of the last scan (directories and the ignore files it read, with their mtimes), so a ' +
      'reader can tell an unchanged tree by stat calls alone (keep-index-fresh.ts)',
    sql: `
      CREATE TABLE tree_snapshot (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        scan_options TEXT NOT NULL,
        entries TEXT NOT NULL
      );
    `,
  },
  {
    version: 13,
    description:
      'retrieval: the history index — past commits reachable from HEAD (message, time, changed files) for ranking by ' +
      'similar past fixes and by co-change (refresh-history.ts)',
    sql: `
      CREATE TABLE history_commits (
        id INTEGER PRIMARY KEY,
        sha TEXT NOT NULL UNIQUE,
        committed_at INTEGER NOT NULL,
        file_count INTEGER NOT NULL
      );
      CREATE TABLE history_files (
        commit_id INTEGER NOT NULL REFERENCES history_commits (id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        PRIMARY KEY (commit_id, path)
      ) WITHOUT ROWID;
      CREATE INDEX history_files_by_path ON history_files (path);
      CREATE VIRTUAL TABLE history_fts USING fts5(
        message,
        content = '', contentless_delete = 1,
        tokenize = "porter unicode61 remove_diacritics 0 tokenchars '_$'"
      );
      CREATE VIRTUAL TABLE history_fts_vocab USING fts5vocab(history_fts, 'row');
      CREATE TABLE history_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        head TEXT,
        max_commits INTEGER NOT NULL,
        commits INTEGER NOT NULL,
        elapsed_ms INTEGER NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
];
