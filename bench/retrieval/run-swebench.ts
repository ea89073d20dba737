/**
 * Retrieval quality on real SWE-bench issues (../shared/eval/swebench-dev.jsonl), no LLM anywhere.
 * For each instance: the repository's tree at `base_commit` (materialized incrementally from a fetched bare
 * snapshot, never committed), the index refreshed incrementally, then the problem statement ranked:
 *   file Acc@k  — all gold files among the top-k ranked files (k = 1, 3, 5, 10), per ablation mode;
 *   packed recall@13k — share of gold files present in a 13,000-token cl100k context pack (full ranking).
 * Usage: node --import tsx bench/retrieval/run-swebench.ts --mirrors /work/.mirror [--repos sympy/sympy,…] [--limit N]
 * Prints per-instance lines on stderr and one JSON summary on stdout. Embeddings off.
 */
import { readFileSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { openDatabase } from '../../src/indexing/open-database.js';
import { refreshIndex } from '../../src/indexing/refresh-index.js';
import { rankChunks, type RankOptions } from '../../src/retrieve/rank-chunks.js';
import { rankFiles } from '../../src/retrieve/search-project.js';
import { buildContextPack } from '../../src/pack/pack-context.js';
import { materializeTree, type TreeListing } from './materialize-tree.js';

interface Instance {
  instance_id: string;
  repo: string;
  base_commit: string;
  problem_statement: string;
  gold_files: string[];
}

const argument = (name: string, fallback?: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const datasetPath = argument('--dataset', path.resolve('..', 'shared', 'eval', 'swebench-dev.jsonl'))!;
const mirrors = argument('--mirrors', '/work/.mirror')!;
const repos = argument('--repos', 'sympy/sympy,sphinx-doc/sphinx,pydata/xarray,astropy/astropy')!.split(',');
const limit = Number(argument('--limit', '100000'));
const PACK_BUDGET = 13_000;
const KS = [1, 3, 5, 10] as const;
const MODES: Record<string, RankOptions> = {
  bm25: { structure: false, graph: false },
  structure: { graph: false },
  graph: {},
};

const instances = readFileSync(datasetPath, 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Instance);
type Counts = Record<string, { n: number; acc: Record<number, number>; packed: number }>;
const perRepo: Record<string, Counts> = {};

for (const repo of repos) {
  const gitDir = path.join(mirrors, repo.replace('/', '+'), 'repo');
  const own = instances.filter((instance) => instance.repo === repo).slice(0, limit);
  // Oldest base commit first: consecutive trees are close, so each refresh re-parses little.
  const time = (commit: string): number =>
    Number(
      execFileSync('git', ['--git-dir', gitDir, 'log', '-1', '--format=%ct', commit], { encoding: 'utf8' }).trim(),
    );
  own.sort((a, b) => time(a.base_commit) - time(b.base_commit));
  const work = path.join(os.tmpdir(), `swebench-${repo.replace('/', '+')}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(path.join(work, 'tree'), { recursive: true });
  const db = openDatabase(path.join(work, 'data', 'codecontext.db'));
  const counts: Counts = {};
  for (const mode of [...Object.keys(MODES), 'packed'])
    counts[mode] = { n: 0, acc: { 1: 0, 3: 0, 5: 0, 10: 0 }, packed: 0 };
  let listing: TreeListing = new Map();
  for (const instance of own) {
    listing = materializeTree(gitDir, instance.base_commit, path.join(work, 'tree'), listing);
    await refreshIndex(db, { root: path.join(work, 'tree'), maxFileBytes: 1 << 20 });
    const line: string[] = [instance.instance_id];
    for (const [mode, options] of Object.entries(MODES)) {
      const files = rankFiles(rankChunks(db, instance.problem_statement, 300, options)).map((file) => file.path);
      const entry = counts[mode]!;
      entry.n++;
      for (const k of KS) if (instance.gold_files.every((gold) => files.slice(0, k).includes(gold))) entry.acc[k]!++;
      line.push(`${mode}:${files.findIndex((file) => instance.gold_files.includes(file))}`);
    }
    const pack = buildContextPack(db, {
      root: path.join(work, 'tree'),
      goal: instance.problem_statement,
      topK: 200,
      tokenBudget: PACK_BUDGET,
      encoding: 'cl100k_base',
    });
    const packedFiles = new Set(pack.chunks.map((chunk) => chunk.path));
    const recall = instance.gold_files.filter((gold) => packedFiles.has(gold)).length / instance.gold_files.length;
    counts.packed!.n++;
    counts.packed!.packed += recall;
    line.push(`packed:${recall.toFixed(2)}`);
    process.stderr.write(`${line.join(' ')}\n`);
  }
  db.close();
  perRepo[repo] = counts;
}

const pct = (value: number, n: number): number => (n === 0 ? 0 : Math.round((1000 * value) / n) / 10);
const summary: Record<string, unknown> = {};
const overall: Counts = {};
for (const [repo, counts] of Object.entries(perRepo)) {
  summary[repo] = Object.fromEntries(
    Object.entries(counts).map(([mode, entry]) => [
      mode,
      mode === 'packed'
        ? { n: entry.n, packed_recall_13k: pct(entry.packed, entry.n) }
        : { n: entry.n, ...Object.fromEntries(KS.map((k) => [`acc@${k}`, pct(entry.acc[k]!, entry.n)])) },
    ]),
  );
  for (const [mode, entry] of Object.entries(counts)) {
    const total = (overall[mode] ??= { n: 0, acc: { 1: 0, 3: 0, 5: 0, 10: 0 }, packed: 0 });
    total.n += entry.n;
    total.packed += entry.packed;
    for (const k of KS) total.acc[k]! += entry.acc[k]!;
  }
}
summary.overall = Object.fromEntries(
  Object.entries(overall).map(([mode, entry]) => [
    mode,
    mode === 'packed'
      ? { n: entry.n, packed_recall_13k: pct(entry.packed, entry.n) }
      : { n: entry.n, ...Object.fromEntries(KS.map((k) => [`acc@${k}`, pct(entry.acc[k]!, entry.n)])) },
  ]),
);
process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), budget: PACK_BUDGET, summary }, null, 2)}\n`);
