import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../helpers/run-cli.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

const SOURCE = 'def add(a, b):\n    return a + b\n';
const SPARSE_BYTES = 600 * 1024 * 1024;

/** Grow (or create) a file to `bytes` with a hole: no disk used, and what is there stays. */
function growSparse(file: string, bytes: number): void {
  const fd = openSync(file, 'a');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

function assertOneLineRefusal(result: { exitCode: number | null; stderr: string; json: any }, file: string): void {
  assert.equal(result.exitCode, 2, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, no stack: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /internal error|\n\s+at /);
  assert.match(
    lines[0]!,
    new RegExp(
      `^codecontext: error: refused: ${file.replace('.', '\\.')} is 600\\.0 MiB, over the 64\\.0 MiB limit for a file a patch changes$`,
    ),
  );
  assert.equal(result.json.kind, 'usage');
  assert.equal(result.json.size_bytes, SPARSE_BYTES);
  assert.equal(result.json.limit_bytes, 64 * 1024 * 1024);
}

describe('a patch target over the size limit', () => {
  it('a 600 MB sparse target: apply-patch (and --dry-run) refuse with one line, exit 2, before reading it', async () => {
    const root = makeTempDir('codecontext-bigfile-');
    writeTree(root, { 'calc.py': SOURCE });
    growSparse(path.join(root, 'big.txt'), SPARSE_BYTES);
    const dataDir = makeTempDir('codecontext-bigfile-data-');
    for (const extra of [[], ['--dry-run']]) {
      const started = Date.now();
      const result = await runCli(
        [
          '--root',
          root,
          '--data-dir',
          dataDir,
          'apply-patch',
          '--path',
          'big.txt',
          '--old-text',
          'x',
          '--new-text',
          'y',
          ...extra,
        ],
        { timeoutMs: 30_000 },
      );
      assertOneLineRefusal(result, 'big.txt');
      assert.ok(Date.now() - started < 5000, 'refused without reading 600 MB');
    }
    assert.equal(statSync(path.join(root, 'big.txt')).blocks, 0, 'still a hole: nothing was written');
  });

  it('rollback-patch of a file that grew past the limit since: the same refusal, the file untouched', async () => {
    const root = makeTempDir('codecontext-bigfile-');
    writeTree(root, { 'calc.py': SOURCE });
    const dataDir = makeTempDir('codecontext-bigfile-data-');
    const cli = (...args: string[]) => runCli(['--root', root, '--data-dir', dataDir, ...args], { timeoutMs: 30_000 });
    const applied = await cli('apply-patch', '--path', 'calc.py', '--old-text', 'a + b', '--new-text', 'b + a');
    assert.equal(applied.exitCode, 0, applied.stderr);
    growSparse(path.join(root, 'calc.py'), SPARSE_BYTES);
    const rolled = await cli('rollback-patch', '--patch-id', String(applied.json.patch_id));
    assertOneLineRefusal(rolled, 'calc.py');
    assert.equal(statSync(path.join(root, 'calc.py')).size, SPARSE_BYTES);
  });
});
