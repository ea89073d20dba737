/**
 * What keeping the index fresh costs a read when nothing changed (src/indexing/keep-index-fresh.ts), as a ratio to
 * a warm `search-project` measured in the same run on the same index. Target: ≤ 5% of a warm search.
 *  - CLI path: the stat pass (catalog files + the last scan's directories and ignore files) a command runs first;
 *    measured in-process (median of repeats) and as the first call of a fresh process (what one CLI command pays).
 *  - watched path (serve-api, mcp): the flag check plus the one event-loop turn it waits.
 * Trees: a copy of the offline site-packages/pip package (pytest-sized: about as many files and directories as a
 * pytest checkout), with `--stdlib` also the Python stdlib + site-packages `**\/*.py`, or `--tree <dir>` (copied).
 * Usage: npm run build && node --import tsx bench/index/run-freshness-bench.ts [--tree <dir>] [--stdlib] [--runs 200]
 * Prints a summary on stderr and one JSON object on stdout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppConfig } from '../../src/config/app-config.js';
import { indexProject } from '../../src/indexing/index-project.js';
import { ensureIndexFresh, watchIndexedTree } from '../../src/indexing/keep-index-fresh.js';
import { openIndexAsIs, searchProject } from '../../src/retrieve/search-project.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
};
const RUNS = Number(argument('--runs') ?? 200);
const PROCESS_RUNS = 7;
const QUERIES = [
  'parse a requirement specifier with extras and markers',
  'download a wheel and verify its hash',
  'where is the http connection pool defined',
  'decode a JSON document with a custom object hook',
];
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (value: number, digits = 3): number => +value.toFixed(digits);

async function timeMs(work: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function benchTree(label: string, source: string, include?: string): Promise<Record<string, unknown>> {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'freshness-bench-tree-'));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'freshness-bench-data-'));
  try {
    cpSync(source, copy, { recursive: true, filter: (file) => !file.includes('__pycache__') });
    const flags = { data_dir: dataDir, enable_embeddings: false, ...(include ? { include: [include] } : {}) };
    const config = AppConfig.load(copy, { env: {}, flags });
    const asIs = AppConfig.load(copy, { env: {}, flags: { ...flags, refresh_on_read: false } });
    const indexed = await indexProject(config);

    // Warm search: the page cache, statements and token tables all loaded by a first pass.
    for (const query of QUERIES) await searchProject(asIs, { query });
    const searchTimes: number[] = [];
    for (let run = 0; run < Math.max(20, RUNS / 10); run++)
      searchTimes.push(await timeMs(() => searchProject(asIs, { query: QUERIES[run % QUERIES.length]! })));
    const searchMs = median(searchTimes);

    // CLI path, in-process: a connection like a command's, the stat pass on an unchanged tree.
    const db = openIndexAsIs(config);
    const statTimes: number[] = [];
    for (let run = 0; run < RUNS; run++) statTimes.push(await timeMs(() => ensureIndexFresh(db, config)));
    // Watched path: the first read checks and starts the watches; after that a clean read is a flag check.
    const watch = watchIndexedTree(config);
    await ensureIndexFresh(db, config);
    const watchedTimes: number[] = [];
    for (let run = 0; run < RUNS; run++) watchedTimes.push(await timeMs(() => ensureIndexFresh(db, config)));
    watch.close();
    db.close();

    // CLI path, first call of a fresh process (what one command pays: statements prepared, nothing cached).
    const firstCalls = Array.from({ length: PROCESS_RUNS }, () => {
      const run = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(projectRoot, 'bench/index/freshness-once.ts'),
          copy,
          dataDir,
          ...(include ? [include] : []),
        ],
        { encoding: 'utf8', cwd: projectRoot },
      );
      if (run.status !== 0) throw new Error(`freshness-once failed: ${run.stderr}`);
      return (JSON.parse(run.stdout) as { first_check_ms: number }).first_check_ms;
    });

    // The warm command as a user runs it (whole process, --no-refresh so the check is not counted in it).
    const cli = path.join(projectRoot, 'bin', 'codecontext.js');
    const commandTimes = Array.from({ length: PROCESS_RUNS + 1 }, (_, run) => {
      const started = process.hrtime.bigint();
      const args = ['--root', copy, '--data-dir', dataDir, '--no-refresh', '--quiet', 'search-project', '--query'];
      const search = spawnSync(process.execPath, [cli, ...args, QUERIES[run % QUERIES.length]!], {
        encoding: 'utf8',
        env: { ...process.env, CODECONTEXT_ENABLE_EMBEDDINGS: 'false' },
      });
      if (search.status !== 0) throw new Error(`search-project failed: ${search.stderr}`);
      return Number(process.hrtime.bigint() - started) / 1e6;
    }).slice(1);
    const commandMs = median(commandTimes);

    const stat = median(statTimes);
    const firstCall = median(firstCalls);
    const watched = median(watchedTimes);
    const result = {
      tree: label,
      files: indexed.files,
      chunks: indexed.chunks,
      warm_search_ms: round(searchMs, 2),
      stat_pass_ms: round(stat),
      stat_pass_pct_of_search: round((100 * stat) / searchMs, 2),
      stat_pass_first_in_process_ms: round(firstCall),
      stat_pass_first_in_process_pct_of_search: round((100 * firstCall) / searchMs, 2),
      warm_search_command_ms: round(commandMs, 1),
      stat_pass_first_in_process_pct_of_command: round((100 * firstCall) / commandMs, 2),
      watched_check_ms: round(watched, 4),
      watched_check_pct_of_search: round((100 * watched) / searchMs, 3),
    };
    log(
      `${label}: ${indexed.files} files; warm search ${result.warm_search_ms} ms; stat pass ${result.stat_pass_ms} ms ` +
        `(${result.stat_pass_pct_of_search}%), first in a process ${result.stat_pass_first_in_process_ms} ms ` +
        `(${result.stat_pass_first_in_process_pct_of_search}%; ${result.stat_pass_first_in_process_pct_of_command}% of the ` +
        `${result.warm_search_command_ms} ms search-project command); watched ${result.watched_check_ms} ms ` +
        `(${result.watched_check_pct_of_search}%)`,
    );
    return result;
  } finally {
    rmSync(copy, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const stdlib = execFileSync('python3', ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], {
  encoding: 'utf8',
}).trim();
const explicit = argument('--tree');
const trees: Array<[string, string, string | undefined]> = explicit
  ? [[explicit, explicit, undefined]]
  : [
      ['site-packages/pip (pytest-sized)', path.join(stdlib, 'site-packages', 'pip'), undefined],
      ...(process.argv.includes('--stdlib')
        ? [['python stdlib, **/*.py', stdlib, '**/*.py'] as [string, string, string]]
        : []),
    ];
const results = [];
for (const [label, source, include] of trees) results.push(await benchTree(label, source, include));
process.stdout.write(`${JSON.stringify({ runs: RUNS, target_pct: 5, trees: results })}\n`);
