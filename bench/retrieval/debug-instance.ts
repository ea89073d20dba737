/**
 * Look at one SWE-bench instance closely: materialize its tree, index it, print the goal's selected terms, the
 * top files, and where the gold files' chunks rank with their score parts. For diagnosing, not scoring.
 * Usage: node --import tsx bench/retrieval/debug-instance.ts <instance_id> [--mirrors /work/.mirror]
 */
import { readFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/indexing/open-database.js';
import { refreshIndex } from '../../src/indexing/refresh-index.js';
import { rankChunks, selectTerms } from '../../src/retrieve/rank-chunks.js';
import { IndexReader } from '../../src/retrieve/index-reader.js';
import { stripIssueBoilerplate, templateLineSet } from '../../src/retrieve/issue-boilerplate.js';
import { analyzeGoal } from '../../src/retrieve/analyze-goal.js';
import { rankFiles } from '../../src/retrieve/search-project.js';
import { materializeTree, listTree } from './materialize-tree.js';

const id = process.argv[2]!;
const mirrorsIndex = process.argv.indexOf('--mirrors');
const mirrors = mirrorsIndex > 0 ? process.argv[mirrorsIndex + 1]! : '/work/.mirror';
const dataset = path.resolve('..', 'shared', 'eval', 'swebench-dev.jsonl');
const instance = readFileSync(dataset, 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line))
  .find((entry) => entry.instance_id === id);
if (!instance) throw new Error(`no instance ${id}`);
const gitDir = path.join(mirrors, instance.repo.replace('/', '+'), 'repo');
const work = path.join(os.tmpdir(), `debug-${instance.repo.replace('/', '+')}`);
mkdirSync(path.join(work, 'tree'), { recursive: true });
// The previous listing is whatever the work tree holds now: re-list the last commit written, kept beside it.
let previous = new Map<string, string>();
try {
  previous = listTree(gitDir, readFileSync(path.join(work, 'commit'), 'utf8').trim());
} catch {
  // First use: everything is written.
}
materializeTree(gitDir, instance.base_commit, path.join(work, 'tree'), previous);
(await import('node:fs')).writeFileSync(path.join(work, 'commit'), instance.base_commit);
const db = openDatabase(path.join(work, 'codecontext.db'));
await refreshIndex(db, { root: path.join(work, 'tree'), maxFileBytes: 1 << 20 });
const reader = new IndexReader(db);
const cleaned = stripIssueBoilerplate(instance.problem_statement, templateLineSet(reader.templateTexts()));
if (process.argv.includes('--cleaned')) console.log(cleaned);
console.log(
  'terms',
  selectTerms(reader, analyzeGoal(cleaned))
    .map(({ term, weight }) => (weight > 1 ? `${term}×${weight}` : term))
    .join(' '),
);
const ranked = rankChunks(db, instance.problem_statement, 300);
const files = rankFiles(ranked);
console.log('gold', instance.gold_files);
files
  .slice(0, 12)
  .forEach((file, index) =>
    console.log(index, file.path, file.score.toFixed(3), file.best.chunk.symbol, JSON.stringify(file.best.why)),
  );
for (const gold of instance.gold_files) {
  const at = files.findIndex((file) => file.path === gold);
  console.log('gold file', gold, 'rank', at);
  ranked.forEach((entry, index) => {
    if (entry.chunk.path === gold && index < 300)
      console.log('  chunk', index, entry.chunk.symbol, entry.score.toFixed(3), JSON.stringify(entry.why));
  });
}
db.close();
