/**
 * Scan speed on large real trees that exist offline, beside `find` and `git ls-files` on the same tree in the same
 * run. Usage: node --import tsx bench/scan/run-scan-bench.ts [--runs 5]
 * Trees: this project's node_modules, and the machine's Python standard library (+ site-packages) with '**\/*.py'.
 * Prints a table on stderr and one JSON object on stdout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanProject } from '../../src/scan/scan-project.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeMs(action: () => unknown): number {
  const start = process.hrtime.bigint();
  action();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function timeAsyncMs(action: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

interface TreeCase {
  name: string;
  root: string;
  include: string[];
  findArgs: string[];
}

function pythonStdlib(): string {
  return execFileSync('python3', ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], {
    encoding: 'utf8',
  }).trim();
}

async function benchTree(tree: TreeCase): Promise<Record<string, unknown>> {
  const gitDir = mkdtempSync(path.join(os.tmpdir(), 'scan-bench-git-'));
  try {
    execFileSync('git', ['init', '-q', '--bare', gitDir]);
    const gitArgs = [
      '--git-dir',
      gitDir,
      '--work-tree',
      tree.root,
      'ls-files',
      '--others',
      '--exclude-standard',
      '--',
      ...(tree.include.length ? [':(glob)**/*.py'] : []),
    ];
    const findMs = median(
      Array.from({ length: RUNS }, () =>
        timeMs(() => execFileSync('find', [tree.root, ...tree.findArgs], { maxBuffer: 1 << 28 })),
      ),
    );
    const gitMs = median(
      Array.from({ length: RUNS }, () => timeMs(() => execFileSync('git', gitArgs, { maxBuffer: 1 << 28 }))),
    );
    const inProcess: number[] = [];
    let files = 0;
    let bytes = 0;
    for (let run = 0; run < RUNS; run++) {
      inProcess.push(
        await timeAsyncMs(async () => {
          const result = await scanProject({ root: tree.root, maxFileBytes: 1 << 20, include: tree.include });
          files = result.totals.files;
          bytes = result.totals.bytes;
        }),
      );
    }
    const cliArgs = [
      path.join(projectRoot, 'bin', 'codecontext.js'),
      'scan-project',
      '--root',
      tree.root,
      '--quiet',
      ...tree.include.flatMap((glob) => ['--include', glob]),
    ];
    const cliMs = median(
      Array.from({ length: RUNS }, () => timeMs(() => spawnSync(process.execPath, cliArgs, { maxBuffer: 1 << 28 }))),
    );
    const scanMs = median(inProcess);
    return {
      tree: tree.name,
      root: tree.root,
      files,
      mb: +(bytes / 1e6).toFixed(1),
      scan_ms: +scanMs.toFixed(1),
      cli_process_ms: +cliMs.toFixed(1),
      find_ms: +findMs.toFixed(1),
      git_ls_files_ms: +gitMs.toFixed(1),
      scan_vs_find: +(scanMs / findMs).toFixed(2),
      scan_vs_git: +(scanMs / gitMs).toFixed(2),
    };
  } finally {
    rmSync(gitDir, { recursive: true, force: true });
  }
}

const trees: TreeCase[] = [
  {
    name: 'node_modules (this project)',
    root: path.join(projectRoot, 'node_modules'),
    include: [],
    findArgs: ['-type', 'f'],
  },
  {
    name: 'python stdlib **/*.py',
    root: pythonStdlib(),
    include: ['**/*.py'],
    findArgs: ['-type', 'f', '-name', '*.py'],
  },
];
const results = [];
for (const tree of trees) {
  const row = await benchTree(tree);
  results.push(row);
  process.stderr.write(`${JSON.stringify(row)}\n`);
}
process.stdout.write(
  `${JSON.stringify({ date: new Date().toISOString(), runs: RUNS, cpus: os.cpus().length, results }, null, 2)}\n`,
);
