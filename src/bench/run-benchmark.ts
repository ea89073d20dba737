import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../config/app-config.js';
import { openDatabase, type Db } from '../indexing/open-database.js';
import { ledgerStoreFor } from '../ledger/ledger-store.js';
import { TokenCounter, type EncodingName } from '../pack/token-counter.js';
import { executeRequest } from '../pipeline/execute-request.js';
import { planGoalRequest } from '../pipeline/plan-goal-request.js';
import type { RequestOutcome } from '../pipeline/request-outcome.js';
import { lookupPrice, type ModelPrice } from '../providers/prices.js';
import { CodeContextGateway } from '../route/code-context-gateway.js';
import { priceFor } from '../route/price-request.js';
import { CodeContextError } from '../shared/errors.js';
import { roundUsd } from '../shared/money.js';
import { measureRecall } from './measure-recall.js';
import { loadTaskSet, type TaskSet } from './task-set.js';

/** The floors a run must meet (the dataset's floors.json): CI fails below them. */
export interface BenchmarkFloors {
  top_k: number;
  token_budget: number;
  encoding: EncodingName;
  span_recall_min: number;
  token_reduction_min: number;
}

export interface BenchmarkTask {
  id: string;
  corpus: string;
  goal: string;
  names_target: boolean;
  /** The request's run id in the ledger (source benchmark). */
  run_id: string;
  status: string;
  route: string;
  tier: string | null;
  model: string | null;
  /** Tokens sent: the pack plus the goal. */
  sent_tokens: number;
  /** The headline baseline: the whole gold files plus the goal, whatever codecontext chose. */
  gold_tokens: number;
  /** The whole files the pack drew from, plus the goal (the per-request naive baseline). */
  drawn_tokens: number;
  token_reduction_pct: number;
  span_recall_pct: number;
  file_recall_pct: number;
  /** Input side at list prices: the gold files and what was sent at the routed model's price (context packing). */
  gold_usd: number | null;
  sent_usd: number | null;
  /** What was sent, at baseline_model's price (model choice). */
  sent_baseline_usd: number | null;
  latency_ms: number;
  /** With a provider enabled: the call's provider-reported spend and the bounds counted for usage it did not report. */
  real_cost_usd: number | null;
  unreported_cost_usd: number | null;
  error_class: string | null;
}

type Stat = { mean: number; min: number; max: number };

export interface BenchmarkResult {
  run_id: string;
  dataset: string;
  runs: number;
  /** True when no model was called (llm_client disabled). */
  dry_run: boolean;
  method: string;
  floors: { token_reduction_min_pct: number; gold_recall_min_pct: number };
  passed: boolean;
  overall: {
    tasks: number;
    token_reduction_pct: number;
    token_reduction_vs_drawn_pct: number;
    gold_recall_pct: number;
    file_recall_pct: number;
    route_mix: Record<string, number>;
    /** Context packing: the gold files vs what was sent, both at the routed model's input price. */
    context: { gold_usd: number; sent_usd: number; saving_pct: number | null };
    /** Model choice: what was sent at baseline_model's input price vs at the routed model's. A separate cause. */
    routing: { baseline_model: string; sent_baseline_usd: number; sent_usd: number; saving_pct: number | null };
    /** Model calls made (0 on a dry run), failed ones, provider-reported spend and unreported bounds. */
    calls: { made: number; failed: number; real_cost_usd: number; unreported_cost_usd: number };
    latency_ms: { p50: number; p95: number };
    /** Over --runs N: each metric's mean, min and max. */
    spread: Record<string, Stat>;
  };
  tasks: BenchmarkTask[];
}

export const BENCHMARK_METHOD =
  "Each task's goal goes through codecontext's request pipeline (classify, pack at the dataset's top-k and budget, route under the cap; a model is called only with a provider enabled). Tokens sent (pack + goal, the dataset's encoding) are compared with the whole gold files + goal. Dollars are input-side at list prices and split by cause: context packing compares gold and sent tokens at the routed model's price; model choice compares the sent tokens at baseline_model's price with the routed model's. The two are never added.";

const pct = (part: number, whole: number): number => (whole === 0 ? 0 : Math.round((1000 * part) / whole) / 10);
const inputUsd = (tokens: number, price: ModelPrice | null | undefined): number | null =>
  price ? roundUsd((tokens * price.input) / 1e6) : null;

function loadFloors(taskSet: TaskSet): BenchmarkFloors {
  return JSON.parse(readFileSync(path.join(taskSet.directory, 'floors.json'), 'utf8')) as BenchmarkFloors;
}

/** One pass over the task set: index each corpus; each goal through the request pipeline; price both sides. */
async function runOnce(
  gateway: CodeContextGateway,
  ledgerDb: Db,
  taskSet: TaskSet,
  floors: BenchmarkFloors,
): Promise<BenchmarkTask[]> {
  const counter = new TokenCounter(floors.encoding);
  const values = gateway.config.values;
  const baselinePrice = lookupPrice(values.baselineModel, gateway.pricing.overrides);
  const mode = gateway.callsEnabled ? 'call' : 'dry_run';
  const store = await ledgerStoreFor(gateway.config, ledgerDb);
  const results = await measureRecall(taskSet, {
    topK: floors.top_k,
    tokenBudget: floors.token_budget,
    encoding: floors.encoding,
    inspect: async ({ db, root, task, pack }) => {
      let goldTokens = counter.count(task.goal);
      for (const file of task.gold_files) {
        try {
          goldTokens += counter.count(readFileSync(path.join(root, file), 'utf8'));
        } catch {
          // A gold file missing from the tree is reported by the recall (it cannot be packed either).
        }
      }
      const plan = await planGoalRequest(gateway, db, {
        goal: task.goal,
        surface: 'benchmark-run',
        source: 'benchmark',
        pack,
        root,
      });
      const outcome: RequestOutcome = await executeRequest(
        plan,
        { gateway, db: ledgerDb, store, env: gateway.env },
        mode,
      );
      return { outcome, goldTokens, goalTokens: counter.count(task.goal) };
    },
  });
  return results.map((result) => {
    const { outcome, goldTokens, goalTokens } = result.extra;
    const task = taskSet.tasks.find((entry) => entry.id === result.id)!;
    const sent = result.pack.tokens_used + goalTokens;
    const provider = outcome.provider ? gateway.providerNamed(outcome.provider) : undefined;
    const routedPrice = provider
      ? priceFor(provider, gateway.pricing)
      : outcome.route === 'local_answer'
        ? { input: 0, output: 0 }
        : null;
    const called = mode === 'call' && outcome.route !== 'local_answer' && outcome.status !== 'blocked';
    return {
      id: result.id,
      corpus: result.corpus,
      goal: task.goal,
      names_target: result.names_target,
      run_id: outcome.runId,
      status: outcome.status,
      route: outcome.route,
      tier: outcome.tier,
      model: outcome.model,
      sent_tokens: sent,
      gold_tokens: goldTokens,
      drawn_tokens: result.pack.naive_baseline_tokens,
      token_reduction_pct: pct(goldTokens - sent, goldTokens),
      span_recall_pct: Math.round(result.span_recall * 1000) / 10,
      file_recall_pct: Math.round(result.file_recall * 1000) / 10,
      gold_usd: inputUsd(goldTokens, routedPrice),
      sent_usd: inputUsd(sent, routedPrice),
      sent_baseline_usd: inputUsd(sent, baselinePrice),
      latency_ms: result.latency_ms,
      real_cost_usd: called ? outcome.costUsd : null,
      unreported_cost_usd: called ? outcome.unreportedCostUsd : null,
      error_class: outcome.error?.errorClass ?? null,
    };
  });
}

function overallOf(tasks: readonly BenchmarkTask[], baselineModel: string): Omit<BenchmarkResult['overall'], 'spread'> {
  const sum = (pick: (task: BenchmarkTask) => number | null): number =>
    tasks.reduce((total, task) => total + (pick(task) ?? 0), 0);
  const sent = sum((task) => task.sent_tokens);
  const gold = sum((task) => task.gold_tokens);
  const drawn = sum((task) => task.drawn_tokens);
  const latencies = tasks.map((task) => task.latency_ms).sort((a, b) => a - b);
  const at = (p: number): number =>
    latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(p * latencies.length) - 1))] ?? 0;
  const routeMix: Record<string, number> = {};
  for (const task of tasks) routeMix[task.route] = (routeMix[task.route] ?? 0) + 1;
  const goldUsd = sum((task) => task.gold_usd);
  const sentUsd = sum((task) => task.sent_usd);
  const sentBaselineUsd = sum((task) => task.sent_baseline_usd);
  const made = tasks.filter((task) => task.real_cost_usd !== null);
  return {
    tasks: tasks.length,
    token_reduction_pct: pct(gold - sent, gold),
    token_reduction_vs_drawn_pct: pct(drawn - sent, drawn),
    gold_recall_pct: Math.round((10 * sum((task) => task.span_recall_pct)) / Math.max(1, tasks.length)) / 10,
    file_recall_pct: Math.round((10 * sum((task) => task.file_recall_pct)) / Math.max(1, tasks.length)) / 10,
    route_mix: routeMix,
    context: {
      gold_usd: roundUsd(goldUsd),
      sent_usd: roundUsd(sentUsd),
      saving_pct: goldUsd > 0 ? pct(goldUsd - sentUsd, goldUsd) : null,
    },
    routing: {
      baseline_model: baselineModel,
      sent_baseline_usd: roundUsd(sentBaselineUsd),
      sent_usd: roundUsd(sentUsd),
      saving_pct: sentBaselineUsd > 0 ? pct(sentBaselineUsd - sentUsd, sentBaselineUsd) : null,
    },
    calls: {
      made: made.length,
      failed: made.filter((task) => task.status !== 'completed').length,
      real_cost_usd: roundUsd(sum((task) => task.real_cost_usd)),
      unreported_cost_usd: roundUsd(sum((task) => task.unreported_cost_usd)),
    },
    latency_ms: { p50: at(0.5), p95: at(0.95) },
  };
}

/**
 * `benchmark-run`: the task set (bench/datasets/<name>, resolved in the package, or built from git history)
 * through the request pipeline, `runs` times; every task a ledger request (source benchmark) like any other, the
 * run stored beside (one row per run and per task). Below the dataset's floors the run fails (exit 1).
 */
export async function runBenchmark(
  config: AppConfig,
  options: { dataset?: string; runs?: number; taskSet?: TaskSet; floors?: Partial<BenchmarkFloors> },
): Promise<BenchmarkResult> {
  const taskSet = options.taskSet ?? loadTaskSet(options.dataset ?? 'default');
  const floors = { ...loadFloors(options.taskSet ? loadTaskSet('default') : taskSet), ...options.floors };
  const gateway = new CodeContextGateway(config);
  const runs = options.runs ?? 1;
  const baselineModel = config.values.baselineModel;
  const db = openDatabase(config.databasePath);
  try {
    const passes: BenchmarkTask[][] = [];
    for (let run = 0; run < runs; run++) passes.push(await runOnce(gateway, db, taskSet, floors));
    const overalls = passes.map((pass) => overallOf(pass, baselineModel));
    const spread: Record<string, Stat> = {};
    const metrics: Record<string, (overall: (typeof overalls)[number]) => number> = {
      token_reduction_pct: (o) => o.token_reduction_pct,
      token_reduction_vs_drawn_pct: (o) => o.token_reduction_vs_drawn_pct,
      gold_recall_pct: (o) => o.gold_recall_pct,
      file_recall_pct: (o) => o.file_recall_pct,
      sent_usd: (o) => o.context.sent_usd,
      latency_p50_ms: (o) => o.latency_ms.p50,
    };
    for (const [metric, pick] of Object.entries(metrics)) {
      const values = overalls.map(pick);
      spread[metric] = {
        mean: Math.round((1e4 * values.reduce((a, b) => a + b, 0)) / values.length) / 1e4,
        min: Math.min(...values),
        max: Math.max(...values),
      };
    }
    const last = passes[passes.length - 1]!;
    const overall = { ...overallOf(last, baselineModel), spread };
    const passed =
      overall.token_reduction_pct >= floors.token_reduction_min * 100 &&
      overall.gold_recall_pct >= floors.span_recall_min * 100;
    const result: BenchmarkResult = {
      run_id: randomUUID(),
      dataset: taskSet.name,
      runs,
      dry_run: !gateway.callsEnabled,
      method: BENCHMARK_METHOD,
      floors: {
        token_reduction_min_pct: floors.token_reduction_min * 100,
        gold_recall_min_pct: floors.span_recall_min * 100,
      },
      passed,
      overall,
      tasks: last,
    };
    storeRun(db, result);
    if (!passed) {
      throw new CodeContextError(
        'negative',
        `benchmark below its floors: token reduction ${overall.token_reduction_pct}% (floor ${result.floors.token_reduction_min_pct}%), gold recall ${overall.gold_recall_pct}% (floor ${result.floors.gold_recall_min_pct}%)`,
        { details: { ...result } },
      );
    }
    return result;
  } finally {
    db.close();
  }
}

function storeRun(db: Db, result: BenchmarkResult): void {
  db.transaction(() => {
    db.prepare(
      'INSERT INTO benchmark_runs (run_id, created_at, dataset, runs, dry_run, passed, overall, floors) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      result.run_id,
      new Date().toISOString(),
      result.dataset,
      result.runs,
      result.dry_run ? 1 : 0,
      result.passed ? 1 : 0,
      JSON.stringify(result.overall),
      JSON.stringify(result.floors),
    );
    const insertTask =
      db.prepare(`INSERT INTO benchmark_tasks (run_id, task_id, corpus, goal, route, tier, model, pack_tokens, gold_tokens,
        drawn_tokens, span_recall, file_recall, latency_ms, gold_usd, sent_usd, sent_baseline_usd, run_request_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const task of result.tasks) {
      insertTask.run(
        result.run_id,
        task.id,
        task.corpus,
        task.goal,
        task.route,
        task.tier,
        task.model,
        task.sent_tokens,
        task.gold_tokens,
        task.drawn_tokens,
        task.span_recall_pct,
        task.file_recall_pct,
        task.latency_ms,
        task.gold_usd,
        task.sent_usd,
        task.sent_baseline_usd,
        task.run_id,
      );
    }
  })();
}
