import type { BenchmarkResult, BenchmarkTask } from '../../bench/run-benchmark.js';
import { formatUsd } from '../../shared/money.js';
import type { PersonFormat } from '../command-spec.js';
import { joinSections, renderFields, renderHeading, renderTable } from './render-table.js';

/** The fields benchmark-run and benchmark-report share (the report's task rows are the run's, from the ledger). */
export type BenchmarkView = Pick<BenchmarkResult, 'run_id' | 'dataset' | 'runs' | 'dry_run' | 'passed' | 'overall'> & {
  tasks: Array<
    Omit<BenchmarkTask, 'names_target' | 'status' | 'real_cost_usd' | 'unreported_cost_usd' | 'error_class'>
  >;
};

/** The longest goal shown in a table cell; the JSON carries each goal whole. */
const GOAL_CELL = 60;

/** benchmark-run and benchmark-report: the run's headline figures, then the per-task table. */
export function renderBenchmark(result: BenchmarkView, format: PersonFormat): string {
  const { overall } = result;
  const saving = (pct: number | null): string => (pct === null ? 'unpriced' : `${pct}%`);
  return joinSections(
    renderFields(format, [
      [
        'run',
        `${result.run_id} (${result.dataset}, ${result.runs} run${result.runs === 1 ? '' : 's'}${result.dry_run ? ', dry run' : ''})`,
      ],
      ['verdict', result.passed ? 'passed its floors' : 'missed its floors'],
      ['tasks', overall.tasks],
      [
        'token reduction',
        `${overall.token_reduction_pct}% vs the gold files (${overall.token_reduction_vs_drawn_pct}% vs the files drawn from)`,
      ],
      ['gold recall', `${overall.gold_recall_pct}% of spans, ${overall.file_recall_pct}% of files`],
      [
        'context packing',
        `${formatUsd(overall.context.sent_usd)} sent instead of ${formatUsd(overall.context.gold_usd)} (${saving(overall.context.saving_pct)} less)`,
      ],
      [
        'model choice',
        `${formatUsd(overall.routing.sent_usd)} instead of ${formatUsd(overall.routing.sent_baseline_usd)} at ${overall.routing.baseline_model} (${saving(overall.routing.saving_pct)} less; not added to context packing)`,
      ],
      [
        'calls',
        `${overall.calls.made} made, ${overall.calls.failed} failed, ${formatUsd(overall.calls.real_cost_usd)} provider-reported`,
      ],
      ['latency', `p50 ${overall.latency_ms.p50} ms, p95 ${overall.latency_ms.p95} ms`],
    ]),
    `${renderHeading(format, 'Tasks')}\n${renderTable(
      format,
      [
        { header: 'task', value: (task: BenchmarkView['tasks'][number]) => task.id },
        { header: 'route', value: (task) => task.route },
        { header: 'sent', value: (task) => task.sent_tokens },
        { header: 'gold', value: (task) => task.gold_tokens },
        { header: 'reduction', value: (task) => `${task.token_reduction_pct}%`, right: true },
        { header: 'recall', value: (task) => `${task.span_recall_pct}%`, right: true },
        { header: 'ms', value: (task) => task.latency_ms },
        {
          header: 'goal',
          value: (task) => (task.goal.length > GOAL_CELL ? `${task.goal.slice(0, GOAL_CELL - 1)}…` : task.goal),
        },
      ],
      result.tasks,
    )}`,
  );
}
