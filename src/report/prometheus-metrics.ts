import type { SqlOp } from '../storage/sql-op.js';
import type { Store } from '../storage/store.js';
import {
  ALL_TIME,
  ANSWERED_BY,
  byProviderModel,
  callerFiguresOf,
  figuresOf,
  latencyHistogram,
  readLedgerGroupsOp,
  type AnsweredBy,
  type LedgerScope,
} from './ledger-figures.js';
import { formatDecimal } from '../shared/money.js';
import { GROUP_COLUMNS, type GroupBy } from './ledger-scope.js';

/**
 * Prometheus text exposition (0.0.4) of the ledger's all-time figures — the figures of ledger-figures.ts over
 * ALL_TIME, so a scrape agrees with `sales-summary --window all` count for count and to the cent. Benchmark rows
 * are left out unless asked for. Conventions: counters end in `_total`, durations are in seconds
 * (`codecontext_request_duration_seconds`), dollars are fixed-point decimals (formatDecimal, no exponent). Savings
 * can be negative (a dearer model served), so they are gauges of the all-time sum, one series per cause.
 */
const LATENCY_BUCKETS_MS = [50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000];

const label = (value: unknown): string =>
  String(value ?? '')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n');
const labels = (pairs: Record<string, unknown>): string =>
  `{${Object.entries(pairs)
    .map(([name, value]) => `${name}="${label(value)}"`)
    .join(',')}}`;

/** Rows' counts summed per label set, in a stable order. */
function countBy<T extends { n: number }>(
  rows: readonly T[],
  labelsOf: (row: T) => Record<string, string>,
): Array<{ pairs: Record<string, string>; n: number }> {
  const totals = new Map<string, { pairs: Record<string, string>; n: number }>();
  for (const row of rows) {
    const pairs = labelsOf(row);
    const key = Object.values(pairs).join('\0');
    const entry = totals.get(key) ?? { pairs, n: 0 };
    entry.n += row.n;
    totals.set(key, entry);
  }
  return [...totals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
}

export function* prometheusMetricsOp(
  dialect: Store['dialect'],
  options: { includeBenchmark?: boolean; groupBy?: GroupBy } = {},
): SqlOp<string> {
  const scope: LedgerScope = { window: ALL_TIME, includeBenchmark: Boolean(options.includeBenchmark) };
  const groups = yield* readLedgerGroupsOp(dialect, scope, { models: true, groupBy: options.groupBy });
  const figures = figuresOf(groups);
  const models = byProviderModel(groups);
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'histogram' | 'gauge', help: string): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const sample = (name: string, value: number | string, pairs: Record<string, unknown> = {}): void => {
    lines.push(`${name}${Object.keys(pairs).length > 0 ? labels(pairs) : ''} ${value}`);
  };

  metric('codecontext_requests_total', 'counter', 'Requests by source, route, status and cache outcome.');
  for (const entry of countBy(groups.requests, (group) => ({
    source: group.source,
    route: group.route,
    status: group.status,
    cache: group.cache,
  })))
    sample('codecontext_requests_total', entry.n, entry.pairs);

  metric(
    'codecontext_answered_requests_total',
    'counter',
    'Completed requests by how they were answered: local_answer, local_model, external, cache_hit (a partition).',
  );
  const answered: Record<AnsweredBy, number> = {
    local_answer: figures.local_answers,
    local_model: figures.local_model,
    external: figures.external,
    cache_hit: figures.cache_hits,
  };
  for (const how of ANSWERED_BY) sample('codecontext_answered_requests_total', answered[how], { answered_by: how });

  metric('codecontext_cache_hits_total', 'counter', 'Completed requests answered from the exact cache or coalesced.');
  for (const [kind, n] of Object.entries(figures.cache_hits_by_kind))
    sample('codecontext_cache_hits_total', n, { cache: kind });

  metric('codecontext_failed_requests_total', 'counter', 'Requests with status failed, by error class.');
  for (const [errorClass, n] of Object.entries(figures.errors.failed_requests_by_class))
    sample('codecontext_failed_requests_total', n, { error_class: errorClass });

  metric(
    'codecontext_calls_total',
    'counter',
    'Upstream attempts (calls rows) by provider, model, role and usage source.',
  );
  for (const entry of countBy(groups.calls, (call) => ({
    provider: call.provider,
    model: call.model,
    role: call.role,
    usage_source: call.usage_source,
  })))
    sample('codecontext_calls_total', entry.n, entry.pairs);
  metric('codecontext_failed_calls_total', 'counter', 'Upstream attempts with an error class, by class.');
  for (const [errorClass, entry] of Object.entries(figures.errors.failed_calls_by_class))
    sample('codecontext_failed_calls_total', entry.failed_calls, { error_class: errorClass });

  metric(
    'codecontext_tokens_total',
    'counter',
    'Provider-reported tokens (usage_source provider) by provider, model and kind.',
  );
  for (const row of models)
    for (const [kind, value] of Object.entries(row.provider_tokens))
      sample('codecontext_tokens_total', value, { provider: row.provider, model: row.model, kind });

  metric('codecontext_spend_usd_total', 'counter', 'Provider-reported spend in USD: sum of requests.cost_usd.');
  sample('codecontext_spend_usd_total', formatDecimal(figures.spend_usd));
  metric(
    'codecontext_unreported_spend_usd_total',
    'counter',
    'Safe upper bounds in USD of calls without provider usage (counted against budgets): sum of requests.unreported_cost_usd.',
  );
  sample('codecontext_unreported_spend_usd_total', formatDecimal(figures.unreported_spend_usd));
  metric('codecontext_dry_run_quotes_usd_total', 'counter', 'Quotes of dry runs in USD, never spent.');
  sample('codecontext_dry_run_quotes_usd_total', formatDecimal(figures.dry_run_quotes_usd));

  metric(
    'codecontext_savings_usd',
    'gauge',
    'All-time savings in USD over completed requests, by cause (context, routing, cache, local); each against its own baseline, never summed.',
  );
  for (const cause of ['context', 'routing', 'cache', 'local'] as const)
    sample('codecontext_savings_usd', formatDecimal(figures.savings[`${cause}_saving_usd`]), { cause });
  metric(
    'codecontext_context_saving_tokens',
    'gauge',
    'All-time naive_baseline_tokens − packed_tokens over completed requests.',
  );
  sample('codecontext_context_saving_tokens', figures.savings.context_saving_tokens);
  metric(
    'codecontext_context_added_tokens_total',
    'counter',
    "Repository context added to clients' bare prompts: a cost, in tokens.",
  );
  sample('codecontext_context_added_tokens_total', figures.context_added_tokens);
  metric(
    'codecontext_context_added_usd_total',
    'counter',
    "Repository context added to clients' bare prompts: a cost, in USD.",
  );
  sample('codecontext_context_added_usd_total', formatDecimal(figures.context_added_usd));

  metric('codecontext_request_duration_seconds', 'histogram', 'Latency of completed requests, in seconds.');
  const histogram = latencyHistogram(groups, LATENCY_BUCKETS_MS);
  for (const bucket of histogram.buckets)
    sample('codecontext_request_duration_seconds_bucket', bucket.count, { le: formatDecimal(bucket.le_ms / 1000) });
  sample('codecontext_request_duration_seconds_bucket', histogram.count, { le: '+Inf' });
  sample('codecontext_request_duration_seconds_sum', formatDecimal(histogram.sum_ms / 1000));
  sample('codecontext_request_duration_seconds_count', histogram.count);

  if (options.groupBy) {
    // Per caller, on request (`?group_by=`): separate families, so the totals above keep their label sets and a
    // query summing them over callers gives the totals. A request without a key has empty caller labels.
    const callers = callerFiguresOf(groups).map((caller) => ({
      caller,
      pairs: Object.fromEntries(GROUP_COLUMNS[options.groupBy!].map((column) => [column, caller[column] ?? ''])),
    }));
    metric('codecontext_caller_requests_total', 'counter', `Requests by ${options.groupBy} (group_by).`);
    for (const { caller, pairs } of callers) sample('codecontext_caller_requests_total', caller.requests, pairs);
    metric('codecontext_caller_spend_usd_total', 'counter', `Provider-reported spend in USD by ${options.groupBy}.`);
    for (const { caller, pairs } of callers)
      sample('codecontext_caller_spend_usd_total', formatDecimal(caller.spend_usd), pairs);
    metric(
      'codecontext_caller_unreported_spend_usd_total',
      'counter',
      `Safe upper bounds in USD of calls without provider usage, by ${options.groupBy}.`,
    );
    for (const { caller, pairs } of callers)
      sample('codecontext_caller_unreported_spend_usd_total', formatDecimal(caller.unreported_spend_usd), pairs);
    metric('codecontext_caller_savings_usd', 'gauge', `All-time savings in USD by ${options.groupBy} and cause.`);
    for (const { caller, pairs } of callers)
      for (const cause of ['context', 'routing', 'cache', 'local'] as const)
        sample('codecontext_caller_savings_usd', formatDecimal(caller.savings[`${cause}_saving_usd`]), {
          ...pairs,
          cause,
        });
  }
  return `${lines.join('\n')}\n`;
}
