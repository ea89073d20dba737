import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../config/app-config.js';
import { openDatabase, type Db } from '../indexing/open-database.js';
import { Ledger } from '../ledger/ledger.js';
import { TokenCounter, type EncodingName } from '../pack/token-counter.js';
import { buildPayload, callProvider } from '../providers/call-provider.js';
import { costOfUsage, lookupPrice, type ReportedUsage } from '../providers/prices.js';
import { ProviderError, type ProviderSpec } from '../providers/provider-types.js';
import { redactSecrets } from '../pack/redact-secrets.js';
import { messagesFor } from '../route/auto-executor.js';
import { LocalAnswerer } from '../route/answer-locally.js';
import { classifyRequest } from '../route/classify-request.js';
import { CodeContextGateway } from '../route/code-context-gateway.js';
import { priceFor } from '../route/price-request.js';
import { CodeContextError } from '../shared/errors.js';
import { hashContent } from '../shared/hash.js';
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
  baseline_usd: number | null;
  routed_usd: number | null;
  latency_ms: number;
  /** With a provider enabled: what the call really used and cost (provider-reported). */
  usage?: ReportedUsage | null;
  real_cost_usd?: number | null;
  call?: {
    provider: string;
    model: string;
    local: boolean;
    http_status: number | null;
    error_class: string | null;
    latency_ms: number;
    usage_source: 'provider' | 'local_count' | 'none';
  };
}

type Stat = { mean: number; min: number; max: number };

export interface BenchmarkResult {
  run_id: string;
  dataset: string;
  runs: number;
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
    baseline_usd: number;
    routed_usd: number;
    savings_pct: number | null;
    /** Provider-reported spend of the calls made (null on a dry run). */
    real_cost_usd: number | null;
    latency_ms: { p50: number; p95: number };
    /** Over --runs N: each metric's mean, min and max. */
    spread: Record<string, Stat>;
  };
  tasks: BenchmarkTask[];
}

export const BENCHMARK_METHOD =
  "Each task's goal is classified and packed at the dataset's top-k and budget; tokens sent (pack + goal, o200k) are compared with the whole gold files + goal; dollars are input-side, at baseline_model for the baseline and the routed model's price for codecontext.";

const pct = (part: number, whole: number): number => (whole === 0 ? 0 : Math.round((1000 * part) / whole) / 10);
const usd = (value: number): number => Math.round(value * 1e8) / 1e8;

function loadFloors(taskSet: TaskSet): BenchmarkFloors {
  return JSON.parse(readFileSync(path.join(taskSet.directory, 'floors.json'), 'utf8')) as BenchmarkFloors;
}

/** One pass over the task set: index each corpus, classify and pack each goal, price both sides. */
async function runOnce(
  gateway: CodeContextGateway,
  taskSet: TaskSet,
  floors: BenchmarkFloors,
): Promise<BenchmarkTask[]> {
  const counter = new TokenCounter(floors.encoding);
  const values = gateway.config.values;
  const baselinePrice = lookupPrice(values.baselineModel, gateway.pricing.overrides);
  const results = await measureRecall(taskSet, {
    topK: floors.top_k,
    tokenBudget: floors.token_budget,
    encoding: floors.encoding,
    inspect: ({ db, root, task }) => {
      const answerer = new LocalAnswerer(db);
      const classification = classifyRequest(task.goal, {
        routing: values.routing,
        hasLocalModel: Boolean(gateway.localProvider),
        resolvesLookup: (lookup) => answerer.resolves(lookup),
      });
      const provider =
        classification.route === 'local_model'
          ? gateway.localProvider
          : classification.route === 'external'
            ? gateway.providerForTier(classification.tier ?? 'standard')
            : undefined;
      let goldTokens = counter.count(task.goal);
      for (const file of task.gold_files) {
        try {
          goldTokens += counter.count(readFileSync(path.join(root, file), 'utf8'));
        } catch {
          // A gold file missing from the tree is reported by the recall (it cannot be packed either).
        }
      }
      return { classification, provider, goldTokens, goalTokens: counter.count(task.goal) };
    },
  });
  const tasks = results.map((result) => {
    const { classification, provider, goldTokens, goalTokens } = result.extra;
    const task = taskSet.tasks.find((entry) => entry.id === result.id)!;
    const sent = result.pack.tokens_used + goalTokens;
    const price = provider ? priceFor(provider, gateway.pricing) : { input: 0, output: 0 };
    return {
      id: result.id,
      corpus: result.corpus,
      goal: task.goal,
      names_target: result.names_target,
      route: classification.route,
      tier: classification.tier,
      model: provider?.model ?? null,
      sent_tokens: sent,
      gold_tokens: goldTokens,
      drawn_tokens: result.pack.naive_baseline_tokens,
      token_reduction_pct: pct(goldTokens - sent, goldTokens),
      span_recall_pct: Math.round(result.span_recall * 1000) / 10,
      file_recall_pct: Math.round(result.file_recall * 1000) / 10,
      baseline_usd: baselinePrice ? usd((goldTokens * baselinePrice.input) / 1e6) : null,
      routed_usd: price ? usd((sent * price.input) / 1e6) : null,
      latency_ms: result.latency_ms,
      provider,
      context: result.pack.context,
    };
  });
  // With a provider enabled, each task's pack is really sent and its usage recorded; otherwise the run is dry.
  const finished: BenchmarkTask[] = [];
  for (const { provider, context, ...task } of tasks) {
    if (!gateway.callsEnabled || !provider || task.route === 'local_answer') {
      finished.push(task);
      continue;
    }
    finished.push({ ...task, ...(await callFor(gateway, provider, task.goal, context)) });
  }
  return finished;
}

/** One real call for a benchmark task: the same payload auto-start-request would send (goal and pack redacted). */
async function callFor(
  gateway: CodeContextGateway,
  provider: ProviderSpec,
  goal: string,
  context: string,
): Promise<Pick<BenchmarkTask, 'usage' | 'real_cost_usd' | 'call'>> {
  const payload = buildPayload(provider, messagesFor(redactSecrets(goal).text, context));
  const started = performance.now();
  const price = priceFor(provider, gateway.pricing);
  try {
    const reply = await callProvider(provider, payload, { env: gateway.env });
    const cost = reply.usage && price ? costOfUsage(reply.usage, price) : null;
    return {
      usage: reply.usage,
      real_cost_usd: cost,
      call: {
        provider: provider.name,
        model: provider.model,
        local: provider.local,
        http_status: 200,
        error_class: null,
        latency_ms: Math.round(performance.now() - started),
        usage_source: reply.usage ? 'provider' : 'none',
      },
    };
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    return {
      usage: null,
      real_cost_usd: null,
      call: {
        provider: provider.name,
        model: provider.model,
        local: provider.local,
        http_status: error.httpStatus,
        error_class: error.errorClass,
        latency_ms: Math.round(performance.now() - started),
        usage_source: 'none',
      },
    };
  }
}

function overallOf(tasks: readonly BenchmarkTask[]): Omit<BenchmarkResult['overall'], 'spread'> {
  const sum = (pick: (task: BenchmarkTask) => number): number => tasks.reduce((total, task) => total + pick(task), 0);
  const sent = sum((task) => task.sent_tokens);
  const gold = sum((task) => task.gold_tokens);
  const drawn = sum((task) => task.drawn_tokens);
  const latencies = tasks.map((task) => task.latency_ms).sort((a, b) => a - b);
  const at = (p: number): number =>
    latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(p * latencies.length) - 1))] ?? 0;
  const baseline = sum((task) => task.baseline_usd ?? 0);
  const routed = sum((task) => task.routed_usd ?? 0);
  const routeMix: Record<string, number> = {};
  for (const task of tasks) routeMix[task.route] = (routeMix[task.route] ?? 0) + 1;
  return {
    tasks: tasks.length,
    token_reduction_pct: pct(gold - sent, gold),
    token_reduction_vs_drawn_pct: pct(drawn - sent, drawn),
    gold_recall_pct: Math.round((10 * sum((task) => task.span_recall_pct)) / Math.max(1, tasks.length)) / 10,
    file_recall_pct: Math.round((10 * sum((task) => task.file_recall_pct)) / Math.max(1, tasks.length)) / 10,
    route_mix: routeMix,
    baseline_usd: usd(baseline),
    routed_usd: usd(routed),
    savings_pct: baseline > 0 ? pct(baseline - routed, baseline) : null,
    real_cost_usd: tasks.some((task) => task.call) ? usd(sum((task) => task.real_cost_usd ?? 0)) : null,
    latency_ms: { p50: at(0.5), p95: at(0.95) },
  };
}

/**
 * `benchmark-run`: the task set (bench/datasets/<name>, resolved in the package, or built from git history)
 * through classify + pack, `runs` times; stored in the database (one row per run and per task, plus a
 * `requests` row per task with source benchmark). Below the dataset's floors the run fails (exit 1).
 */
export async function runBenchmark(
  config: AppConfig,
  options: { dataset?: string; runs?: number; taskSet?: TaskSet; floors?: Partial<BenchmarkFloors> },
): Promise<BenchmarkResult> {
  const taskSet = options.taskSet ?? loadTaskSet(options.dataset ?? 'default');
  const floors = { ...loadFloors(options.taskSet ? loadTaskSet('default') : taskSet), ...options.floors };
  const gateway = new CodeContextGateway(config);
  const runs = options.runs ?? 1;
  const passes: BenchmarkTask[][] = [];
  for (let run = 0; run < runs; run++) passes.push(await runOnce(gateway, taskSet, floors));
  const overalls = passes.map(overallOf);
  const spread: Record<string, Stat> = {};
  for (const metric of [
    'token_reduction_pct',
    'token_reduction_vs_drawn_pct',
    'gold_recall_pct',
    'file_recall_pct',
    'baseline_usd',
    'routed_usd',
  ] as const) {
    const values = overalls.map((overall) => overall[metric] as number);
    spread[metric] = {
      mean: Math.round((1e4 * values.reduce((a, b) => a + b, 0)) / values.length) / 1e4,
      min: Math.min(...values),
      max: Math.max(...values),
    };
  }
  spread.latency_p50_ms = {
    mean: overalls.reduce((a, b) => a + b.latency_ms.p50, 0) / runs,
    min: Math.min(...overalls.map((o) => o.latency_ms.p50)),
    max: Math.max(...overalls.map((o) => o.latency_ms.p50)),
  };
  const last = passes[passes.length - 1]!;
  const overall = { ...overallOf(last), spread };
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
  const db = openDatabase(config.databasePath);
  try {
    storeRun(db, result, config.values.baselineModel);
  } finally {
    db.close();
  }
  if (!passed) {
    throw new CodeContextError(
      'negative',
      `benchmark below its floors: token reduction ${overall.token_reduction_pct}% (floor ${result.floors.token_reduction_min_pct}%), gold recall ${overall.gold_recall_pct}% (floor ${result.floors.gold_recall_min_pct}%)`,
      { details: { ...result } },
    );
  }
  return result;
}

function storeRun(db: Db, result: BenchmarkResult, baselineModel: string): void {
  const ledger = new Ledger(db);
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
      db.prepare(`INSERT INTO benchmark_tasks (run_id, task_id, corpus, goal, route, tier, model, pack_tokens, gold_tokens, drawn_tokens, span_recall, file_recall, latency_ms, baseline_usd, routed_usd)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
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
        task.baseline_usd,
        task.routed_usd,
      );
      // Also a ledger request (source benchmark): reports count it only with --include-benchmark.
      const { id } = ledger.start({
        source: 'benchmark',
        goalHash: hashContent(task.goal),
        route: task.route,
        tier: task.tier,
        provider: null,
        model: task.model,
        classReason: `benchmark ${result.run_id} task ${task.id}`,
        complexityScore: 0,
        capUsd: 0,
        baselineModel,
      });
      if (task.call) {
        ledger.recordCall(id, {
          attempt: 1,
          provider: task.call.provider,
          model: task.call.model,
          local: task.call.local,
          httpStatus: task.call.http_status,
          errorClass: task.call.error_class,
          latencyMs: task.call.latency_ms,
          usage: task.usage ?? null,
          usageSource: task.call.usage_source,
          costUsd: task.real_cost_usd ?? null,
          costIsEstimate: false,
        });
      }
      ledger.finish(id, {
        status: task.call ? (task.call.error_class ? 'failed' : 'completed') : 'dry_run',
        route: task.route,
        tier: task.tier,
        provider: null,
        model: task.model,
        contextTokens: task.sent_tokens,
        sessionTokensSaved: 0,
        redactions: 0,
        capAction: 'none',
        estimatedCostUsd: task.routed_usd,
        unpriced: task.routed_usd === null,
        naiveBaselineTokens: task.drawn_tokens,
        baselineCostUsd: task.baseline_usd,
        latencyMs: task.latency_ms,
        errorClass: null,
      });
    }
  })();
}
