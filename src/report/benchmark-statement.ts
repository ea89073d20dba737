import { formatUsd } from '../shared/money.js';

/** A stored benchmark run, as benchmark_runs keeps it (overall and floors are JSON). */
export interface StoredRun {
  run_id: string;
  created_at: string;
  dataset: string;
  dry_run: number;
  passed: number;
  overall: string;
  floors: string;
}

interface Overall {
  tasks: number;
  token_reduction_pct: number;
  gold_recall_pct: number;
  context?: { gold_usd: number; sent_usd: number; saving_pct: number | null };
  routing?: { baseline_model: string; sent_baseline_usd: number; sent_usd: number; saving_pct: number | null };
  calls?: { made: number; failed: number; real_cost_usd: number; unreported_cost_usd: number };
}

export const SAVINGS_METHOD =
  "Method: each task's goal went through codecontext's request pipeline (classify, pack, route under the cap); tokens sent (pack + goal) are compared with pasting the whole files the accepted change touched (+ goal). Dollars are input-side at list prices, by cause: context packing at the routed models' prices; model choice as what was sent, at baseline_model's price vs the routed models'. The causes are not added.";

/**
 * The statement a user can quote about a run: what happened (a dry run, or N real calls and what they cost),
 * each saving apart with its basis, and — when the run missed its floors — that it did.
 */
export function benchmarkStatement(run: StoredRun): string {
  const overall = JSON.parse(run.overall) as Overall;
  const floors = JSON.parse(run.floors) as { token_reduction_min_pct: number; gold_recall_min_pct: number };
  const calls = overall.calls;
  const happened =
    run.dry_run === 1 || !calls
      ? 'a dry run: no model was called'
      : `${calls.made} real model calls${calls.failed ? `, ${calls.failed} failed` : ''}, ${formatUsd(calls.real_cost_usd)} provider-reported${calls.unreported_cost_usd > 0 ? ` and ${formatUsd(calls.unreported_cost_usd)} counted at safe bounds for calls without usage` : ''}`;
  const parts = [
    `On ${overall.tasks} tasks (dataset ${run.dataset}, ${run.created_at.slice(0, 10)}; ${happened}), codecontext sent ${overall.token_reduction_pct}% fewer tokens than pasting the whole files each change needed, keeping the code that mattered in ${overall.gold_recall_pct}% of cases.`,
  ];
  const context = overall.context;
  if (context && context.saving_pct !== null) {
    parts.push(
      `Context packing alone: ${context.saving_pct}% less input cost at the routed models' prices (${formatUsd(context.sent_usd)} vs ${formatUsd(context.gold_usd)}).`,
    );
  }
  const routing = overall.routing;
  if (routing && routing.saving_pct !== null) {
    parts.push(
      `Model choice, a separate cause not added to it: what was sent cost ${routing.saving_pct}% less at the routed models than at ${routing.baseline_model} (${formatUsd(routing.sent_usd)} vs ${formatUsd(routing.sent_baseline_usd)}).`,
    );
  }
  if (run.passed !== 1) {
    parts.push(
      `This run missed its floors (token reduction ≥ ${floors.token_reduction_min_pct}%, gold recall ≥ ${floors.gold_recall_min_pct}%): not a result to quote.`,
    );
  }
  return parts.join(' ');
}
