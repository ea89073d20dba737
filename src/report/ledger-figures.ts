import { roundUsd } from '../shared/money.js';
import { sql, type SqlOp } from '../storage/sql-op.js';
import type { Store } from '../storage/store.js';
import {
  callerSql,
  GROUP_COLUMNS,
  sourceFilter,
  windowFilter,
  windowParams,
  type CallerFilter,
  type GroupBy,
} from './ledger-scope.js';
import type { ReportWindow } from './report-window.js';

/**
 * Every figure a report, the gateway's /metrics, the product API, MCP or the dashboard shows, defined once from
 * named ledger columns (src/ledger/README.md). Surfaces format these figures; none computes its own.
 *
 * Scope: `requests` rows with source cli, api or mcp (benchmark too when asked) created in [start, end). A call
 * belongs to the window of its request. The window is read through the time index (ledger-scope.ts); SQLite groups
 * the window's requests and their calls (readLedgerGroups), and every figure is rolled up here from those groups
 * (figuresOf, breakdownsOf) — the only place a figure is defined. Counts are exact; dollar sums are rounded to
 * 8 decimal places (money.ts), which hides the order floats were added in.
 */

export const REQUEST_STATUSES = [
  'pending',
  'completed',
  'dry_run',
  'blocked',
  'failed',
  'interrupted',
  'client_disconnected',
] as const;
export const REQUEST_SOURCES = ['cli', 'api', 'mcp', 'benchmark'] as const;
export const CALL_ROLES = ['first', 'retry', 'fallback', 'escalation', 'remote'] as const;
export const USAGE_SOURCES = [
  'provider',
  'local_bound',
  'client_disconnected',
  'interrupted',
  'none',
  'local_count',
] as const;
/** How an answered (completed) request was answered: a partition, so these counts sum to `answered`. */
export const ANSWERED_BY = ['local_answer', 'local_model', 'external', 'cache_hit'] as const;
export const CAP_ACTIONS = ['shrunk', 'cheaper_tier', 'local', 'blocked'] as const;
export const LIMIT_REASONS = ['cap', 'budget', 'cooldown', 'no_provider', 'model_not_found'] as const;
export const SAVING_CAUSES = ['context', 'routing', 'cache', 'local'] as const;

export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export type RequestSource = (typeof REQUEST_SOURCES)[number];
export type CallRole = (typeof CALL_ROLES)[number];
export type UsageSource = (typeof USAGE_SOURCES)[number];
export type AnsweredBy = (typeof ANSWERED_BY)[number];
export type SavingCause = (typeof SAVING_CAUSES)[number];

/** Which rows a figure is computed over. */
export interface LedgerScope {
  window: ReportWindow;
  includeBenchmark: boolean;
  /** One caller's rows only (a key holder's own figures). */
  only?: CallerFilter;
}

/** The caller columns of a grouped read's rows (only those of the group asked for are read; see GROUP_COLUMNS). */
export interface CallerLabels {
  key_id?: string | null;
  user_name?: string | null;
  team?: string | null;
}

/** Everything from the beginning, for the all-time counters of /metrics (ISO times sort below this end). */
export const ALL_TIME: ReportWindow = { start: null, end: '9999-12-31T23:59:59.999Z', label: 'All-time' };

/** Savings by cause, each apart: they are measured against different baselines and are never summed. */
export interface SavingsByCause {
  /** Σ context_saving_tokens: naive_baseline_tokens − packed_tokens. */
  context_saving_tokens: number;
  /** Σ context_saving_usd: those tokens at the input price of the model that served. */
  context_saving_usd: number;
  /** Σ routing_saving_usd: the answer's usage priced at baseline_model − the request's cost. */
  routing_saving_usd: number;
  /** Σ cache_saving_usd: the reported cost of the call a cache hit replays. */
  cache_saving_usd: number;
  /** Σ local_saving_usd: a local answer or local model, priced at the external provider its tier maps to. */
  local_saving_usd: number;
}

export interface LedgerFigures {
  window: { start: string | null; end: string; label: string };
  include_benchmark: boolean;
  /** Every request row in scope, whatever its status. */
  requests: number;
  /** All seven statuses, zeros included; they sum to `requests`. */
  by_status: Record<RequestStatus, number>;
  by_source: Record<RequestSource, number>;
  /** status = completed; exactly local_answers + local_model + external + cache_hits. */
  answered: number;
  /** local_answers + local_model (never cache hits). */
  routed_local: number;
  /** completed, cache = miss, route = local_answer. */
  local_answers: number;
  /** completed, cache = miss, route = local_model. */
  local_model: number;
  /** completed, cache = miss, route = external. */
  external: number;
  /** completed, cache ≠ miss (exact or coalesced), whatever route the replayed answer had. */
  cache_hits: number;
  cache_hits_by_kind: { exact: number; coalesced: number };
  /** `calls` rows of the requests in scope (upstream attempts, retries included) — not errors. */
  calls: number;
  calls_by_role: Record<CallRole, number>;
  calls_by_usage_source: Record<UsageSource, number>;
  /** Tokens of calls with usage_source = provider (what providers reported). */
  provider_tokens: { input: number; output: number; cached_input: number; cache_write: number };
  /** provider_tokens.input of calls with local = 0. */
  external_input_tokens: number;
  /**
   * Completed requests with naive_baseline_tokens > 0 and packed_tokens > 0 (rows from before ledger v2 have no
   * packed_tokens): the whole files vs the pack, the same requests on both sides.
   */
  context: { requests: number; naive_baseline_tokens: number; packed_tokens: number; reduction_pct: number | null };
  /** Σ requests.cost_usd: provider-reported spend. */
  spend_usd: number;
  /** Σ requests.unreported_cost_usd: safe upper bounds of calls without provider usage (counted against budgets). */
  unreported_spend_usd: number;
  /** Σ estimated_cost_usd of dry_run rows: quotes, never spent. */
  dry_run_quotes_usd: number;
  /** Over completed requests. */
  savings: SavingsByCause;
  /** Repository context added to clients' bare prompts: a cost, over completed requests. */
  context_added_tokens: number;
  context_added_usd: number;
  errors: {
    /** Requests with status failed, by error_class ("unknown" when none was recorded). */
    failed_requests: number;
    failed_requests_by_class: Record<string, number>;
    /** Calls with an error_class, of `calls`. */
    failed_calls: number;
    failed_call_rate: number;
    failed_calls_by_class: Record<string, { failed_calls: number; rate: number }>;
  };
  /** Nearest-rank percentiles of latency_ms over completed requests. */
  latency_ms: { p50: number | null; p95: number | null };
}

export type DaySavings = Omit<SavingsByCause, 'context_saving_tokens'>;

export interface LedgerBreakdowns {
  /** Answered requests by how they were answered and the tier that served; sums to `answered`. */
  route_mix: Array<{
    answered_by: AnsweredBy;
    tier: string | null;
    requests: number;
    spend_usd: number;
    unreported_spend_usd: number;
  }>;
  /** Calls by provider and model; spend sums to spend_usd, tokens to provider_tokens. */
  by_provider_model: Array<{
    provider: string;
    model: string;
    calls: number;
    failed_calls: number;
    provider_tokens: { input: number; output: number; cached_input: number; cache_write: number };
    spend_usd: number;
    unreported_spend_usd: number;
  }>;
  /** By UTC day of created_at. */
  by_day: Array<{
    day: string;
    requests: number;
    answered: number;
    spend_usd: number;
    unreported_spend_usd: number;
    savings: DaySavings;
  }>;
  /** Requests in scope by cap_action (none left out) and by limit_reason. */
  cap_actions: Record<(typeof CAP_ACTIONS)[number], number>;
  limit_reasons: Record<(typeof LIMIT_REASONS)[number], number>;
  /** Σ redactions. */
  redactions: number;
  /** The N requests with the highest cost_usd. */
  top_requests: Array<{
    run_id: string;
    created_at: string;
    source: string;
    status: string;
    route: string;
    provider: string | null;
    model: string | null;
    spend_usd: number;
    unreported_spend_usd: number;
  }>;
}

/**
 * Requests of the scope grouped by source, status, route, cache and (failed rows) error class; with `breakdowns`,
 * also by tier, UTC day, cap action and limit reason (otherwise those are null / '').
 */
export interface RequestGroup extends CallerLabels {
  source: string;
  status: string;
  route: string;
  cache: string;
  error_class: string | null;
  tier: string | null;
  day: string;
  cap_action: string;
  limit_reason: string | null;
  /** naive_baseline_tokens > 0 AND packed_tokens > 0 (1 or 0). */
  has_context: number;
  n: number;
  spend: number;
  unreported: number;
  /** Σ estimated_cost_usd (a quote; counted as such for dry_run groups only). */
  estimated: number;
  redactions: number;
  naive: number;
  packed: number;
  context_saving_tokens: number;
  context_saving_usd: number;
  routing_saving_usd: number;
  cache_saving_usd: number;
  local_saving_usd: number;
  context_added_tokens: number;
  context_added_usd: number;
}

/** Calls of the scope's requests grouped by role, usage source, locality and error; with `models`, by provider/model. */
export interface CallGroup extends CallerLabels {
  role: string;
  usage_source: string;
  local: number;
  error_class: string | null;
  provider: string;
  model: string;
  n: number;
  input: number;
  output: number;
  cached_input: number;
  cache_write: number;
  reported_cost: number;
  unreported_cost: number;
}

export interface LedgerGroups {
  scope: LedgerScope;
  /** Which optional dimensions were read. */
  detail: { breakdowns: boolean; models: boolean; groupBy?: GroupBy };
  requests: RequestGroup[];
  calls: CallGroup[];
  /** Completed requests' latency_ms values with their counts, ascending. */
  latency: Array<{ ms: number; n: number } & CallerLabels>;
}

function scopeSql(scope: LedgerScope, dialect: Store['dialect']): { where: string; params: string[] } {
  const caller = callerSql(scope.only);
  return {
    where: `${sourceFilter(scope.includeBenchmark)} AND ${windowFilter(scope.window, dialect)}${caller.sql}`,
    params: [...windowParams(scope.window, dialect), ...caller.params],
  };
}

/** `expression AS alias` for a grouped column, or a constant when that dimension is not read. */
const dimensions = (columns: Array<[expression: string, alias: string, read: boolean, absent: string]>) => ({
  select: columns.map(([expression, alias, read, absent]) => `${read ? expression : absent} AS ${alias}`).join(', '),
  groupBy: columns
    .map(([, , read], index) => (read ? String(index + 1) : ''))
    .filter(Boolean)
    .join(', '),
});

/**
 * One pass over the window's requests, one over their calls, one over the completed requests' latencies. Each
 * grouped by only what the caller needs (SQLite groups by sorting: over a 1M-row all-time scope every extra
 * dimension costs; the day, tier, cap and provider/model dimensions are read for metrics-report and /metrics only).
 * COALESCE(SUM(…), 0): 0 over no rows, and NULL savings (a price was unknown) are left out of the sum (SQLite's
 * TOTAL() says the same; PostgreSQL has none). A condition is grouped as CASE … 1 ELSE 0: PostgreSQL's boolean would
 * not read as SQLite's integer. The same operation runs on either store (src/storage).
 */
export function* readLedgerGroupsOp(
  dialect: Store['dialect'],
  scope: LedgerScope,
  detail: { breakdowns?: boolean; models?: boolean; groupBy?: GroupBy } = {},
): SqlOp<LedgerGroups> {
  const breakdowns = Boolean(detail.breakdowns);
  const models = Boolean(detail.models ?? detail.breakdowns);
  const { where, params } = scopeSql(scope, dialect);
  // Grouped by caller: the group's columns lead every read, so each group's rows can be rolled up apart.
  const callerDims = (detail.groupBy ? GROUP_COLUMNS[detail.groupBy] : []).map(
    (column): [string, string, boolean, string] => [`r.${column}`, column, true, 'NULL'],
  );
  const requestDims = dimensions([
    ...callerDims,
    ['r.source', 'source', true, ''],
    ['r.status', 'status', true, ''],
    ['r.route', 'route', true, ''],
    ['r.cache', 'cache', true, ''],
    ["CASE WHEN r.status = 'failed' THEN COALESCE(r.error_class, 'unknown') END", 'error_class', true, ''],
    ['CASE WHEN r.naive_baseline_tokens > 0 AND r.packed_tokens > 0 THEN 1 ELSE 0 END', 'has_context', true, ''],
    ['r.tier', 'tier', breakdowns, 'NULL'],
    ['substr(r.created_at, 1, 10)', 'day', breakdowns, "''"],
    ['r.cap_action', 'cap_action', breakdowns, "'none'"],
    ['r.limit_reason', 'limit_reason', breakdowns, 'NULL'],
  ]);
  const completed = "r.status = 'completed'";
  const requests = yield* sql.all<RequestGroup>(
    `SELECT ${requestDims.select},
            COUNT(*) AS n, COALESCE(SUM(r.cost_usd), 0) AS spend, COALESCE(SUM(r.unreported_cost_usd), 0) AS unreported,
            COALESCE(SUM(r.estimated_cost_usd), 0) AS estimated, COALESCE(SUM(r.redactions), 0) AS redactions,
            COALESCE(SUM(r.naive_baseline_tokens), 0) AS naive, COALESCE(SUM(r.packed_tokens), 0) AS packed,
            COALESCE(SUM(r.context_saving_tokens), 0) AS context_saving_tokens, COALESCE(SUM(r.context_saving_usd), 0) AS context_saving_usd,
            COALESCE(SUM(r.routing_saving_usd), 0) AS routing_saving_usd, COALESCE(SUM(r.cache_saving_usd), 0) AS cache_saving_usd,
            COALESCE(SUM(r.local_saving_usd), 0) AS local_saving_usd, COALESCE(SUM(r.context_added_tokens), 0) AS context_added_tokens,
            COALESCE(SUM(r.context_added_usd), 0) AS context_added_usd
     FROM requests r WHERE ${where} GROUP BY ${requestDims.groupBy}`,
    ...params,
  );
  const callDims = dimensions([
    ...callerDims,
    ['c.role', 'role', true, ''],
    ['c.usage_source', 'usage_source', true, ''],
    ['c.local', 'local', true, '0'],
    ['c.error_class', 'error_class', true, 'NULL'],
    ['c.provider', 'provider', models, "''"],
    ['c.model', 'model', models, "''"],
  ]);
  const calls = yield* sql.all<CallGroup>(
    `SELECT ${callDims.select}, COUNT(*) AS n,
            COALESCE(SUM(c.input_tokens), 0) AS input, COALESCE(SUM(c.output_tokens), 0) AS output, COALESCE(SUM(c.cached_input_tokens), 0) AS cached_input,
            COALESCE(SUM(c.cache_write_tokens), 0) AS cache_write,
            COALESCE(SUM(CASE WHEN c.cost_is_estimate = 0 THEN c.cost_usd END), 0) AS reported_cost,
            COALESCE(SUM(CASE WHEN c.cost_is_estimate = 1 THEN c.cost_usd END), 0) AS unreported_cost
     FROM requests r JOIN calls c ON c.request_id = r.id WHERE ${where} GROUP BY ${callDims.groupBy}`,
    ...params,
  );
  // One sorted pass gives both percentiles and the /metrics histogram (two ORDER BY … OFFSET reads sorted twice).
  const latencyDims = dimensions([...callerDims, ['r.latency_ms', 'ms', true, '']]);
  const latency = yield* sql.all<{ ms: number; n: number }>(
    `SELECT ${latencyDims.select}, COUNT(*) AS n FROM requests r WHERE ${where} AND ${completed} AND r.latency_ms IS NOT NULL
     GROUP BY ${latencyDims.groupBy} ORDER BY ${callerDims.length + 1}`,
    ...params,
  );
  return { scope, detail: { breakdowns, models, groupBy: detail.groupBy }, requests, calls, latency };
}

/** The nearest-rank percentile p (0–100] of a latency distribution: the value at rank ⌈p/100 × n⌉. */
export function percentileOf(distribution: ReadonlyArray<{ ms: number; n: number }>, p: number): number | null {
  const total = distribution.reduce((sum, entry) => sum + entry.n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const entry of distribution) {
    seen += entry.n;
    if (seen >= rank) return entry.ms;
  }
  return distribution[distribution.length - 1]!.ms;
}

/** How a completed request was answered (null for a row outside the partition: not completed). */
export function answeredBy(group: Pick<RequestGroup, 'status' | 'route' | 'cache'>): AnsweredBy | null {
  if (group.status !== 'completed') return null;
  if (group.cache !== 'miss') return 'cache_hit';
  return (ANSWERED_BY as readonly string[]).includes(group.route) ? (group.route as AnsweredBy) : null;
}

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
const rate = (part: number, whole: number): number => (whole === 0 ? 0 : Math.round((10_000 * part) / whole) / 10_000);
const sorted = <T>(entries: Iterable<[string, T]>): Record<string, T> =>
  Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The figures of a scope, rolled up from its groups. */
export function figuresOf(groups: LedgerGroups): LedgerFigures {
  const byStatus = zeros(REQUEST_STATUSES);
  const bySource = zeros(REQUEST_SOURCES);
  const answered = zeros(ANSWERED_BY);
  const cacheKinds = { exact: 0, coalesced: 0 };
  const failedRequests = new Map<string, number>();
  const context = { requests: 0, naive: 0, packed: 0 };
  const savings: SavingsByCause = {
    context_saving_tokens: 0,
    context_saving_usd: 0,
    routing_saving_usd: 0,
    cache_saving_usd: 0,
    local_saving_usd: 0,
  };
  const contextAdded = { tokens: 0, usd: 0 };
  let requests = 0;
  let spend = 0;
  let unreported = 0;
  let quotes = 0;
  for (const group of groups.requests) {
    requests += group.n;
    if (group.status in byStatus) byStatus[group.status as RequestStatus] += group.n;
    if (group.source in bySource) bySource[group.source as RequestSource] += group.n;
    spend += group.spend;
    unreported += group.unreported;
    if (group.status === 'dry_run') quotes += group.estimated;
    if (group.error_class !== null)
      failedRequests.set(group.error_class, (failedRequests.get(group.error_class) ?? 0) + group.n);
    if (group.status !== 'completed') continue;
    const how = answeredBy(group);
    if (how) answered[how] += group.n;
    if (group.cache === 'exact' || group.cache === 'coalesced') cacheKinds[group.cache] += group.n;
    if (group.has_context) {
      context.requests += group.n;
      context.naive += group.naive;
      context.packed += group.packed;
    }
    savings.context_saving_tokens += group.context_saving_tokens;
    savings.context_saving_usd += group.context_saving_usd;
    savings.routing_saving_usd += group.routing_saving_usd;
    savings.cache_saving_usd += group.cache_saving_usd;
    savings.local_saving_usd += group.local_saving_usd;
    contextAdded.tokens += group.context_added_tokens;
    contextAdded.usd += group.context_added_usd;
  }

  const byRole = zeros(CALL_ROLES);
  const byUsage = zeros(USAGE_SOURCES);
  const tokens = { input: 0, output: 0, cached_input: 0, cache_write: 0 };
  const failedCalls = new Map<string, number>();
  let calls = 0;
  let externalInput = 0;
  for (const call of groups.calls) {
    calls += call.n;
    if (call.role in byRole) byRole[call.role as CallRole] += call.n;
    if (call.usage_source in byUsage) byUsage[call.usage_source as UsageSource] += call.n;
    if (call.error_class !== null) failedCalls.set(call.error_class, (failedCalls.get(call.error_class) ?? 0) + call.n);
    if (call.usage_source !== 'provider') continue;
    tokens.input += call.input;
    tokens.output += call.output;
    tokens.cached_input += call.cached_input;
    tokens.cache_write += call.cache_write;
    if (call.local === 0) externalInput += call.input;
  }
  const failedCallCount = [...failedCalls.values()].reduce((a, b) => a + b, 0);
  const { window } = groups.scope;

  return {
    window: { start: window.start, end: window.end, label: window.label },
    include_benchmark: groups.scope.includeBenchmark,
    requests,
    by_status: byStatus,
    by_source: bySource,
    answered: byStatus.completed,
    routed_local: answered.local_answer + answered.local_model,
    local_answers: answered.local_answer,
    local_model: answered.local_model,
    external: answered.external,
    cache_hits: answered.cache_hit,
    cache_hits_by_kind: cacheKinds,
    calls,
    calls_by_role: byRole,
    calls_by_usage_source: byUsage,
    provider_tokens: tokens,
    external_input_tokens: externalInput,
    context: {
      requests: context.requests,
      naive_baseline_tokens: context.naive,
      packed_tokens: context.packed,
      reduction_pct:
        context.naive > 0 ? Math.round((1000 * (context.naive - context.packed)) / context.naive) / 10 : null,
    },
    spend_usd: roundUsd(spend),
    unreported_spend_usd: roundUsd(unreported),
    dry_run_quotes_usd: roundUsd(quotes),
    savings: {
      context_saving_tokens: savings.context_saving_tokens,
      context_saving_usd: roundUsd(savings.context_saving_usd),
      routing_saving_usd: roundUsd(savings.routing_saving_usd),
      cache_saving_usd: roundUsd(savings.cache_saving_usd),
      local_saving_usd: roundUsd(savings.local_saving_usd),
    },
    context_added_tokens: contextAdded.tokens,
    context_added_usd: roundUsd(contextAdded.usd),
    errors: {
      failed_requests: byStatus.failed,
      failed_requests_by_class: sorted(failedRequests),
      failed_calls: failedCallCount,
      failed_call_rate: rate(failedCallCount, calls),
      failed_calls_by_class: sorted(
        [...failedCalls].map(([name, n]): [string, { failed_calls: number; rate: number }] => [
          name,
          { failed_calls: n, rate: rate(n, calls) },
        ]),
      ),
    },
    latency_ms: { p50: percentileOf(groups.latency, 50), p95: percentileOf(groups.latency, 95) },
  };
}

const inOrder = <T>(map: Map<string, T>): T[] =>
  [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);

/** Calls by provider and model (groups read with `models`). */
export function byProviderModel(groups: LedgerGroups): LedgerBreakdowns['by_provider_model'] {
  if (!groups.detail.models) throw new Error('byProviderModel: the groups were read without provider/model');
  const models = new Map<string, LedgerBreakdowns['by_provider_model'][number]>();
  for (const call of groups.calls) {
    const key = `${call.provider}\0${call.model}`;
    const entry = models.get(key) ?? {
      provider: call.provider,
      model: call.model,
      calls: 0,
      failed_calls: 0,
      provider_tokens: { input: 0, output: 0, cached_input: 0, cache_write: 0 },
      spend_usd: 0,
      unreported_spend_usd: 0,
    };
    models.set(key, entry);
    entry.calls += call.n;
    if (call.error_class !== null) entry.failed_calls += call.n;
    entry.spend_usd += call.reported_cost;
    entry.unreported_spend_usd += call.unreported_cost;
    if (call.usage_source !== 'provider') continue;
    entry.provider_tokens.input += call.input;
    entry.provider_tokens.output += call.output;
    entry.provider_tokens.cached_input += call.cached_input;
    entry.provider_tokens.cache_write += call.cache_write;
  }

  return inOrder(models).map((entry) => ({
    ...entry,
    spend_usd: roundUsd(entry.spend_usd),
    unreported_spend_usd: roundUsd(entry.unreported_spend_usd),
  }));
}

/** The breakdowns of metrics-report, from the same groups as the figures (and one query for the top N). */
export function* breakdownsOp(dialect: Store['dialect'], groups: LedgerGroups, topN: number): SqlOp<LedgerBreakdowns> {
  if (!groups.detail.breakdowns) throw new Error('breakdownsOf: the groups were read without breakdowns');
  const mix = new Map<string, LedgerBreakdowns['route_mix'][number]>();
  const days = new Map<string, LedgerBreakdowns['by_day'][number]>();
  const caps = zeros(CAP_ACTIONS);
  const limits = zeros(LIMIT_REASONS);
  let redactions = 0;
  for (const group of groups.requests) {
    const day = days.get(group.day) ?? {
      day: group.day,
      requests: 0,
      answered: 0,
      spend_usd: 0,
      unreported_spend_usd: 0,
      savings: { context_saving_usd: 0, routing_saving_usd: 0, cache_saving_usd: 0, local_saving_usd: 0 },
    };
    days.set(group.day, day);
    day.requests += group.n;
    day.spend_usd += group.spend;
    day.unreported_spend_usd += group.unreported;
    if (group.cap_action in caps) caps[group.cap_action as keyof typeof caps] += group.n;
    if (group.limit_reason !== null && group.limit_reason in limits)
      limits[group.limit_reason as keyof typeof limits] += group.n;
    redactions += group.redactions;
    const how = answeredBy(group);
    if (group.status !== 'completed') continue;
    day.answered += group.n;
    day.savings.context_saving_usd += group.context_saving_usd;
    day.savings.routing_saving_usd += group.routing_saving_usd;
    day.savings.cache_saving_usd += group.cache_saving_usd;
    day.savings.local_saving_usd += group.local_saving_usd;
    if (!how) continue;
    const key = `${ANSWERED_BY.indexOf(how)}\0${group.tier ?? ''}`;
    const entry = mix.get(key) ?? {
      answered_by: how,
      tier: group.tier,
      requests: 0,
      spend_usd: 0,
      unreported_spend_usd: 0,
    };
    entry.requests += group.n;
    entry.spend_usd += group.spend;
    entry.unreported_spend_usd += group.unreported;
    mix.set(key, entry);
  }

  const { where, params } = scopeSql(groups.scope, dialect);
  const top =
    topN <= 0
      ? []
      : yield* sql.all<LedgerBreakdowns['top_requests'][number]>(
          `SELECT r.run_id, r.created_at, r.source, r.status, r.route, r.provider, r.model, r.cost_usd AS spend_usd,
            r.unreported_cost_usd AS unreported_spend_usd
     FROM requests r WHERE ${where} AND (r.cost_usd > 0 OR r.unreported_cost_usd > 0)
     ORDER BY r.cost_usd DESC, r.unreported_cost_usd DESC, r.id LIMIT ?`,
          ...params,
          topN,
        );
  return {
    route_mix: inOrder(mix).map((entry) => ({
      ...entry,
      spend_usd: roundUsd(entry.spend_usd),
      unreported_spend_usd: roundUsd(entry.unreported_spend_usd),
    })),
    by_provider_model: byProviderModel(groups),
    by_day: inOrder(days).map((entry) => ({
      ...entry,
      spend_usd: roundUsd(entry.spend_usd),
      unreported_spend_usd: roundUsd(entry.unreported_spend_usd),
      savings: {
        context_saving_usd: roundUsd(entry.savings.context_saving_usd),
        routing_saving_usd: roundUsd(entry.savings.routing_saving_usd),
        cache_saving_usd: roundUsd(entry.savings.cache_saving_usd),
        local_saving_usd: roundUsd(entry.savings.local_saving_usd),
      },
    })),
    cap_actions: caps,
    limit_reasons: limits,
    redactions,
    top_requests: top.map((row) => ({
      ...row,
      spend_usd: roundUsd(row.spend_usd),
      unreported_spend_usd: roundUsd(row.unreported_spend_usd),
    })),
  };
}

/** One caller's figures in a grouped report: its columns (GROUP_COLUMNS of the grouping), then the figures. */
export type CallerFigures = CallerLabels & LedgerFigures;

/**
 * A grouped read split into one LedgerGroups per caller, in order of spend (then label): each rolls up with
 * figuresOf exactly as a scope of its own would — the groups of a report add up to its totals, count for count.
 */
export function byCaller(groups: LedgerGroups): Array<{ labels: CallerLabels; groups: LedgerGroups }> {
  const columns = groups.detail.groupBy ? GROUP_COLUMNS[groups.detail.groupBy] : [];
  const parts = new Map<string, { labels: CallerLabels; groups: LedgerGroups }>();
  const partOf = (row: CallerLabels) => {
    const labels = Object.fromEntries(columns.map((column) => [column, row[column] ?? null])) as CallerLabels;
    const key = JSON.stringify(columns.map((column) => labels[column]));
    let part = parts.get(key);
    if (!part) parts.set(key, (part = { labels, groups: { ...groups, requests: [], calls: [], latency: [] } }));
    return part.groups;
  };
  for (const row of groups.requests) partOf(row).requests.push(row);
  for (const row of groups.calls) partOf(row).calls.push(row);
  for (const row of groups.latency) partOf(row).latency.push(row);
  const spend = (part: { groups: LedgerGroups }) => part.groups.requests.reduce((sum, row) => sum + row.spend, 0);
  return [...parts.values()].sort(
    (a, b) => spend(b) - spend(a) || JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)),
  );
}

/** The figures of each caller of a grouped read (see byCaller). */
export function callerFiguresOf(groups: LedgerGroups): CallerFigures[] {
  return byCaller(groups).map((part) => ({ ...part.labels, ...figuresOf(part.groups) }));
}

/** The figures of a scope: sales-summary, the dashboard's cards, MCP. */
export function* ledgerFiguresOp(dialect: Store['dialect'], scope: LedgerScope): SqlOp<LedgerFigures> {
  return figuresOf(yield* readLedgerGroupsOp(dialect, scope));
}

/** The figures and every breakdown of a scope, from one read: metrics-report. */
export function* ledgerReportOp(
  dialect: Store['dialect'],
  scope: LedgerScope,
  options: { topN?: number; groupBy?: GroupBy } = {},
): SqlOp<{ figures: LedgerFigures; breakdowns: LedgerBreakdowns; callers: CallerFigures[] | null }> {
  const groups = yield* readLedgerGroupsOp(dialect, scope, { breakdowns: true, groupBy: options.groupBy });
  return {
    figures: figuresOf(groups),
    breakdowns: yield* breakdownsOp(dialect, groups, options.topN ?? 10),
    callers: options.groupBy ? callerFiguresOf(groups) : null,
  };
}

/**
 * Completed requests' latency as a cumulative histogram (Prometheus `le` buckets, bounds in milliseconds): the
 * count at or under each bound, the count and the sum — from the distribution the percentiles come from.
 */
export function latencyHistogram(
  groups: LedgerGroups,
  boundsMs: readonly number[],
): { buckets: Array<{ le_ms: number; count: number }>; count: number; sum_ms: number } {
  return {
    buckets: boundsMs.map((bound) => ({
      le_ms: bound,
      count: groups.latency.filter((entry) => entry.ms <= bound).reduce((sum, entry) => sum + entry.n, 0),
    })),
    count: groups.latency.reduce((sum, entry) => sum + entry.n, 0),
    sum_ms: groups.latency.reduce((sum, entry) => sum + entry.ms * entry.n, 0),
  };
}
