import path from 'node:path';
import { openDatabase, type Db } from '../../src/indexing/open-database.js';
import { migratedLedgerStore } from '../../src/ledger/ledger-store.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';

/**
 * A ledger v2 holding every kind of row, written with plain SQL inserts that follow src/ledger/README.md (the
 * writers' contract) — not through the writers, which are being rewritten elsewhere. Every expected figure in
 * test/integration/report/ledger-agreement.test.ts is computed by hand from these rows.
 *
 * Prices the savings were worked out with (per 1M tokens): gpt-4o-mini 0.15 in / 0.60 out, gpt-4o 2.50 / 10.00,
 * baseline_model gpt-4o (input 2.50). The columns hold the results; the reports never re-price anything.
 */
export const SEED_NOW = '2026-11-20T12:00:00.000Z';
/** Start of the 7-day window ending at SEED_NOW. */
export const SEED_WINDOW_START = '2026-11-13T12:00:00.000Z';

type Row = Record<string, string | number | null>;
export interface SeedCall extends Row {}
export interface SeedRequest {
  request: Row;
  calls?: SeedCall[];
}

const external = { provider: 'llm_client', model: 'gpt-4o-mini', tier: 'standard', baseline_model: 'gpt-4o' };

/** R1…R16 fall in the 7-day window ending at SEED_NOW; B1, B2 are benchmark rows in it; O1, O2 are older. */
export const SEED: Record<string, SeedRequest> = {
  // CLI, auto-start-request, answered by the external provider with context packed in place of whole files.
  R1: {
    request: {
      created_at: '2026-11-19T10:00:00.000Z',
      source: 'cli',
      surface: 'auto-start-request',
      status: 'completed',
      route: 'external',
      ...external,
      classified_tier: 'standard',
      estimated_cost_usd: 0.002,
      cost_usd: 0.0006,
      context_tokens: 1950,
      naive_baseline_tokens: 10_000,
      packed_tokens: 2000,
      context_saving_tokens: 8000,
      context_saving_usd: 0.0012,
      routing_saving_usd: 0.0044,
      latency_ms: 1200,
      redactions: 2,
      attempts: 1,
    },
    calls: [
      {
        role: 'first',
        ...{ provider: 'llm_client', model: 'gpt-4o-mini' },
        http_status: 200,
        usage_source: 'provider',
        input_tokens: 2000,
        output_tokens: 100,
        cached_input_tokens: 500,
        cost_usd: 0.0006,
        cost_is_estimate: 0,
        quote_usd: 0.002,
      },
    ],
  },
  // API (product API route-or-run): a local answer, no call.
  R2: {
    request: {
      created_at: '2026-11-18T09:00:00.000Z',
      source: 'api',
      surface: 'route-or-run',
      status: 'completed',
      route: 'local_answer',
      baseline_model: 'gpt-4o',
      local_saving_usd: 0.000025,
      latency_ms: 8,
    },
  },
  // MCP route_or_run: answered by a local model (provider-reported usage, $0), packed context.
  R3: {
    request: {
      created_at: '2026-11-17T08:00:00.000Z',
      source: 'mcp',
      surface: 'mcp:route_or_run',
      status: 'completed',
      route: 'local_model',
      tier: 'simple',
      provider: 'ollama',
      model: 'qwen',
      cap_action: 'local',
      limit_reason: 'cap',
      naive_baseline_tokens: 3000,
      packed_tokens: 800,
      context_saving_tokens: 2200,
      context_saving_usd: 0,
      local_saving_usd: 0.0000005,
      latency_ms: 300,
      attempts: 1,
    },
    calls: [
      {
        role: 'first',
        provider: 'ollama',
        model: 'qwen',
        local: 1,
        http_status: 200,
        usage_source: 'provider',
        input_tokens: 800,
        output_tokens: 50,
        cost_usd: 0,
        cost_is_estimate: 0,
        quote_usd: 0,
      },
    ],
  },
  // Drop-in chat completions, an exact cache hit (replays an external answer).
  R4: {
    request: {
      created_at: '2026-11-16T07:00:00.000Z',
      source: 'api',
      surface: 'chat-completions',
      status: 'completed',
      route: 'external',
      ...external,
      requested_model: 'auto',
      cache: 'exact',
      cache_saving_usd: 0.0006,
      latency_ms: 5,
    },
  },
  // Drop-in messages, coalesced onto a concurrent identical request.
  R5: {
    request: {
      created_at: '2026-11-16T07:00:01.000Z',
      source: 'api',
      surface: 'messages',
      status: 'completed',
      route: 'external',
      ...external,
      requested_model: 'auto',
      cache: 'coalesced',
      cache_saving_usd: 0.0006,
      latency_ms: 900,
    },
  },
  // CLI, failed: a 500 and its retry, no billable answer.
  R6: {
    request: {
      created_at: '2026-11-15T06:00:00.000Z',
      source: 'cli',
      surface: 'auto-start-request',
      status: 'failed',
      route: 'external',
      ...external,
      estimated_cost_usd: 0.002,
      error_class: 'server',
      latency_ms: 3000,
      attempts: 2,
    },
    calls: [
      { role: 'first', ...{ provider: 'llm_client', model: 'gpt-4o-mini' }, http_status: 500, error_class: 'server' },
      { role: 'retry', ...{ provider: 'llm_client', model: 'gpt-4o-mini' }, http_status: 500, error_class: 'server' },
    ],
  },
  // CLI, blocked by the per-request cap before any call.
  R7: {
    request: {
      created_at: '2026-11-15T05:00:00.000Z',
      source: 'cli',
      surface: 'auto-start-request',
      status: 'blocked',
      route: 'blocked',
      cap_usd: 0.01,
      cap_action: 'blocked',
      limit_reason: 'cap',
      estimated_cost_usd: 0.05,
    },
  },
  // CLI dry run: a quote, never spent; its packed context is not an answered request's.
  R8: {
    request: {
      created_at: '2026-11-14T12:00:00.000Z',
      source: 'cli',
      surface: 'auto-start-request',
      status: 'dry_run',
      route: 'external',
      ...external,
      estimated_cost_usd: 0.0123,
      naive_baseline_tokens: 6000,
      packed_tokens: 1500,
    },
  },
  // CLI route-request: a payload handed to the user, pending.
  R9: {
    request: {
      created_at: '2026-11-19T11:00:00.000Z',
      source: 'cli',
      surface: 'route-request',
      status: 'pending',
      route: 'external',
      ...external,
      estimated_cost_usd: 0.004,
      payload_tokens_local: 1500,
      payload_tokens_bound: 1800,
    },
  },
  // Drop-in, a fallback: the primary answered 503, the backup served. Context added to the bare prompt (a cost).
  R10: {
    request: {
      created_at: '2026-11-18T15:00:00.000Z',
      source: 'api',
      surface: 'chat-completions',
      status: 'completed',
      route: 'external',
      tier: 'standard',
      provider: 'backup',
      model: 'gpt-4o-mini',
      requested_model: 'auto',
      baseline_model: 'gpt-4o',
      cost_usd: 0.00027,
      routing_saving_usd: 0.001,
      context_added_tokens: 500,
      context_added_usd: 0.000075,
      latency_ms: 2000,
      attempts: 2,
      fallbacks: 1,
    },
    calls: [
      { role: 'first', provider: 'primary', model: 'gpt-4o-mini', http_status: 503, error_class: 'server' },
      {
        role: 'fallback',
        provider: 'backup',
        model: 'gpt-4o-mini',
        http_status: 200,
        usage_source: 'provider',
        input_tokens: 1000,
        output_tokens: 200,
        cache_write_tokens: 100,
        cost_usd: 0.00027,
        cost_is_estimate: 0,
        quote_usd: 0.001,
      },
    ],
  },
  // Drop-in, an escalation from gpt-4o-mini to gpt-4o: a dearer model served, so routing saved a negative amount.
  R11: {
    request: {
      created_at: '2026-11-18T16:00:00.000Z',
      source: 'api',
      surface: 'chat-completions',
      status: 'completed',
      route: 'external',
      tier: 'strong',
      classified_tier: 'standard',
      provider: 'llm_client',
      model: 'gpt-4o',
      requested_model: 'auto',
      baseline_model: 'gpt-4o',
      cost_usd: 0.00589,
      routing_saving_usd: -0.00089,
      latency_ms: 4000,
      attempts: 2,
      escalations: 1,
    },
    calls: [
      {
        role: 'first',
        provider: 'llm_client',
        model: 'gpt-4o-mini',
        http_status: 200,
        usage_source: 'provider',
        input_tokens: 1000,
        output_tokens: 400,
        cost_usd: 0.00039,
        cost_is_estimate: 0,
        quote_usd: 0.001,
      },
      {
        role: 'escalation',
        provider: 'llm_client',
        model: 'gpt-4o',
        http_status: 200,
        usage_source: 'provider',
        input_tokens: 1000,
        output_tokens: 300,
        cost_usd: 0.0055,
        cost_is_estimate: 0,
        quote_usd: 0.008,
      },
    ],
  },
  // Drop-in, streamed: the upstream stream carried no usage, so the call is at its local bound (unreported).
  R12: {
    request: {
      created_at: '2026-11-17T20:00:00.000Z',
      source: 'api',
      surface: 'chat-completions',
      status: 'completed',
      route: 'external',
      ...external,
      requested_model: 'gpt-4o-mini',
      unreported_cost_usd: 0.0004,
      latency_ms: 1500,
      attempts: 1,
    },
    calls: [
      {
        role: 'first',
        provider: 'llm_client',
        model: 'gpt-4o-mini',
        http_status: 200,
        usage_source: 'local_bound',
        input_tokens: 1200,
        output_tokens: 150,
        cost_usd: 0.0004,
        cost_is_estimate: 1,
        quote_usd: 0.0009,
      },
    ],
  },
  // Drop-in, streamed, the client went away: cost at the attempt's quote (a float sum with noise in its digits).
  R13: {
    request: {
      created_at: '2026-11-17T21:00:00.000Z',
      source: 'api',
      surface: 'chat-completions',
      status: 'client_disconnected',
      route: 'external',
      ...external,
      requested_model: 'auto',
      unreported_cost_usd: 0.00024944999999999996,
      attempts: 1,
    },
    calls: [
      {
        role: 'first',
        provider: 'llm_client',
        model: 'gpt-4o-mini',
        http_status: 200,
        usage_source: 'client_disconnected',
        input_tokens: 700,
        output_tokens: 30,
        cost_usd: 0.00024944999999999996,
        cost_is_estimate: 1,
        quote_usd: 0.00024944999999999996,
      },
    ],
  },
  // CLI, its process died mid-call: the call's outcome is unknown, counted at its quote.
  R14: {
    request: {
      created_at: '2026-11-16T22:00:00.000Z',
      source: 'cli',
      surface: 'auto-start-request',
      status: 'interrupted',
      route: 'external',
      ...external,
      estimated_cost_usd: 0.003,
      unreported_cost_usd: 0.003,
      error_class: 'timeout',
      attempts: 1,
    },
    calls: [
      {
        role: 'first',
        provider: 'llm_client',
        model: 'gpt-4o-mini',
        error_class: 'timeout',
        usage_source: 'interrupted',
        cost_usd: 0.003,
        cost_is_estimate: 1,
        quote_usd: 0.003,
      },
    ],
  },
  // A row written before ledger v2 (surface NULL, locally counted usage, no packed_tokens, no savings).
  R15: {
    request: {
      created_at: '2026-11-14T09:00:00.000Z',
      source: 'cli',
      status: 'completed',
      route: 'external',
      ...external,
      unreported_cost_usd: 0.0002,
      naive_baseline_tokens: 1500,
      baseline_cost_usd: 0.00375,
      latency_ms: 600,
      attempts: 1,
    },
    calls: [
      {
        role: 'first',
        provider: 'llm_client',
        model: 'gpt-4o-mini',
        usage_source: 'local_count',
        input_tokens: 900,
        output_tokens: 40,
        cost_usd: 0.0002,
        cost_is_estimate: 1,
      },
    ],
  },
  // CLI route-request answered later by handle-remote-response (role remote), exactly at the window's start.
  R16: {
    request: {
      created_at: SEED_WINDOW_START,
      source: 'cli',
      surface: 'route-request',
      status: 'completed',
      route: 'external',
      ...external,
      cost_usd: 0.000171,
      naive_baseline_tokens: 5000,
      packed_tokens: 900,
      context_saving_tokens: 4100,
      context_saving_usd: 0.000615,
      routing_saving_usd: 0.0013,
      latency_ms: 450,
      attempts: 1,
    },
    calls: [
      {
        role: 'remote',
        provider: 'llm_client',
        model: 'gpt-4o-mini',
        http_status: 200,
        usage_source: 'provider',
        input_tokens: 900,
        output_tokens: 60,
        cost_usd: 0.000171,
        cost_is_estimate: 0,
      },
    ],
  },
  // Benchmark rows: a dry-run task and a task really sent.
  B1: {
    request: {
      created_at: '2026-11-19T05:00:00.000Z',
      source: 'benchmark',
      surface: 'benchmark-run',
      status: 'dry_run',
      route: 'external',
      ...external,
      estimated_cost_usd: 0.0007,
      naive_baseline_tokens: 4000,
      packed_tokens: 1000,
    },
  },
  B2: {
    request: {
      created_at: '2026-11-19T05:00:01.000Z',
      source: 'benchmark',
      surface: 'benchmark-run',
      status: 'completed',
      route: 'external',
      ...external,
      cost_usd: 0.000153,
      naive_baseline_tokens: 4000,
      packed_tokens: 1000,
      context_saving_tokens: 3000,
      context_saving_usd: 0.00045,
      routing_saving_usd: 0.0024,
      latency_ms: 700,
      attempts: 1,
    },
    calls: [
      {
        role: 'first',
        provider: 'llm_client',
        model: 'gpt-4o-mini',
        http_status: 200,
        usage_source: 'provider',
        input_tokens: 1000,
        output_tokens: 5,
        cost_usd: 0.000153,
        cost_is_estimate: 0,
      },
    ],
  },
  // Older than the 7-day window.
  O1: {
    request: {
      created_at: '2026-10-01T00:00:00.000Z',
      source: 'cli',
      surface: 'auto-start-request',
      status: 'completed',
      route: 'external',
      ...external,
      cost_usd: 1,
      naive_baseline_tokens: 1,
      packed_tokens: 1,
      context_saving_tokens: 0,
      context_saving_usd: 0,
      latency_ms: 99_999,
      attempts: 1,
    },
    calls: [
      {
        role: 'first',
        provider: 'llm_client',
        model: 'gpt-4o-mini',
        http_status: 200,
        usage_source: 'provider',
        input_tokens: 1,
        output_tokens: 1,
        cost_usd: 1,
        cost_is_estimate: 0,
      },
    ],
  },
  // A request a second before the window whose call was written inside it: the call belongs to its request.
  O2: {
    request: {
      created_at: '2026-11-13T11:59:59.000Z',
      source: 'api',
      surface: 'route-or-run',
      status: 'completed',
      route: 'external',
      ...external,
      cost_usd: 0.5,
      latency_ms: 100,
      attempts: 1,
    },
    calls: [
      {
        created_at: '2026-11-13T12:00:05.000Z',
        role: 'first',
        provider: 'llm_client',
        model: 'gpt-4o-mini',
        http_status: 200,
        usage_source: 'provider',
        input_tokens: 100,
        output_tokens: 10,
        cost_usd: 0.5,
        cost_is_estimate: 0,
      },
    ],
  },
};

function insert(db: Db, table: string, row: Row): number {
  const columns = Object.keys(row);
  return Number(
    db
      .prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
      .run(...columns.map((column) => row[column])).lastInsertRowid,
  );
}

/**
 * The database file of a data dir, as a front door that writes the ledger has it: created and migrated by
 * openDatabase (the index's tables), then by the ledger's own list (its tables).
 */
export async function openLedgerFile(dataDir: string): Promise<Db> {
  const db = openDatabase(path.join(dataDir, 'codecontext.db'));
  await migratedLedgerStore(SqliteStore.of(db));
  return db;
}

/** Write SEED into the database of a data dir (see openLedgerFile). */
export async function seedEveryKindOfRow(dataDir: string, seed: Record<string, SeedRequest> = SEED): Promise<void> {
  const db = await openLedgerFile(dataDir);
  try {
    db.transaction(() => {
      for (const [runId, { request, calls = [] }] of Object.entries(seed)) {
        const finished = request.status !== 'pending';
        const id = insert(db, 'requests', {
          run_id: runId,
          goal_hash: `goal-${runId}`,
          completed_at: finished ? request.created_at! : null,
          ...request,
        });
        calls.forEach((call, index) =>
          insert(db, 'calls', { request_id: id, created_at: request.created_at!, attempt: index + 1, ...call }),
        );
      }
    })();
  } finally {
    db.close();
  }
}
