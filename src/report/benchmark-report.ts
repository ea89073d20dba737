import type { Db } from '../indexing/open-database.js';
import { CodeContextError } from '../shared/errors.js';
import { benchmarkStatement, SAVINGS_METHOD } from './benchmark-statement.js';

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
  gold_usd: number | null;
  sent_usd: number | null;
  sent_baseline_usd: number | null;
  run_request_id: string | null;
}

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

/**
 * benchmark-report: one run (the last unless `runId`) with its per-task rows; the CLI's text and markdown renderers
 * draw the table from those rows.
 */
export function benchmarkReport(db: Db, runId?: string): Record<string, unknown> {
  const run = findRun(db, runId);
  const tasks = db
    .prepare('SELECT * FROM benchmark_tasks WHERE run_id = ? ORDER BY rowid')
    .all(run.run_id) as TaskRow[];
  const reduction = (task: TaskRow): number =>
    task.gold_tokens === 0 ? 0 : Math.round((1000 * (task.gold_tokens - task.pack_tokens)) / task.gold_tokens) / 10;
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
      run_id: task.run_request_id,
      gold_usd: task.gold_usd,
      sent_usd: task.sent_usd,
      sent_baseline_usd: task.sent_baseline_usd,
      latency_ms: task.latency_ms,
    })),
  };
}

/** benchmark-sales-summary: the savings statement of a run that a user can quote, and its method. */
export function benchmarkSalesSummary(db: Db, runId?: string): { run_id: string; statement: string; method: string } {
  const run = findRun(db, runId);
  return { run_id: run.run_id, statement: benchmarkStatement(run), method: SAVINGS_METHOD };
}
