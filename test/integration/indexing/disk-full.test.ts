import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runCli } from '../../helpers/run-cli.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

// Enough files for the parse workers (48 or more) and for several batches; small enough that a run takes ~1 s.
const FILE_COUNT = 200;
// Where a full disk stops a run: before the schema (8–48 KiB: the -shm cannot grow, then the first migration),
// inside the migrations, and at the first batches while the workers are still parsing (384 KiB and up). In that
// last window the build before the fix aborted natively (exit 134) in 19 of 60 runs.
const SIZES_KIB = [16, 48, 384, 416, 448, 480, 512, 576, 640, 768];
// Every run's database is checked; these are also re-run with space (each re-run costs a full index, ~2 s).
const RESUMED_KIB = new Set([16, 480, 768]);
const ONE_LINE =
  /^codecontext: error: disk full while writing (\S+): [^\n]+; the index is (unchanged|left consistent: free some space and re-run to resume)\n$/;

function generatedRepository(): string {
  const root = makeTempDir();
  const files: Record<string, string> = {};
  for (let i = 0; i < FILE_COUNT; i++) {
    const functions = Array.from(
      { length: 12 },
      (_, j) =>
        `def handler_${i}_${j}(request, retries=3):\n    """Handle ${j}."""\n    return compute_${j}(request) + ${j}\n`,
    ).join('\n\n');
    files[`pkg_${i % 10}/module_${i}.py`] = `import os\n\n${functions}\n`;
  }
  writeTree(root, files);
  return root;
}

/** Mount a tmpfs of `sizeKib` on a fresh directory; CI runs as root, so a refusal is a failure, never a skip. */
function mountTmpfs(sizeKib: number): string {
  const mountPoint = makeTempDir('codecontext-full-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKib}k`, 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
    assert.fail(`cannot mount a tmpfs (this test needs root, as CI has): ${stderr}`);
  }
  return mountPoint;
}

function integrityOf(databasePath: string): string {
  const db = new Database(databasePath, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

describe('disk full (spawned binary on a small tmpfs)', () => {
  it('disk full during index-project ends with one line and a consistent database', async () => {
    const root = generatedRepository();
    const outcomes: string[] = [];
    for (const sizeKib of SIZES_KIB) {
      const mountPoint = mountTmpfs(sizeKib);
      try {
        const dataDir = path.join(mountPoint, 'data');
        const databasePath = path.join(dataDir, 'codecontext.db');
        const full = await runCli(['index-project', '--root', root, '--data-dir', dataDir]);
        const where = `${sizeKib} KiB: exit ${full.exitCode}, stderr ${JSON.stringify(full.stderr)}`;
        assert.equal(full.exitCode, 3, where);
        const line = ONE_LINE.exec(full.stderr);
        assert.ok(line, where);
        assert.equal(line[1], databasePath, where);
        assert.equal(full.json.kind, 'runtime', where);
        assert.equal(full.json.reason, 'disk_full', where);
        outcomes.push(`${sizeKib}k: ${line[2]}`);

        // With space again, the same database opens, is consistent, and the next run completes from it.
        execFileSync('mount', ['-o', 'remount,size=64m', mountPoint]);
        if (existsSync(databasePath)) assert.equal(integrityOf(databasePath), 'ok', where);
        if (!RESUMED_KIB.has(sizeKib)) continue;
        const resumed = await runCli(['index-project', '--root', root, '--data-dir', dataDir]);
        assert.equal(resumed.exitCode, 0, `${where}; re-run: ${resumed.stderr}`);
        assert.equal(resumed.json.files, FILE_COUNT);
        assert.equal(resumed.json.status, 'ready');
        assert.equal(integrityOf(databasePath), 'ok', where);
      } finally {
        execFileSync('umount', [mountPoint]);
      }
    }
    // Both kinds of ending were seen: nothing committed yet, and a run stopped between committed batches.
    assert.ok(
      outcomes.some((outcome) => outcome.endsWith('unchanged')),
      outcomes.join(', '),
    );
    assert.ok(
      outcomes.some((outcome) => outcome.includes('left consistent')),
      outcomes.join(', '),
    );
  });
});
