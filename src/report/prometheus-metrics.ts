import type { Db } from '../indexing/open-database.js';

/**
 * Prometheus text exposition of the ledger's all-time totals (the ledger is append-only, so they are counters):
 * requests by route/status, tokens and spend by provider/model, savings, cache hits, and a request-latency
 * histogram. Computed from SQLite at scrape time: one pass over each table.
 */
const LATENCY_BUCKETS_MS = [50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000];

const label = (value: unknown): string =>
  String(value ?? '')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n');

export function prometheusMetrics(db: Db): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'histogram' | 'gauge', help: string): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };

  metric('codecontext_requests_total', 'counter', 'Requests by source, route, status and cache outcome.');
  for (const row of db
    .prepare('SELECT source, route, status, cache, COUNT(*) AS n FROM requests GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4')
    .all() as Array<{ source: string; route: string; status: string; cache: string; n: number }>) {
    lines.push(
      `codecontext_requests_total{source="${label(row.source)}",route="${label(row.route)}",status="${label(row.status)}",cache="${label(row.cache)}"} ${row.n}`,
    );
  }

  const byModel = db
    .prepare(
      `SELECT provider, model, COUNT(*) AS calls, SUM(input_tokens) AS input, SUM(output_tokens) AS output, SUM(cached_input_tokens) AS cached,
            SUM(cache_write_tokens) AS cache_write, COALESCE(SUM(CASE WHEN cost_is_estimate = 0 THEN cost_usd END), 0) AS spend
     FROM calls GROUP BY 1, 2 ORDER BY 1, 2`,
    )
    .all() as Array<{
    provider: string;
    model: string;
    calls: number;
    input: number;
    output: number;
    cached: number;
    cache_write: number;
    spend: number;
  }>;
  metric('codecontext_calls_total', 'counter', 'Upstream attempts by provider and model.');
  for (const row of byModel)
    lines.push(`codecontext_calls_total{provider="${label(row.provider)}",model="${label(row.model)}"} ${row.calls}`);
  metric('codecontext_tokens_total', 'counter', 'Provider-reported tokens by provider, model and kind.');
  for (const row of byModel) {
    for (const [kind, value] of [
      ['input', row.input],
      ['output', row.output],
      ['cached_input', row.cached],
      ['cache_write', row.cache_write],
    ] as const) {
      lines.push(
        `codecontext_tokens_total{provider="${label(row.provider)}",model="${label(row.model)}",kind="${kind}"} ${value}`,
      );
    }
  }
  metric(
    'codecontext_spend_usd_total',
    'counter',
    'Real spend (provider-reported usage × price) by provider and model.',
  );
  for (const row of byModel)
    lines.push(
      `codecontext_spend_usd_total{provider="${label(row.provider)}",model="${label(row.model)}"} ${row.spend}`,
    );

  const totals = db
    .prepare(
      `SELECT COALESCE(SUM(baseline_cost_usd), 0) AS baseline, COALESCE(SUM(cost_usd), 0) AS spend, COALESCE(SUM(cache != 'miss'), 0) AS hits
    FROM requests WHERE status = 'completed'`,
    )
    .get() as { baseline: number; spend: number; hits: number };
  metric('codecontext_savings_usd_total', 'counter', 'Naive-baseline cost minus spend over completed requests.');
  lines.push(`codecontext_savings_usd_total ${totals.baseline - totals.spend}`);
  metric('codecontext_cache_hits_total', 'counter', 'Requests answered from the exact cache or coalesced.');
  lines.push(`codecontext_cache_hits_total ${totals.hits}`);

  metric('codecontext_request_latency_ms', 'histogram', 'Latency of completed requests in milliseconds.');
  const bucketSql = LATENCY_BUCKETS_MS.map((bound) => `SUM(latency_ms <= ${bound}) AS "le_${bound}"`).join(', ');
  const histogram = db
    .prepare(
      `SELECT COUNT(*) AS n, COALESCE(SUM(latency_ms), 0) AS total, ${bucketSql} FROM requests WHERE status = 'completed' AND latency_ms IS NOT NULL`,
    )
    .get() as Record<string, number | null>;
  for (const bound of LATENCY_BUCKETS_MS)
    lines.push(`codecontext_request_latency_ms_bucket{le="${bound}"} ${histogram[`le_${bound}`] ?? 0}`);
  lines.push(
    `codecontext_request_latency_ms_bucket{le="+Inf"} ${histogram.n ?? 0}`,
    `codecontext_request_latency_ms_sum ${histogram.total ?? 0}`,
    `codecontext_request_latency_ms_count ${histogram.n ?? 0}`,
  );
  return `${lines.join('\n')}\n`;
}
