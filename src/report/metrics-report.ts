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

interface RequestRow {
  status: string;
  route: string;
  tier: string | null;
  day: string;
  cost_usd: number;
  latency_ms: number | null;
  cap_action: string;
  cache: string;
  redactions: number;
}

interface CallRow {
  provider: string;
  model: string;
  error_class: string | null;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  cache_write_tokens: number;
  cost_usd: number | null;
  cost_is_estimate: number;
}

/** Two scans of the window (its requests, then their calls), aggregated here, plus the top-N query. */
export function metricsReport(db: Db, window: ReportWindow, options: { topN?: number; includeBenchmark?: boolean } = {}): MetricsReport {
  const scope = `${sourceFilter(Boolean(options.includeBenchmark))} AND ${windowFilter('r', window)}`;
  const params = windowParams(window);
  const requests = db.prepare(
    `SELECT r.status, r.route, r.tier, substr(r.created_at, 1, 10) AS day, r.cost_usd, r.latency_ms, r.cap_action, r.cache, r.redactions FROM requests r WHERE ${scope}`,
  ).all(...params) as RequestRow[];
  const calls = db.prepare(
    `SELECT c.provider, c.model, c.error_class, c.input_tokens, c.output_tokens, c.cached_input_tokens, c.cache_write_tokens, c.cost_usd, c.cost_is_estimate
     FROM requests r JOIN calls c ON c.request_id = r.id WHERE ${scope}`,
  ).all(...params) as CallRow[];

  const byStatus: Record<string, number> = {};
  const byRouteTier = new Map<string, { route: string; tier: string | null; requests: number; spend_usd: number }>();
  const byDay = new Map<string, { day: string; requests: number; spend_usd: number }>();
  const caps = { shrunk: 0, cheaper_tier: 0, local: 0, blocked: 0 };
  const latencies: number[] = [];
  let cacheHits = 0;
  let redactions = 0;
  for (const row of requests) {
    byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
    const key = `${row.route}\0${row.tier ?? ''}`;
    const group = byRouteTier.get(key) ?? { route: row.route, tier: row.tier, requests: 0, spend_usd: 0 };
    group.requests++;
    group.spend_usd += row.cost_usd;
    byRouteTier.set(key, group);
    const day = byDay.get(row.day) ?? { day: row.day, requests: 0, spend_usd: 0 };
    day.requests++;
    day.spend_usd += row.cost_usd;
    byDay.set(row.day, day);
    if (row.cap_action in caps) caps[row.cap_action as keyof typeof caps]++;
    if (row.cache !== 'miss') cacheHits++;
    redactions += row.redactions;
    if (row.status === 'completed' && row.latency_ms !== null) latencies.push(row.latency_ms);
  }
  latencies.sort((a, b) => a - b);
  const percentile = (p: number): number | null => (latencies.length === 0 ? null : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!);

  const byModel = new Map<string, MetricsReport['by_provider_model'][number]>();
  const errors: Record<string, number> = {};
  let real = 0;
  let estimated = 0;
  let input = 0;
  let output = 0;
  for (const call of calls) {
    const key = `${call.provider}\0${call.model}`;
    const group = byModel.get(key) ?? { provider: call.provider, model: call.model, calls: 0, input_tokens: 0, output_tokens: 0, cached_input_tokens: 0, cache_write_tokens: 0, spend_usd: 0 };
    group.calls++;
    group.input_tokens += call.input_tokens;
    group.output_tokens += call.output_tokens;
    group.cached_input_tokens += call.cached_input_tokens;
    group.cache_write_tokens += call.cache_write_tokens;
    if (call.cost_is_estimate === 0) group.spend_usd += call.cost_usd ?? 0;
    byModel.set(key, group);
    if (call.error_class) errors[call.error_class] = (errors[call.error_class] ?? 0) + 1;
    if (call.cost_is_estimate === 0) real += call.cost_usd ?? 0;
    else estimated += call.cost_usd ?? 0;
    input += call.input_tokens;
    output += call.output_tokens;
  }
  const sortBy = <T>(values: Iterable<T>, key: (value: T) => string): T[] => [...values].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

  return {
    window: { ...window },
    totals: {
      requests: requests.length, by_status: Object.fromEntries(sortBy(Object.entries(byStatus), ([status]) => status)), calls: calls.length,
      spend_usd: round(real), estimated_spend_usd: round(estimated), input_tokens: input, output_tokens: output,
    },
    by_route_tier: sortBy(byRouteTier.values(), (group) => `${group.route}\0${group.tier ?? ''}`).map((group) => ({ ...group, spend_usd: round(group.spend_usd) })),
    by_provider_model: sortBy(byModel.values(), (group) => `${group.provider}\0${group.model}`).map((group) => ({ ...group, spend_usd: round(group.spend_usd) })),
    by_day: sortBy(byDay.values(), (group) => group.day).map((group) => ({ ...group, spend_usd: round(group.spend_usd) })),
    latency_ms: { p50: percentile(50), p95: percentile(95) },
    errors: {
      calls: calls.length,
      by_class: Object.fromEntries(sortBy(Object.entries(errors), ([name]) => name).map(([name, count]) => [name, { calls: count, rate: calls.length === 0 ? 0 : Math.round((10_000 * count) / calls.length) / 10_000 }])),
    },
    cap_actions: caps,
    cache_hits: cacheHits,
    redactions,
    top_requests: (db.prepare(
      `SELECT r.run_id, r.created_at, r.route, r.provider, r.model, r.cost_usd AS spend_usd FROM requests r WHERE ${scope} AND r.cost_usd > 0 ORDER BY r.cost_usd DESC, r.id LIMIT ?`,
    ).all(...params, options.topN ?? 10) as MetricsReport['top_requests']).map((row) => ({ ...row, spend_usd: round(row.spend_usd) })),
  };
}
