import type { SqlOp } from '../storage/sql-op.js';
import type { Store } from '../storage/store.js';
import {
  callerFiguresOf,
  figuresOf,
  readLedgerGroupsOp,
  type CallerFigures,
  type LedgerFigures,
} from './ledger-figures.js';
import { callerLabel } from './caller-label.js';
import type { GroupBy, ReportCaller } from './ledger-scope.js';
import { formatUsd } from '../shared/money.js';
import type { ReportWindow } from './report-window.js';

/**
 * The savings statement of a window: the figures of ledger-figures.ts (each defined there from named ledger
 * columns) and the same figures as sentences, in `summary`. No figure is computed here.
 */
export interface SalesSummary extends LedgerFigures {
  summary: string[];
}

const count = (value: number): string => value.toLocaleString('en-US');
const plural = (value: number, one: string, many = `${one}s`): string => `${count(value)} ${value === 1 ? one : many}`;
const percent = (value: number): string => `${(Math.round(value * 10) / 10).toLocaleString('en-US')}%`;

/** The sentences of a summary: each cause of saving apart, with how it was measured in a few words. */
export function summaryLines(figures: LedgerFigures): string[] {
  const f = figures;
  const lines = [
    `${f.window.label}: ${plural(f.requests, 'request')}; ${count(f.answered)} answered — ${count(f.routed_local)} routed local (${plural(f.local_answers, 'local answer')}, ${count(f.local_model)} local model), ${count(f.external)} external, ${plural(f.cache_hits, 'cache hit')}.`,
  ];
  const notAnswered = (
    [
      [f.by_status.dry_run, 'dry run', 'dry runs'],
      [f.by_status.pending, 'pending', 'pending'],
      [f.by_status.blocked, 'blocked', 'blocked'],
      [f.by_status.failed, 'failed', 'failed'],
      [f.by_status.interrupted, 'interrupted', 'interrupted'],
      [f.by_status.client_disconnected, 'client disconnected', 'clients disconnected'],
    ] as const
  )
    .filter(([value]) => value > 0)
    .map(([value, one, many]) => plural(value, one, many));
  if (notAnswered.length > 0) lines.push(`Not answered: ${notAnswered.join(', ')}.`);
  if (f.context.requests > 0) {
    const reduction = f.context.reduction_pct ?? 0;
    lines.push(
      `Context: ${count(f.context.packed_tokens)} tokens packed instead of ${count(f.context.naive_baseline_tokens)} in the whole files (${reduction >= 0 ? '−' : '+'}${percent(Math.abs(reduction))}) over ${plural(f.context.requests, 'request')}.`,
    );
  }
  lines.push(
    `Provider-reported tokens: ${count(f.provider_tokens.input)} input (${count(f.external_input_tokens)} to external providers), ${count(f.provider_tokens.output)} output.`,
    `Spend: ${formatUsd(f.spend_usd)} provider-reported; ${formatUsd(f.unreported_spend_usd)} unreported (safe upper bounds, counted against budgets); ${formatUsd(f.dry_run_quotes_usd)} in dry-run quotes (not spent).`,
    `Savings by cause, not summed: context ${formatUsd(f.savings.context_saving_usd)} (whole files vs the pack, same model), routing ${formatUsd(f.savings.routing_saving_usd)} (vs baseline_model), cache ${formatUsd(f.savings.cache_saving_usd)} (replayed answers), local ${formatUsd(f.savings.local_saving_usd)} (answered locally, vs the external tier).`,
  );
  if (f.context_added_tokens > 0)
    lines.push(
      `Context added to bare prompts: ${count(f.context_added_tokens)} tokens, ${formatUsd(f.context_added_usd)} (a cost).`,
    );
  if (f.errors.failed_requests > 0 || f.errors.failed_calls > 0)
    lines.push(
      `Errors: ${plural(f.errors.failed_requests, 'failed request')}; ${count(f.errors.failed_calls)} of ${plural(f.calls, 'call')} failed (${percent(100 * f.errors.failed_call_rate)}).`,
    );
  return lines;
}

/** With `groupBy`: the same figures per key, user or team, which add up to the totals above them. */
export interface GroupedSummary extends SalesSummary {
  group_by: GroupBy;
  groups: CallerFigures[];
}

/** The line of one group in the text form: who, then its requests, spend and savings by cause. */
export function groupLine(group: CallerFigures, by: GroupBy): string {
  const s = group.savings;
  return `${callerLabel(group, by)}: ${plural(group.requests, 'request')}, ${formatUsd(group.spend_usd)} provider-reported + ${formatUsd(group.unreported_spend_usd)} unreported; saved context ${formatUsd(s.context_saving_usd)}, routing ${formatUsd(s.routing_saving_usd)}, cache ${formatUsd(s.cache_saving_usd)}, local ${formatUsd(s.local_saving_usd)}.`;
}

/**
 * sales-summary: the figures of a window (benchmark rows only with includeBenchmark) and their sentences; with
 * `groupBy`, also per caller, from the same read — requests without a key are their own group (null labels).
 */
export function* salesSummaryOp(
  dialect: Store['dialect'],
  window: ReportWindow,
  options: { includeBenchmark?: boolean } & ReportCaller = {},
): SqlOp<SalesSummary | GroupedSummary> {
  const scope = { window, includeBenchmark: Boolean(options.includeBenchmark), only: options.only };
  const groups = yield* readLedgerGroupsOp(dialect, scope, { groupBy: options.groupBy });
  const figures = figuresOf(groups);
  const summary = summaryLines(figures);
  if (!options.groupBy) return { ...figures, summary };
  const by = options.groupBy;
  const perCaller = callerFiguresOf(groups);
  return {
    ...figures,
    summary: [
      ...summary,
      perCaller.length === 0 ? `By ${by}: no requests.` : `By ${by}:`,
      ...perCaller.map((group) => `  ${groupLine(group, by)}`),
    ],
    group_by: by,
    groups: perCaller,
  };
}
