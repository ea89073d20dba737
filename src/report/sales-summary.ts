import type { Db } from '../indexing/open-database.js';
import { sourceFilter, windowFilter, windowParams } from './ledger-scope.js';
import type { ReportWindow } from './report-window.js';

/**
 * The weekly savings statement, from ledger columns only (no re-estimation). Definitions (also in the README):
 *  - requests: `requests` rows with status completed, source cli/api (benchmark with includeBenchmark), created in the window;
 *  - routed local: those with route local_answer or local_model, or served from the cache (`cache` ≠ miss);
 *  - to external: those with route external and no cache hit;
 *  - external tokens sent: `calls.input_tokens` of their non-local calls;
 *  - naive baseline: their `naive_baseline_tokens`, and its cost `baseline_cost_usd` (at baseline_model);
 *  - spend: `calls.cost_usd` of real (provider-reported) usage, every call of requests in the window;
 *    estimated spend (dry runs' worst cases, locally counted usage) is reported apart, labelled;
 *  - savings: baseline cost − spend.
 */
export interface SalesSummary {
  window: { start: string | null; end: string; label: string };
  requests: number;
  routed_local: number;
  to_external: number;
  dry_runs: number;
  blocked: number;
  failed: number;
  external_tokens_sent: number;
  naive_baseline_tokens: number;
  token_reduction_pct: number | null;
  spend_usd: number;
  estimated_spend_usd: number;
  baseline_cost_usd: number;
  savings_usd: number;
  summary: string[];
}

const usd = (value: number): string => `$${value.toFixed(2)}`;
const count = (value: number): string => value.toLocaleString('en-US');
const round = (value: number): number => Math.round(value * 1e6) / 1e6;

export function salesSummary(db: Db, window: ReportWindow, options: { includeBenchmark?: boolean } = {}): SalesSummary {
  const scope = `${sourceFilter(Boolean(options.includeBenchmark))} AND ${windowFilter('r', window)}`;
  const params = windowParams(window);
  // Two passes over the window (requests, then their calls), each through the time index.
  const requests = db
    .prepare(
      `SELECT COALESCE(SUM(r.status = 'completed'), 0) AS requests,
            COALESCE(SUM(r.status = 'completed' AND (r.route IN ('local_answer', 'local_model') OR r.cache != 'miss')), 0) AS local,
            COALESCE(SUM(r.status = 'completed' AND r.route = 'external' AND r.cache = 'miss'), 0) AS external,
            COALESCE(SUM(CASE WHEN r.status = 'completed' THEN r.naive_baseline_tokens END), 0) AS baseline_tokens,
            COALESCE(SUM(CASE WHEN r.status = 'completed' THEN r.baseline_cost_usd END), 0) AS baseline_cost,
            COALESCE(SUM(r.status = 'dry_run'), 0) AS dry_runs,
            COALESCE(SUM(r.status = 'blocked'), 0) AS blocked,
            COALESCE(SUM(r.status = 'failed'), 0) AS failed,
            COALESCE(SUM(CASE WHEN r.status = 'dry_run' THEN r.estimated_cost_usd END), 0) AS dry_run_estimate
     FROM requests r WHERE ${scope}`,
    )
    .get(...params) as {
    requests: number;
    local: number;
    external: number;
    baseline_tokens: number;
    baseline_cost: number;
    dry_runs: number;
    blocked: number;
    failed: number;
    dry_run_estimate: number;
  };
  const calls = db
    .prepare(
      `SELECT COALESCE(SUM(CASE WHEN r.status = 'completed' AND c.local = 0 THEN c.input_tokens END), 0) AS sent,
            COALESCE(SUM(CASE WHEN c.cost_is_estimate = 0 THEN c.cost_usd END), 0) AS real,
            COALESCE(SUM(CASE WHEN c.cost_is_estimate = 1 THEN c.cost_usd END), 0) AS estimated
     FROM requests r JOIN calls c ON c.request_id = r.id WHERE ${scope}`,
    )
    .get(...params) as { sent: number; real: number; estimated: number };
  const completed = requests;
  const sent = { tokens: calls.sent };
  const spend = { real: calls.real, estimated: calls.estimated };
  const dryRunEstimate = { usd: requests.dry_run_estimate };
  const byStatus = (status: 'dry_run' | 'blocked' | 'failed'): number =>
    status === 'dry_run' ? requests.dry_runs : requests[status];

  const reduction =
    completed.baseline_tokens > 0
      ? Math.round((1000 * (completed.baseline_tokens - sent.tokens)) / completed.baseline_tokens) / 10
      : null;
  const savings = completed.baseline_cost - spend.real;
  const estimated = spend.estimated + dryRunEstimate.usd;
  const summary = [
    `${window.label}: ${count(completed.requests)} requests, ${count(completed.local)} routed local, ${count(completed.external)} to external.`,
    `External tokens sent: ${count(sent.tokens)} (vs ${count(completed.baseline_tokens)} naive baseline${reduction === null ? '' : `, ${reduction >= 0 ? '−' : '+'}${Math.abs(Math.round(reduction))}%`}).`,
    `Spend: ${usd(spend.real)}. Estimated savings vs full-context baseline: ${usd(savings)}.`,
  ];
  const notReal = [
    byStatus('dry_run') ? `${count(byStatus('dry_run'))} dry runs` : '',
    byStatus('blocked') ? `${count(byStatus('blocked'))} blocked` : '',
    byStatus('failed') ? `${count(byStatus('failed'))} failed` : '',
  ].filter(Boolean);
  if (notReal.length > 0 || estimated > 0)
    summary.push(
      `Not counted above: ${notReal.join(', ') || 'no other requests'}${estimated > 0 ? `; estimated (not billed) cost ${usd(estimated)}` : ''}.`,
    );
  return {
    window: { ...window },
    requests: completed.requests,
    routed_local: completed.local,
    to_external: completed.external,
    dry_runs: byStatus('dry_run'),
    blocked: byStatus('blocked'),
    failed: byStatus('failed'),
    external_tokens_sent: sent.tokens,
    naive_baseline_tokens: completed.baseline_tokens,
    token_reduction_pct: reduction,
    spend_usd: round(spend.real),
    estimated_spend_usd: round(estimated),
    baseline_cost_usd: round(completed.baseline_cost),
    savings_usd: round(savings),
    summary,
  };
}
