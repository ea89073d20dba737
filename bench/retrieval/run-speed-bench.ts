/**
 * Retrieval speed on the Python stdlib index (BM25 only), each beside a reference measured in the same run:
 *  - search-project, whole process, p50/p95 over a set of goals, beside `rg` (or grep) for the goal's words;
 *  - prepare-context-pack, whole process (cold: tokenizer load included) and in a warm process (per call): kept
 *    fresh by a watcher as serve-api and mcp are, and as a bare library call that stats the tree each time.
 * Usage: node --import tsx bench/retrieval/run-speed-bench.ts [--runs 5]
 * Builds the index in a temp data dir first (not timed). Prints one JSON object on stdout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppConfig } from '../../src/config/app-config.js';
import { indexProject } from '../../src/indexing/index-project.js';
import { prepareContextPack } from '../../src/pack/prepare-context-pack.js';
import { watchIndexedTree } from '../../src/indexing/keep-index-fresh.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runsIndex = process.argv.indexOf('--runs');
const RUNS = runsIndex > 0 ? Number(process.argv[runsIndex + 1]) : 5;
const GOALS = [
  'how does the json decoder handle invalid escapes',
  'rotate log files by size',
  'parse an email date header with timezone',
  'split a url into its components',
  'wrap text to a fixed width',
  'create a temporary directory securely',
  'merge sorted iterables',
  'unescape html entities',
];
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const time = (action: () => unknown): number => {
  const start = process.hrtime.bigint();
  action();
  return Number(process.hrtime.bigint() - start) / 1e6;
};

const stdlib = execFileSync('python3', ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], {
  encoding: 'utf8',
}).trim();
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'speed-bench-'));
const config = AppConfig.load(stdlib, {
  env: {},
  flags: { data_dir: dataDir, include: ['**/*.py'], enable_embeddings: false },
});
process.stderr.write('indexing the stdlib (not timed) …\n');
await indexProject(config);

const cli = path.join(projectRoot, 'bin', 'codecontext.js');
const base = ['--root', stdlib, '--data-dir', dataDir, '--include', '**/*.py', '--quiet'];
const searchMs: number[] = [];
const grepMs: number[] = [];
const grepTool = spawnSync('rg', ['--version']).status === 0 ? 'rg' : 'grep';
for (let run = 0; run < RUNS; run++) {
  for (const goal of GOALS) {
    searchMs.push(
      time(() =>
        spawnSync(process.execPath, [cli, 'search-project', ...base, '--query', goal], { maxBuffer: 1 << 26 }),
      ),
    );
    const words = goal.split(' ').filter((word) => word.length > 3);
    const pattern = words.join('|');
    grepMs.push(
      time(() =>
        grepTool === 'rg'
          ? spawnSync('rg', ['-l', '-i', '-t', 'py', '-e', pattern, stdlib], { maxBuffer: 1 << 26 })
          : spawnSync('grep', ['-rliE', '--include=*.py', pattern, stdlib], { maxBuffer: 1 << 26 }),
      ),
    );
  }
}
const coldMs = GOALS.slice(0, 4).map((goal) =>
  time(() =>
    spawnSync(process.execPath, [cli, 'prepare-context-pack', ...base, '--goal', goal], { maxBuffer: 1 << 26 }),
  ),
);
await prepareContextPack(config, { goal: 'warm up the tokenizer' });
async function warmCalls(): Promise<number[]> {
  const ms: number[] = [];
  for (const goal of GOALS)
    for (let run = 0; run < RUNS; run++) {
      const start = process.hrtime.bigint();
      await prepareContextPack(config, { goal });
      ms.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  return ms;
}
// A served process (serve-api, mcp) keeps the index fresh with a watcher; a bare library call stats the tree per call.
const watcher = watchIndexedTree(config);
await prepareContextPack(config, { goal: 'warm up the watcher' });
const warmMs = await warmCalls();
watcher.close();
const warmStatMs = await warmCalls();
rmSync(dataDir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      corpus: 'python stdlib **/*.py',
      runs: RUNS,
      goals: GOALS.length,
      search_process_ms: { p50: Math.round(percentile(searchMs, 50)), p95: Math.round(percentile(searchMs, 95)) },
      [`${grepTool}_process_ms`]: { p50: Math.round(percentile(grepMs, 50)), p95: Math.round(percentile(grepMs, 95)) },
      pack_cold_process_ms: { p50: Math.round(percentile(coldMs, 50)), max: Math.round(Math.max(...coldMs)) },
      pack_warm_call_ms: { p50: Math.round(percentile(warmMs, 50)), p95: Math.round(percentile(warmMs, 95)) },
      pack_warm_call_with_stat_pass_ms: {
        p50: Math.round(percentile(warmStatMs, 50)),
        p95: Math.round(percentile(warmStatMs, 95)),
      },
    },
    null,
    2,
  )}\n`,
);
