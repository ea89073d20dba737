import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../helpers/run-cli.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

const RUNS = 5;

/**
 * A process that posts 2000 parse tasks to a two-worker pool and closes it once `afterDone` have come back, while
 * the workers are in the middle of the rest (what a failed write does). Built code (dist/): under tsx a worker
 * takes seconds to start.
 */
function closeMidParse(root: string, afterDone: number): Promise<{ code: number | null; output: string }> {
  const pool = path.join(PROJECT_ROOT, 'dist', 'indexing', 'parse-pool.js');
  const script = `
    import { ParsePool } from ${JSON.stringify(pool)};
    const pool = new ParsePool(2);
    let done = 0;
    for (let i = 0; i < 2000; i++) {
      const file = 'module_' + (i % 50) + '.py';
      const task = { path: file, absolutePath: ${JSON.stringify(root)} + '/' + file, language: 'python', knownHash: null };
      pool.run(task).then(() => {
        if (++done === ${afterDone}) void pool.close().then(() => console.log('closed'));
      }, () => {});
    }
    `;
  // A file, not --eval: workers inherit the parent's execArgv, and --input-type is refused in a worker.
  const scriptPath = path.join(makeTempDir('codecontext-pool-'), 'close-mid-parse.mjs');
  writeFileSync(scriptPath, script);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [scriptPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('ParsePool', () => {
  it('closing the pool while files are being parsed ends the workers without aborting the process', async () => {
    const root = makeTempDir();
    const body = Array.from({ length: 40 }, (_, j) => `def f_${j}(x):\n    return g_${j}(x) + ${j}\n`).join('\n');
    writeTree(root, Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`module_${i}.py`, body])));
    // Terminating a worker inside tree-sitter aborted the process (SIGABRT, exit 134) in about half of such runs.
    for (let run = 0; run < RUNS; run++) {
      const result = await closeMidParse(root, 10 + run * 40);
      assert.equal(result.code, 0, `run ${run}: ${result.output}`);
      assert.equal(result.output, 'closed\n');
    }
  });
});
