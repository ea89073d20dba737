import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

const FILE_COUNT = 2500;

function generatedRepository(): string {
  const root = makeTempDir();
  const files: Record<string, string> = {};
  for (let i = 0; i < FILE_COUNT; i++) {
    const functions = Array.from(
      { length: 12 },
      (_, j) =>
        `def handler_${i}_${j}(request, retries=3):\n    """Handle request ${j}."""\n    total = compute_${j}(request) + ${j}\n    return Response(total, status=200)\n`,
    ).join('\n\n');
    files[`pkg_${i % 40}/module_${i}.py`] = `import os\n\n${functions}\n`;
  }
  writeTree(root, files);
  return root;
}

describe('index-project survives kill -9 mid-run (spawned binary)', () => {
  it('leaves a consistent database that readers can use, and the next run completes with the right counts', async () => {
    const root = generatedRepository();
    const dataDir = makeTempDir('codecontext-data-');
    const databasePath = path.join(dataDir, 'codecontext.db');
    const child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'codecontext.js'), 'index-project', '--root', root, '--data-dir', dataDir],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));

    // Wait until some batches are committed, reading concurrently the whole time (WAL: never blocked).
    let committed = 0;
    let reads = 0;
    for (let attempt = 0; attempt < 600 && committed === 0; attempt++) {
      await sleep(25);
      if (!existsSync(databasePath)) continue;
      try {
        const reader = new Database(databasePath, { readonly: true, timeout: 100 });
        const state = reader.prepare('SELECT status, files_done FROM index_state').get() as
          { status: string; files_done: number } | undefined;
        reads++;
        if (state?.status === 'building' && state.files_done > 0) committed = state.files_done;
        reader.close();
      } catch (error) {
        // The schema may not exist for the first few milliseconds.
        if (!/no such table/.test((error as Error).message)) throw error;
      }
    }
    assert.ok(
      committed > 0 && committed < FILE_COUNT,
      `expected to catch the index mid-run, saw ${committed} files done`,
    );
    child.kill('SIGKILL');
    await exited;

    const afterKill = new Database(databasePath);
    assert.equal(afterKill.pragma('integrity_check', { simple: true }), 'ok');
    const partial = afterKill.prepare('SELECT COUNT(*) AS n FROM files').get() as { n: number };
    const state = afterKill.prepare('SELECT status FROM index_state').get() as { status: string };
    afterKill.close();
    assert.equal(state.status, 'building');
    assert.ok(partial.n > 0 && partial.n < FILE_COUNT, `partial index of ${partial.n} files`);
    assert.ok(reads > 0);

    const resumed = await runCli(['index-project', '--root', root, '--data-dir', dataDir]);
    assert.equal(resumed.exitCode, 0, resumed.stderr);
    assert.equal(resumed.json.files, FILE_COUNT);
    assert.equal(resumed.json.symbols, FILE_COUNT * 12);
    assert.equal(resumed.json.status, 'ready');
    assert.equal(resumed.json.changes.unchanged + resumed.json.changes.added, FILE_COUNT);
    assert.ok(resumed.json.changes.unchanged >= partial.n, 'committed files are not parsed again');
    const final = new Database(databasePath, { readonly: true });
    assert.equal(final.pragma('integrity_check', { simple: true }), 'ok');
    assert.equal(
      (
        final.prepare('SELECT COUNT(*) AS n FROM chunks WHERE file_id NOT IN (SELECT id FROM files)').get() as {
          n: number;
        }
      ).n,
      0,
    );
    final.close();
  });
});
