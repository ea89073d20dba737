import type { Db } from '../indexing/open-database.js';
import type { ReportWindow } from './report-window.js';
import { sourceFilter, windowFilter, windowParams } from './ledger-scope.js';

/** metrics-report: the ledger broken down every way an operator asks about, for one window. */
export interface MetricsReport {
  window: { start: string | null; end: string; label: string };
  totals: {
    requests: number;
    by_status: Record<string, number>;
    calls: number;
    spend_usd: number;
    estimated_spend_usd: number;
    input_tokens: number;
    output_tokens: number;
  };
  by_route_tier: Array<{ route: string; tier: string | null; requests: number; spend_usd: number }>;
  by_provider_model: Array<{
    provider: string;
    model: string;
    calls: number;
    input_tokens: number;
    output_tokens: number;
    cached_input_tokens: number;
    cache_write_tokens: number;
    spend_usd: number;
  }>;
  by_day: Array<{ day: string; requests: number; spend_usd: number; baseline_usd: number }>;
  latency_ms: { p50: number | null; p95: number | null };
  errors: { calls: number; by_class: Record<string, { calls: number; rate: number }> };
  cap_actions: Record<'shrunk' | 'cheaper_tier' | 'local' | 'blocked', number>;
  cache_hits: number;
  redactions: number;
  top_requests: Array<{
    run_id: string;
    created_at: string;
    route: string;
    provider: string | null;
    model: string | null;
    spend_usd: number;
  }>;
}

const round = (value: number): number => Math.round(value * 1e6) / 1e6;

/** Requests grouped by every dimension the report breaks down by (a few hundred rows, rolled up here). */
interface RequestGroup {
  status: string;
  route: string;
  tier: string | null;
  day: string;
  cap_action: string;
  hit: number;
  n: number;
  cost: number;
  baseline: number;
  redactions: number;
}

/** Calls grouped by provider, model and error class. */
interface CallGroup {
  provider: string;
  model: string;
  error_class: string | null;
  n: number;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  cache_write_tokens: number;
  real: number;
  estimated: number;
}

/**
 * Grouped in SQLite (materialising 20k rows as JS objects cost more than the scans), rolled up here: one pass over
 * the window's requests, one over their calls, the latency percentiles and the top-N.
 */
export function metricsReport(
  db: Db,
  window: ReportWindow,
  options: { topN?: number; includeBenchmark?: boolean } = {},
): MetricsReport {
  const scope = `${sourceFilter(Boolean(options.includeBenchmark))} AND ${windowFilter('r', window)}`;
  const params = windowParams(window);
  const groups = db
    .prepare(
      `SELECT r.status, r.route, r.tier, substr(r.created_at, 1, 10) AS day, r.cap_action, r.cache != 'miss' AS hit,
            COUNT(*) AS n, COALESCE(SUM(r.cost_usd), 0) AS cost, COALESCE(SUM(r.baseline_cost_usd), 0) AS baseline, COALESCE(SUM(r.redactions), 0) AS redactions
     FROM requests r WHERE ${scope} GROUP BY 1, 2, 3, 4, 5, 6`,
    )
    .all(...params) as RequestGroup[];
  const callGroups = db
    .prepare(
      `SELECT c.provider, c.model, c.error_class, COUNT(*) AS n, SUM(c.input_tokens) AS input_tokens, SUM(c.output_tokens) AS output_tokens,
            SUM(c.cached_input_tokens) AS cached_input_tokens, SUM(c.cache_write_tokens) AS cache_write_tokens,
            COALESCE(SUM(CASE WHEN c.cost_is_estimate = 0 THEN c.cost_usd END), 0) AS real, COALESCE(SUM(CASE WHEN c.cost_is_estimate = 1 THEN c.cost_usd END), 0) AS estimated
     FROM requests r JOIN calls c ON c.request_id = r.id WHERE ${scope} GROUP BY 1, 2, 3`,
    )
    .all(...params) as CallGroup[];
  const completedLatencies = (
    db
      .prepare(
        `SELECT COUNT(*) AS n FROM requests r WHERE ${scope} AND r.status = 'completed' AND r.latency_ms IS NOT NULL`,
      )
      .get(...params) as { n: number }
  ).n;
  const latencyAt = db.prepare(
    `SELECT r.latency_ms AS v FROM requests r WHERE ${scope} AND r.status = 'completed' AND r.latency_ms IS NOT NULL ORDER BY r.latency_ms LIMIT 1 OFFSET ?`,
  );
  const percentile = (p: number): number | null =>
    completedLatencies === 0
      ? null
      : (
          latencyAt.get(...params, Math.min(completedLatencies - 1, Math.ceil((p / 100) * completedLatencies) - 1)) as {
            v: number;
          }
        ).v;

  const byStatus: Record<string, number> = {};
  const byRouteTier = new Map<string, { route: string; tier: string | null; requests: number; spend_usd: number }>();
  const byDay = new Map<string, { day: string; requests: number; spend_usd: number; baseline_usd: number }>();
  const caps = { shrunk: 0, cheaper_tier: 0, local: 0, blocked: 0 };
  let cacheHits = 0;
  let redactions = 0;
  let requestCount = 0;
  for (const group of groups) {
    requestCount += group.n;
    byStatus[group.status] = (byStatus[group.status] ?? 0) + group.n;
    const key = `${group.route}\0${group.tier ?? ''}`;
    const routeTier = byRouteTier.get(key) ?? { route: group.route, tier: group.tier, requests: 0, spend_usd: 0 };
    routeTier.requests += group.n;
    routeTier.spend_usd += group.cost;
    byRouteTier.set(key, routeTier);
    const day = byDay.get(group.day) ?? { day: group.day, requests: 0, spend_usd: 0, baseline_usd: 0 };
    day.requests += group.n;
    day.spend_usd += group.cost;
    if (group.status === 'completed') day.baseline_usd += group.baseline;
    byDay.set(group.day, day);
    if (group.cap_action in caps) caps[group.cap_action as keyof typeof caps] += group.n;
    if (group.hit) cacheHits += group.n;
    redactions += group.redactions;
  }

  const byModel = new Map<string, MetricsReport['by_provider_model'][number]>();
  const errors: Record<string, number> = {};
  let callCount = 0;
  let real = 0;
  let estimated = 0;
  let input = 0;
  let output = 0;
  for (const call of callGroups) {
    const key = `${call.provider}\0${call.model}`;
    const group = byModel.get(key) ?? {
      provider: call.provider,
      model: call.model,
      calls: 0,
      input_tokens: 0,
      output_tokens: 0,
      cached_input_tokens: 0,
      cache_write_tokens: 0,
      spend_usd: 0,
    };
    group.calls += call.n;
    group.input_tokens += call.input_tokens;
    group.output_tokens += call.output_tokens;
    group.cached_input_tokens += call.cached_input_tokens;
    group.cache_write_tokens += call.cache_write_tokens;
    group.spend_usd += call.real;
    byModel.set(key, group);
    if (call.error_class) errors[call.error_class] = (errors[call.error_class] ?? 0) + call.n;
    callCount += call.n;
    real += call.real;
    estimated += call.estimated;
    input += call.input_tokens;
    output += call.output_tokens;
  }
  const sortBy = <T>(values: Iterable<T>, key: (value: T) => string): T[] =>
    [...values].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

  return {
    window: { ...window },
    totals: {
      requests: requestCount,
      by_status: Object.fromEntries(sortBy(Object.entries(byStatus), ([status]) => status)),
      calls: callCount,
      spend_usd: round(real),
      estimated_spend_usd: round(estimated),
      input_tokens: input,
      output_tokens: output,
    },
    by_route_tier: sortBy(byRouteTier.values(), (group) => `${group.route}\0${group.tier ?? ''}`).map((group) => ({
      ...group,
      spend_usd: round(group.spend_usd),
    })),
    by_provider_model: sortBy(byModel.values(), (group) => `${group.provider}\0${group.model}`).map((group) => ({
      ...group,
      spend_usd: round(group.spend_usd),
    })),
    by_day: sortBy(byDay.values(), (group) => group.day).map((group) => ({
      ...group,
      spend_usd: round(group.spend_usd),
      baseline_usd: round(group.baseline_usd),
    })),
    latency_ms: { p50: percentile(50), p95: percentile(95) },
    errors: {
      calls: callCount,
      by_class: Object.fromEntries(
        sortBy(Object.entries(errors), ([name]) => name).map(([name, count]) => [
          name,
          { calls: count, rate: callCount === 0 ? 0 : Math.round((10_000 * count) / callCount) / 10_000 },
        ]),
      ),
    },
    cap_actions: caps,
    cache_hits: cacheHits,
    redactions,
    top_requests: (
      db
        .prepare(
          `SELECT r.run_id, r.created_at, r.route, r.provider, r.model, r.cost_usd AS spend_usd FROM requests r WHERE ${scope} AND r.cost_usd > 0 ORDER BY r.cost_usd DESC, r.id LIMIT ?`,
        )
        .all(...params, options.topN ?? 10) as MetricsReport['top_requests']
    ).map((row) => ({ ...row, spend_usd: round(row.spend_usd) })),
  };
}
