import type { Db } from '../indexing/open-database.js';
import type { ReportWindow } from './report-window.js';
import { sourceFilter, windowFilter, windowParams } from './ledger-scope.js';

/** metrics-report: the ledger broken down every way an operator asks about, for one window. */
export interface MetricsReport {
  window: { start: string | null; end: string; label: string };
  totals: { requests: number; by_status: Record<string, number>; calls: number; spend_usd: number; estimated_spend_usd: number; input_tokens: number; output_tokens: number };
  by_route_tier: Array<{ route: string; tier: string | null; requests: number; spend_usd: number }>;
  by_provider_model: Array<{ provider: string; model: string; calls: number; input_tokens: number; output_tokens: number; cached_input_tokens: number; cache_write_tokens: number; spend_usd: number }>;
  by_day: Array<{ day: string; requests: number; spend_usd: number }>;
  latency_ms: { p50: number | null; p95: number | null };
  errors: { calls: number; by_class: Record<string, { calls: number; rate: number }> };
  cap_actions: Record<'shrunk' | 'cheaper_tier' | 'local' | 'blocked', number>;
  cache_hits: number;
  redactions: number;
  top_requests: Array<{ run_id: string; created_at: string; route: string; provider: string | null; model: string | null; spend_usd: number }>;
}

const round = (value: number): number => Math.round(value * 1e6) / 1e6;

export function metricsReport(db: Db, window: ReportWindow, options: { topN?: number; includeBenchmark?: boolean } = {}): MetricsReport {
  const scope = `${sourceFilter(Boolean(options.includeBenchmark))} AND ${windowFilter('r.created_at')}`;
  const params = windowParams(window);
  const all = <T>(sql: string, ...extra: unknown[]): T[] => db.prepare(sql).all(...params, ...extra) as T[];
  const one = <T>(sql: string, ...extra: unknown[]): T => db.prepare(sql).get(...params, ...extra) as T;

  const statuses = all<{ status: string; n: number }>(`SELECT r.status, COUNT(*) AS n FROM requests r WHERE ${scope} GROUP BY r.status ORDER BY r.status`);
  const callTotals = one<{ calls: number; real: number; estimated: number; input: number; output: number }>(
    `SELECT COUNT(*) AS calls, COALESCE(SUM(CASE WHEN c.cost_is_estimate = 0 THEN c.cost_usd END), 0) AS real,
            COALESCE(SUM(CASE WHEN c.cost_is_estimate = 1 THEN c.cost_usd END), 0) AS estimated,
            COALESCE(SUM(c.input_tokens), 0) AS input, COALESCE(SUM(c.output_tokens), 0) AS output
     FROM calls c JOIN requests r ON r.id = c.request_id WHERE ${scope}`,
  );
  const latencies = all<{ latency_ms: number }>(`SELECT r.latency_ms FROM requests r WHERE ${scope} AND r.status = 'completed' AND r.latency_ms IS NOT NULL ORDER BY r.latency_ms`).map((row) => row.latency_ms);
  const percentile = (p: number): number | null => (latencies.length === 0 ? null : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!);
  const errorRows = all<{ error_class: string; n: number }>(`SELECT c.error_class, COUNT(*) AS n FROM calls c JOIN requests r ON r.id = c.request_id WHERE ${scope} AND c.error_class IS NOT NULL GROUP BY c.error_class ORDER BY c.error_class`);
  const caps = all<{ cap_action: string; n: number }>(`SELECT r.cap_action, COUNT(*) AS n FROM requests r WHERE ${scope} AND r.cap_action != 'none' GROUP BY r.cap_action`);
  const misc = one<{ cache_hits: number; redactions: number }>(`SELECT COALESCE(SUM(CASE WHEN r.cache != 'miss' THEN 1 ELSE 0 END), 0) AS cache_hits, COALESCE(SUM(r.redactions), 0) AS redactions FROM requests r WHERE ${scope}`);
  const requests = statuses.reduce((sum, row) => sum + row.n, 0);

  return {
    window: { ...window },
    totals: {
      requests, by_status: Object.fromEntries(statuses.map((row) => [row.status, row.n])), calls: callTotals.calls,
      spend_usd: round(callTotals.real), estimated_spend_usd: round(callTotals.estimated), input_tokens: callTotals.input, output_tokens: callTotals.output,
    },
    by_route_tier: all<{ route: string; tier: string | null; requests: number; spend_usd: number }>(
      `SELECT r.route, r.tier, COUNT(*) AS requests, COALESCE(SUM(r.cost_usd), 0) AS spend_usd FROM requests r WHERE ${scope} GROUP BY r.route, r.tier ORDER BY r.route, r.tier`,
    ).map((row) => ({ ...row, spend_usd: round(row.spend_usd) })),
    by_provider_model: all<MetricsReport['by_provider_model'][number]>(
      `SELECT c.provider, c.model, COUNT(*) AS calls, SUM(c.input_tokens) AS input_tokens, SUM(c.output_tokens) AS output_tokens,
              SUM(c.cached_input_tokens) AS cached_input_tokens, SUM(c.cache_write_tokens) AS cache_write_tokens,
              COALESCE(SUM(CASE WHEN c.cost_is_estimate = 0 THEN c.cost_usd END), 0) AS spend_usd
       FROM calls c JOIN requests r ON r.id = c.request_id WHERE ${scope} GROUP BY c.provider, c.model ORDER BY c.provider, c.model`,
    ).map((row) => ({ ...row, spend_usd: round(row.spend_usd) })),
    by_day: all<{ day: string; requests: number; spend_usd: number }>(
      `SELECT substr(r.created_at, 1, 10) AS day, COUNT(*) AS requests, COALESCE(SUM(r.cost_usd), 0) AS spend_usd FROM requests r WHERE ${scope} GROUP BY day ORDER BY day`,
    ).map((row) => ({ ...row, spend_usd: round(row.spend_usd) })),
    latency_ms: { p50: percentile(50), p95: percentile(95) },
    errors: {
      calls: callTotals.calls,
      by_class: Object.fromEntries(errorRows.map((row) => [row.error_class, { calls: row.n, rate: callTotals.calls === 0 ? 0 : Math.round((10_000 * row.n) / callTotals.calls) / 10_000 }])),
    },
    cap_actions: {
      shrunk: caps.find((row) => row.cap_action === 'shrunk')?.n ?? 0,
      cheaper_tier: caps.find((row) => row.cap_action === 'cheaper_tier')?.n ?? 0,
      local: caps.find((row) => row.cap_action === 'local')?.n ?? 0,
      blocked: caps.find((row) => row.cap_action === 'blocked')?.n ?? 0,
    },
    cache_hits: misc.cache_hits,
    redactions: misc.redactions,
    top_requests: all<MetricsReport['top_requests'][number]>(
      `SELECT r.run_id, r.created_at, r.route, r.provider, r.model, r.cost_usd AS spend_usd FROM requests r WHERE ${scope} AND r.cost_usd > 0 ORDER BY r.cost_usd DESC, r.id LIMIT ?`,
      options.topN ?? 10,
    ).map((row) => ({ ...row, spend_usd: round(row.spend_usd) })),
  };
}
