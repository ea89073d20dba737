import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');

/**
 * Ctrl-C while a long adversarial query is analysed: before, the analysis held the event loop for 20.9 s, the
 * signal handler could not run, and the command exited 0 about 10 s later. Now analysis is bounded, so the command
 * either has finished or stops on the signal (exit 130) — well within the grace the CLI gives itself.
 */
describe('Ctrl-C is honoured while a long query is analysed', () => {
  const dataDir = makeTempDir('codecontext-interrupt-');
  before(async () => {
    assert.equal((await runCli(['index-project', '--root', FIXTURE, '--data-dir', dataDir])).exitCode, 0);
  });

  it('search-project with a 120 KB dotted run, interrupted', async () => {
    // 120 KB fits one argument (Linux allows 128 KiB per argument).
    const query = 'a.'.repeat(60_000);
    const child = spawn(
      process.execPath,
      [
        path.join(PROJECT_ROOT, 'bin', 'codecontext.js'),
        'search-project',
        '--root',
        FIXTURE,
        '--data-dir',
        dataDir,
        '--query',
        query,
      ],
      { env: { ...process.env, CODECONTEXT_ENABLE_EMBEDDINGS: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
      child.on('exit', (code) => resolve({ code, at: performance.now() })),
    );
    await new Promise((resolve) => setTimeout(resolve, 600));
    const signalled = performance.now();
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const { code, at } = await exited;
    clearTimeout(killer);
    assert.ok(code === 0 || code === 130, `exit ${code}`);
    assert.ok(at - signalled < 2500, `exited ${Math.round(at - signalled)} ms after Ctrl-C`);
  });
});
