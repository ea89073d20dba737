/**
 * Choose the fusion weights of the history signals by leave-one-repository-out cross-validation over a dump of
 * run-swebench.ts (`--dump parts.jsonl`: per instance, the default ranking's candidates with their score parts).
 * For each repository held out, every weight combination of the grid is scored on the other repositories (the
 * mean over them of (Acc@1 + Acc@3 + Acc@5 + Acc@10) / 4, each repository counting once however many instances it
 * has) and the best is evaluated on the held-out one: the table says how well weights chosen without a repository
 * do on it. The weights to ship are the grid point best on all repositories together, reported beside the
 * held-out figures so a gap between them is visible.
 * Re-fusing re-orders the dumped candidates only (the 300 best chunks under the weights the dump ran with).
 * Usage: node --import tsx bench/retrieval/tune-weights.ts /tmp/parts.jsonl
 */
import { readFileSync } from 'node:fs';
import { emptyParts, fuse, WEIGHTS, type FusionWeights, type ScoreParts } from '../../src/retrieve/rank-chunks.js';
import { rankFiles } from '../../src/retrieve/search-project.js';

interface Dumped {
  id: string;
  repo: string;
  gold: string[];
  candidates: Array<[string, ScoreParts]>;
}

const KS = [1, 3, 5, 10] as const;
const GRID: Partial<Record<keyof FusionWeights, number[]>> = {
  history: [0, 0.25, 0.5, 0.75, 1, 1.5],
  co_change: [0, 0.1, 0.2, 0.4, 0.6],
  // graph stays at 0.3: the default task set (span recall 90.6% at 0.3, 89.1% at 0.15) disagrees with SWE-bench's 0.15.
  graph: [0.3],
};

const dumpPath = process.argv[2];
if (!dumpPath) throw new Error('usage: tune-weights.ts <parts.jsonl>');
const instances = readFileSync(dumpPath, 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Dumped);
const repos = [...new Set(instances.map((instance) => instance.repo))].sort();

function combinations(): FusionWeights[] {
  let points: FusionWeights[] = [{ ...WEIGHTS }];
  for (const [part, values] of Object.entries(GRID) as Array<[keyof FusionWeights, number[]]>)
    points = points.flatMap((point) => values.map((value) => ({ ...point, [part]: value })));
  return points;
}

/** Acc@k (all gold files in the top k) of one instance under `weights`, as 0/1 per k. */
function hits(instance: Dumped, weights: FusionWeights): number[] {
  const ranked = instance.candidates
    // A part a dump predates (a factor added since) takes its neutral value.
    .map(([path, why]) => ({ chunk: { path, end_line: 0 }, score: fuse({ ...emptyParts(), ...why }, weights) }))
    .sort((a, b) => b.score - a.score || (a.chunk.path < b.chunk.path ? -1 : 1));
  const files = rankFiles(ranked).map((file) => file.path);
  return KS.map((k) => (instance.gold.every((gold) => files.slice(0, k).includes(gold)) ? 1 : 0));
}

/** Per repository, Acc@k in percent under `weights`. */
function accuracy(weights: FusionWeights, only: readonly string[]): Map<string, number[]> {
  const byRepo = new Map<string, number[][]>();
  for (const instance of instances) {
    if (!only.includes(instance.repo)) continue;
    byRepo.set(instance.repo, [...(byRepo.get(instance.repo) ?? []), hits(instance, weights)]);
  }
  return new Map(
    [...byRepo].map(([repo, rows]) => [
      repo,
      KS.map((_, index) => (100 * rows.reduce((sum, row) => sum + row[index]!, 0)) / rows.length),
    ]),
  );
}

const objective = (byRepo: Map<string, number[]>): number =>
  [...byRepo.values()].reduce((sum, acc) => sum + acc.reduce((a, b) => a + b, 0) / acc.length, 0) / byRepo.size;

// `--eval history=0.25,co_change=0.1`: only print per-repository Acc@k under those weights (the rest as shipped).
const evalIndex = process.argv.indexOf('--eval');
if (evalIndex > 0) {
  const weights: Record<string, number> = { ...WEIGHTS };
  for (const pair of (process.argv[evalIndex + 1] ?? '').split(',')) {
    const [part, value] = pair.split('=');
    if (!part || !(part in WEIGHTS) || !Number.isFinite(Number(value))) throw new Error(`--eval: bad weight ${pair}`);
    weights[part] = Number(value);
  }
  const byRepo = accuracy(weights as FusionWeights, repos);
  const all = instances.map((instance) => hits(instance, weights as FusionWeights));
  const overall = KS.map((_, index) => (100 * all.reduce((sum, row) => sum + row[index]!, 0)) / all.length);
  process.stdout.write(`${JSON.stringify({ weights, by_repo: Object.fromEntries(byRepo), overall })}\n`);
  process.exit(0);
}

const grid = combinations();
const scored = new Map(grid.map((weights) => [weights, accuracy(weights, repos)]));
const bestOn = (train: readonly string[]): FusionWeights => {
  let best = grid[0]!;
  let bestScore = -1;
  for (const [weights, byRepo] of scored) {
    const score = objective(new Map(train.map((repo) => [repo, byRepo.get(repo)!])));
    if (score > bestScore + 1e-9) [best, bestScore] = [weights, score];
  }
  return best;
};

const tuned = Object.keys(GRID) as Array<keyof FusionWeights>;
const pick = (weights: FusionWeights): Record<string, number> =>
  Object.fromEntries(tuned.map((part) => [part, weights[part]]));
const round = (values: number[]): number[] => values.map((value) => Math.round(value * 10) / 10);
const heldOut = repos.map((repo) => {
  const weights = bestOn(repos.filter((other) => other !== repo));
  return {
    repo,
    chosen_without_it: pick(weights),
    held_out_acc: round(scored.get(weights)!.get(repo)!),
    current_weights_acc: round(accuracy(WEIGHTS, [repo]).get(repo)!),
  };
});
const overall = bestOn(repos);
process.stdout.write(
  `${JSON.stringify(
    {
      dump: dumpPath,
      instances: instances.length,
      ks: KS,
      grid: GRID,
      leave_one_repo_out: heldOut,
      best_on_all: {
        weights: pick(overall),
        acc_by_repo: Object.fromEntries([...scored.get(overall)!].map(([r, a]) => [r, round(a)])),
      },
    },
    null,
    2,
  )}\n`,
);
