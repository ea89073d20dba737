import type { Db } from '../indexing/open-database.js';
import { CodeContextError } from '../shared/errors.js';
import { formatUsd, roundUsd } from './money.js';

interface RunRow {
  run_id: string;
  created_at: string;
  dataset: string;
  runs: number;
  dry_run: number;
  passed: number;
  overall: string;
  floors: string;
}

interface TaskRow {
  task_id: string;
  corpus: string;
  goal: string;
  route: string;
  tier: string | null;
  model: string | null;
  pack_tokens: number;
  gold_tokens: number;
  drawn_tokens: number;
  span_recall: number;
  file_recall: number;
  latency_ms: number;
  baseline_usd: number | null;
  routed_usd: number | null;
}

/** How benchmark-sales-summary states its method, in one line (kept beside the statement it qualifies). */
export const SAVINGS_METHOD =
  "Method: each task's goal was packed by codecontext; tokens sent (pack + goal) are compared with pasting the whole files the accepted change touched (+ goal). Dollars are input-side at list prices, by cause and never summed: context = (gold − sent tokens) at the routed model's price; routing = the sent tokens at baseline_model's price − at the routed model's; local = the sent tokens at baseline_model's price, for tasks answered locally.";

function findRun(db: Db, runId: string | undefined): RunRow {
  const row = (
    runId
      ? db.prepare('SELECT * FROM benchmark_runs WHERE run_id = ?').get(runId)
      : db.prepare('SELECT * FROM benchmark_runs ORDER BY created_at DESC, rowid DESC LIMIT 1').get()
  ) as RunRow | undefined;
  if (!row) {
    throw new CodeContextError(
      'usage',
      runId
        ? `no benchmark run ${runId} in this database`
        : 'no benchmark run yet: run `codecontext benchmark-run --dataset default` first',
    );
  }
  return row;
}

/** benchmark-report: one run (the last unless `runId`) with its per-task table. */
export function benchmarkReport(db: Db, runId?: string): Record<string, unknown> {
  const run = findRun(db, runId);
  const tasks = db
    .prepare('SELECT * FROM benchmark_tasks WHERE run_id = ? ORDER BY rowid')
    .all(run.run_id) as TaskRow[];
  const reduction = (task: TaskRow): number =>
    task.gold_tokens === 0 ? 0 : Math.round((1000 * (task.gold_tokens - task.pack_tokens)) / task.gold_tokens) / 10;
  const header = `${'task'.padEnd(14)} ${'route'.padEnd(12)} ${'sent'.padStart(6)} ${'gold'.padStart(7)} ${'reduction'.padStart(9)} ${'recall'.padStart(6)} ${'ms'.padStart(5)}  goal`;
  const table = [
    header,
    ...tasks.map(
      (task) =>
        `${task.task_id.padEnd(14)} ${task.route.padEnd(12)} ${String(task.pack_tokens).padStart(6)} ${String(task.gold_tokens).padStart(7)} ${`${reduction(task)}%`.padStart(9)} ${`${task.span_recall}%`.padStart(6)} ${String(task.latency_ms).padStart(5)}  ${task.goal.slice(0, 60)}`,
    ),
  ];
  return {
    run_id: run.run_id,
    created_at: run.created_at,
    dataset: run.dataset,
    runs: run.runs,
    dry_run: run.dry_run === 1,
    passed: run.passed === 1,
    floors: JSON.parse(run.floors),
    overall: JSON.parse(run.overall),
    tasks: tasks.map((task) => ({
      id: task.task_id,
      corpus: task.corpus,
      goal: task.goal,
      route: task.route,
      tier: task.tier,
      model: task.model,
      sent_tokens: task.pack_tokens,
      gold_tokens: task.gold_tokens,
      drawn_tokens: task.drawn_tokens,
      token_reduction_pct: reduction(task),
      span_recall_pct: task.span_recall,
      file_recall_pct: task.file_recall,
      baseline_usd: task.baseline_usd,
      routed_usd: task.routed_usd,
      latency_ms: task.latency_ms,
    })),
    table,
  };
}

/**
 * Savings by cause over a run's tasks, from the stored per-task columns (benchmark_tasks: pack_tokens = the
 * benchmark's sent_tokens, gold_tokens, baseline_usd = gold × baseline_model's input price, routed_usd = sent × the
 * routed model's input price). Tasks without both prices are left out (`priced_tasks` says how many count).
 */
export function benchmarkSavings(
  tasks: readonly Pick<TaskRow, 'route' | 'pack_tokens' | 'gold_tokens' | 'baseline_usd' | 'routed_usd'>[],
): {
  priced_tasks: number;
  context_saving_usd: number;
  routing_saving_usd: number;
  local_saving_usd: number;
} {
  const savings = { priced_tasks: 0, context_saving_usd: 0, routing_saving_usd: 0, local_saving_usd: 0 };
  for (const task of tasks) {
    if (task.baseline_usd === null || task.routed_usd === null || task.gold_tokens <= 0 || task.pack_tokens <= 0)
      continue;
    const baselinePrice = task.baseline_usd / task.gold_tokens;
    const routedPrice = task.routed_usd / task.pack_tokens;
    savings.priced_tasks++;
    savings.context_saving_usd += (task.gold_tokens - task.pack_tokens) * routedPrice;
    const cheaper = task.pack_tokens * (baselinePrice - routedPrice);
    if (task.route === 'local_answer' || task.route === 'local_model') savings.local_saving_usd += cheaper;
    else savings.routing_saving_usd += cheaper;
  }
  return {
    priced_tasks: savings.priced_tasks,
    context_saving_usd: roundUsd(savings.context_saving_usd),
    routing_saving_usd: roundUsd(savings.routing_saving_usd),
    local_saving_usd: roundUsd(savings.local_saving_usd),
  };
}

/** benchmark-sales-summary: the savings statement of a run that a user can quote, each cause apart, and its method. */
export function benchmarkSalesSummary(
  db: Db,
  baselineModel: string,
  runId?: string,
): {
  run_id: string;
  statement: string;
  method: string;
  token_reduction_pct: number;
  gold_recall_pct: number;
  savings: ReturnType<typeof benchmarkSavings>;
} {
  const run = findRun(db, runId);
  const overall = JSON.parse(run.overall) as { tasks: number; token_reduction_pct: number; gold_recall_pct: number };
  const savings = benchmarkSavings(
    db
      .prepare('SELECT route, pack_tokens, gold_tokens, baseline_usd, routed_usd FROM benchmark_tasks WHERE run_id = ?')
      .all(run.run_id) as TaskRow[],
  );
  const cost =
    savings.priced_tasks === 0
      ? ''
      : ` Input-side at list prices, by cause (not summed): context ${formatUsd(savings.context_saving_usd)} (the whole files vs the pack, at the routed model), routing ${formatUsd(savings.routing_saving_usd)} (the pack at ${baselineModel} vs the routed model), local ${formatUsd(savings.local_saving_usd)} (packs answered locally, at ${baselineModel}).`;
  const statement = `On ${overall.tasks} tasks (dataset ${run.dataset}, ${run.created_at.slice(0, 10)}), codecontext sent ${overall.token_reduction_pct}% fewer tokens than pasting the whole files each change needed, keeping the code that mattered in ${overall.gold_recall_pct}% of cases.${cost}`;
  return {
    run_id: run.run_id,
    statement,
    method: SAVINGS_METHOD,
    token_reduction_pct: overall.token_reduction_pct,
    gold_recall_pct: overall.gold_recall_pct,
    savings,
  };
}
