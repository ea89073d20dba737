import { openLedgerFile } from './seed-ledger.js';

/**
 * A ledger of `requests` requests, each with one call, appended oldest first over `spanMs` up to `now` (ids grow
 * with time, as in a real ledger). Plain SQL inserts following src/ledger/README.md, like seed-ledger.ts, but built
 * for size: what the reports and the gateway must stay responsive over, not hand-checked figures.
 * Ids start after any rows already there, so a ledger can be grown in steps.
 */
export async function seedLargeLedger(
  dataDir: string,
  requests: number,
  options: { now?: string; spanMs?: number } = {},
): Promise<void> {
  const now = Date.parse(options.now ?? '2026-11-20T12:00:00.000Z');
  const spanMs = options.spanMs ?? 29 * 86_400_000;
  const db = await openLedgerFile(dataDir);
  try {
    const first = Number((db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM requests').get() as { id: number }).id);
    const insertRequest = db.prepare(
      `INSERT INTO requests (id, run_id, created_at, completed_at, source, surface, status, goal_hash, route, tier,
         provider, model, context_tokens, naive_baseline_tokens, packed_tokens, context_saving_tokens, cost_usd,
         latency_ms, cache, attempts)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'h', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
    );
    const insertCall = db.prepare(
      `INSERT INTO calls (request_id, created_at, attempt, role, provider, model, local, http_status, error_class,
         latency_ms, usage_format, usage_source, input_tokens, output_tokens, cost_usd, cost_is_estimate, quote_usd)
       VALUES (?, ?, 1, 'first', ?, ?, ?, ?, ?, ?, 'openai', ?, ?, ?, ?, 0, ?)`,
    );
    const BATCH = 20_000;
    for (let start = 0; start < requests; start += BATCH) {
      db.transaction(() => {
        for (let index = start; index < Math.min(requests, start + BATCH); index++) {
          const id = first + index + 1;
          const at = new Date(now - spanMs + Math.floor(((index + 1) * spanMs) / (requests + 1))).toISOString();
          const local = index % 5 === 4;
          const failed = index % 97 === 0;
          const naive = 2000 + ((index * 7919) % 20_000);
          const input = Math.floor(naive * 0.3);
          const cost = local || failed ? 0 : (input * 0.15 + 200 * 0.6) / 1e6;
          const [provider, model] = local ? ['ollama', 'qwen'] : ['llm_client', 'gpt-4o-mini'];
          insertRequest.run(
            id,
            `run-${id}`,
            at,
            at,
            index % 10 === 0 ? 'api' : 'cli',
            index % 10 === 0 ? 'chat-completions' : 'auto-start-request',
            failed ? 'failed' : 'completed',
            local ? 'local_model' : 'external',
            local ? 'simple' : 'standard',
            provider,
            model,
            input,
            naive,
            input,
            naive - input,
            cost,
            200 + ((index * 104_729) % 3000),
            index % 50 === 0 ? 'exact' : 'miss',
          );
          insertCall.run(
            id,
            at,
            provider,
            model,
            local ? 1 : 0,
            failed ? 500 : 200,
            failed ? 'server' : null,
            150,
            failed ? 'none' : 'provider',
            failed ? 0 : input,
            failed ? 0 : 200,
            failed ? null : cost,
            cost * 2,
          );
        }
      })();
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
