/**
 * Index speed targets, each printed beside a reference measured in the same run:
 *  1. the machine's Python stdlib + site-packages (`**\/*.py`, copied to a temp dir so it can be edited):
 *     full index wall time and peak RSS vs the time to merely read the same bytes;
 *  2. refresh-changed-files (whole process) after editing one file of that tree vs the full index;
 *  3. a pytest-sized repository: full index (whole process) vs `repomix --compress` on the same tree.
 * Usage: node --import tsx bench/index/run-index-bench.ts [--tree <pytest-sized checkout>] [--runs 3] [--only stdlib|pytest]
 * Without --tree the offline `site-packages/pip` package is used. repomix is installed into a temp dir on first use.
 * Prints a summary on stderr and one JSON object on stdout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanProject } from '../../src/scan/scan-project.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
};
const RUNS = Number(argument('--runs') ?? 3);
const REPOMIX_VERSION = '1.18.1';
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function timed(command: string, args: string[], options: { cwd?: string } = {}): { ms: number; stdout: string } {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, stdout: result.stdout };
}

function indexOnce(root: string, include?: string): Record<string, number> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'index-bench-data-'));
  try {
    const run = timed(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(projectRoot, 'bench/index/index-once.ts'),
        root,
        dataDir,
        ...(include ? [include] : []),
      ],
      { cwd: projectRoot },
    );
    return { ...JSON.parse(run.stdout), process_ms: Math.round(run.ms) };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function stdlibBench(): Promise<Record<string, unknown>> {
  const stdlib = execFileSync('python3', ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], {
    encoding: 'utf8',
  }).trim();
  const copy = mkdtempSync(path.join(os.tmpdir(), 'index-bench-stdlib-'));
  try {
    log(`copying ${stdlib} to ${copy} …`);
    cpSync(stdlib, copy, { recursive: true, filter: (source) => !source.includes('__pycache__') });
    const scan = await scanProject({ root: copy, maxFileBytes: 1 << 20, include: ['**/*.py'] });
    const absolute = scan.files.map((file) => path.join(copy, file.path));
    for (const file of absolute) readFileSync(file); // warm the page cache
    const readMs = median(
      Array.from({ length: RUNS }, () => {
        const start = process.hrtime.bigint();
        for (const file of absolute) readFileSync(file);
        return Number(process.hrtime.bigint() - start) / 1e6;
      }),
    );
    const full = indexOnce(copy, '**/*.py');
    const mb = scan.totals.bytes / 1e6;

    // Refresh after one edit, whole process, against a persistent index of the same tree.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'index-bench-data-'));
    const cli = path.join(projectRoot, 'bin', 'codecontext.js');
    timed(process.execPath, [
      cli,
      'index-project',
      '--root',
      copy,
      '--include',
      '**/*.py',
      '--data-dir',
      dataDir,
      '--quiet',
      '--no-embeddings',
    ]);
    const refreshes = Array.from({ length: RUNS }, (_, run) => {
      appendFileSync(path.join(copy, 'json', 'decoder.py'), `\n# edit ${run}\n`);
      const refresh = timed(process.execPath, [
        cli,
        'refresh-changed-files',
        '--root',
        copy,
        '--include',
        '**/*.py',
        '--data-dir',
        dataDir,
        '--quiet',
        '--no-embeddings',
      ]);
      const output = JSON.parse(refresh.stdout) as { changed: number };
      if (output.changed !== 1) throw new Error(`expected one changed file, got ${refresh.stdout}`);
      return refresh.ms;
    });
    rmSync(dataDir, { recursive: true, force: true });
    const refreshMs = median(refreshes);
    return {
      tree: 'python stdlib + site-packages, **/*.py',
      files: scan.totals.files,
      bytes: scan.totals.bytes,
      index_wall_ms: full.wall_ms,
      index_process_ms: full.process_ms,
      peak_rss_mb: full.max_rss_mb,
      chunks: full.chunks,
      symbols: full.symbols,
      index_mb_per_s: +(mb / (full.wall_ms! / 1000)).toFixed(2),
      index_files_per_s: Math.round(scan.totals.files / (full.wall_ms! / 1000)),
      read_same_bytes_ms: Math.round(readMs),
      read_mb_per_s: Math.round(mb / (readMs / 1000)),
      refresh_one_edit_process_ms: Math.round(refreshMs),
      refresh_pct_of_full: +((100 * refreshMs) / full.process_ms!).toFixed(2),
    };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

function repomixBinary(): string {
  const prefix = path.join(os.tmpdir(), `codecontext-bench-repomix-${REPOMIX_VERSION}`);
  const binary = path.join(prefix, 'node_modules', '.bin', 'repomix');
  if (!existsSync(binary)) {
    log(`installing repomix@${REPOMIX_VERSION} into ${prefix} …`);
    execFileSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', `repomix@${REPOMIX_VERSION}`], {
      stdio: 'ignore',
    });
  }
  return binary;
}

function pytestSizedBench(): Record<string, unknown> {
  const stdlib = execFileSync('python3', ['-c', "import sysconfig; print(sysconfig.get_paths()['purelib'])"], {
    encoding: 'utf8',
  }).trim();
  const tree = argument('--tree') ?? path.join(stdlib, 'pip');
  const repomix = repomixBinary();
  const output = path.join(os.tmpdir(), 'codecontext-bench-repomix.xml');
  const repomixMs = median(
    Array.from({ length: RUNS }, () => timed(repomix, ['--compress', '--quiet', '-o', output, tree]).ms),
  );
  // The built CLI, as a user runs it (`codecontext index-project`), into a fresh data dir each run.
  const cli = path.join(projectRoot, 'bin', 'codecontext.js');
  const runs = Array.from({ length: RUNS }, () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'index-bench-data-'));
    try {
      const run = timed(process.execPath, [
        cli,
        'index-project',
        '--root',
        tree,
        '--data-dir',
        dataDir,
        '--quiet',
        '--no-embeddings',
      ]);
      return { ...(JSON.parse(run.stdout) as { files: number; chunks: number }), ms: run.ms };
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  const indexMs = median(runs.map((run) => run.ms));
  rmSync(output, { force: true });
  return {
    tree,
    files: runs[0]!.files,
    chunks: runs[0]!.chunks,
    index_process_ms: Math.round(indexMs),
    repomix_compress_ms: Math.round(repomixMs),
    index_vs_repomix: +(indexMs / repomixMs).toFixed(2),
  };
}

const only = argument('--only');
const results = {
  date: new Date().toISOString(),
  cpus: os.cpus().length,
  runs: RUNS,
  stdlib: only === 'pytest' ? null : await stdlibBench(),
  pytest_sized: only === 'stdlib' ? null : pytestSizedBench(),
};
log(JSON.stringify(results, null, 2));
process.stdout.write(`${JSON.stringify(results)}\n`);
