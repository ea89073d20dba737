/**
 * Retrieval quality on real SWE-bench issues (../shared/eval/swebench-dev.jsonl), no LLM anywhere.
 * For each instance: a git checkout whose history ends at `base_commit` — a repository borrowing the fetched bare
 * snapshot's objects (alternates) with `base_commit` as its only ref, its tree materialized incrementally, never
 * committed — so the product sees what a user at that commit would (the history index reads ancestors of HEAD only;
 * later commits sit in the borrowed object store unread). The index is refreshed incrementally, then the problem
 * statement ranked:
 *   file Acc@k  — all gold files among the top-k ranked files (k = 1, 3, 5, 10), per ablation mode;
 *   packed recall@13k — share of gold files present in a 13,000-token cl100k context pack (full ranking).
 * Usage: node --import tsx bench/retrieval/run-swebench.ts --mirrors /work/.mirror [--repos sympy/sympy,…] [--limit N]
 *   [--history-commits N] [--dump parts.jsonl]
 * Prints per-instance lines on stderr and one JSON summary on stdout. Embeddings off. `--dump` writes, per instance,
 * the full ranking's candidates with their score parts (for choosing weights by cross-validation: tune-weights.ts).
 */
import { appendFileSync, readFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
const historyCommits = Number(argument('--history-commits', '5000'));
const dumpPath = argument('--dump');
if (dumpPath) writeFileSync(dumpPath, '');
/** Ablations, each adding one signal family to the previous; the last is the product's default ranking. */
const MODES: Record<string, RankOptions> = {
  bm25: { structure: false, graph: false, history: false },
  structure: { graph: false, history: false },
  graph: { history: false },
  history: {},
};

const instances = readFileSync(datasetPath, 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Instance);
type Counts = Record<string, { n: number; acc: Record<number, number>; packed: number }>;
const perRepo: Record<string, Counts> = {};
const timing: Record<string, { index_ms: number; history_ms: number }> = {};

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
  const tree = path.join(work, 'tree');
  mkdirSync(tree, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main', tree]);
  writeFileSync(path.join(tree, '.git', 'objects', 'info', 'alternates'), `${path.resolve(gitDir, 'objects')}\n`);
  const db = openDatabase(path.join(work, 'data', 'codecontext.db'));
  const counts: Counts = {};
  for (const mode of [...Object.keys(MODES), 'packed'])
    counts[mode] = { n: 0, acc: { 1: 0, 3: 0, 5: 0, 10: 0 }, packed: 0 };
  let listing: TreeListing = new Map();
  let indexMs = 0;
  let historyMs = 0;
  for (const instance of own) {
    listing = materializeTree(gitDir, instance.base_commit, tree, listing);
    execFileSync('git', ['-C', tree, 'update-ref', 'refs/heads/main', instance.base_commit]);
    const refreshed = await refreshIndex(
      db,
      { root: tree, maxFileBytes: 1 << 20 },
      { history: { maxCommits: historyCommits } },
    );
    indexMs += refreshed.elapsedMs;
    historyMs += refreshed.history?.elapsed_ms ?? 0;
    const line: string[] = [instance.instance_id];
    for (const [mode, options] of Object.entries(MODES)) {
      const ranked = rankChunks(db, instance.problem_statement, 300, options);
      const files = rankFiles(ranked).map((file) => file.path);
      if (dumpPath && mode === 'history')
        appendFileSync(
          dumpPath,
          `${JSON.stringify({
            id: instance.instance_id,
            repo,
            gold: instance.gold_files,
            candidates: ranked.map((entry) => [entry.chunk.path, entry.why]),
          })}\n`,
        );
      const entry = counts[mode]!;
      entry.n++;
      for (const k of KS) if (instance.gold_files.every((gold) => files.slice(0, k).includes(gold))) entry.acc[k]!++;
      line.push(`${mode}:${files.findIndex((file) => instance.gold_files.includes(file))}`);
    }
    const pack = buildContextPack(db, {
      root: tree,
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
  timing[repo] = { index_ms: indexMs, history_ms: historyMs };
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
process.stdout.write(
  `${JSON.stringify({ date: new Date().toISOString(), budget: PACK_BUDGET, history_commits: historyCommits, timing, summary }, null, 2)}\n`,
);
