import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../helpers/run-cli.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

const SOURCE = 'def add(a, b):\n    return a + b\n';
/** Spawning the CLI takes well under a second here; a refusal that reads nothing stays far below this. */
const FAST_MS = 5000;

function sparseFile(file: string, bytes: number): void {
  const fd = openSync(file, 'w');
  try {
    ftruncateSync(fd, bytes); // a hole: costs no disk, reads as zeros
  } finally {
    closeSync(fd);
  }
}

describe('inputs read from files refuse non-regular files and stop at a size limit', () => {
  const root = makeTempDir('codecontext-inputs-');
  writeTree(root, { 'calc.py': SOURCE });
  const dataDir = makeTempDir('codecontext-inputs-data-');
  const inputs = makeTempDir('codecontext-inputs-files-');
  const fifo = path.join(inputs, 'fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  mkdirSync(path.join(inputs, 'dir'));
  sparseFile(path.join(inputs, 'huge.txt'), 17 * 1024 * 1024);

  const cases: Array<{ name: string; args: string[]; message: RegExp }> = [
    {
      name: 'apply-patch --old-file /dev/zero',
      args: ['apply-patch', '--path', 'calc.py', '--old-file', '/dev/zero', '--new-text', 'x'],
      message: /--old-file \/dev\/zero: not a regular file \(a character device\)$/,
    },
    {
      name: 'apply-patch --old-file a FIFO (no writer: open would block without O_NONBLOCK)',
      args: ['apply-patch', '--path', 'calc.py', '--old-file', fifo, '--new-text', 'x'],
      message: /--old-file .*fifo: not a regular file \(a FIFO\)$/,
    },
    {
      name: 'apply-patch --new-file a directory',
      args: ['apply-patch', '--path', 'calc.py', '--old-text', 'a + b', '--new-file', path.join(inputs, 'dir')],
      message: /--new-file .*dir: not a regular file \(a directory\)$/,
    },
    {
      name: 'apply-patch --new-file over the 16 MiB limit (sparse, never read)',
      args: ['apply-patch', '--path', 'calc.py', '--old-text', 'a + b', '--new-file', path.join(inputs, 'huge.txt')],
      message: /--new-file .*huge\.txt: larger than the 16\.0 MiB limit for an input file \(17\.0 MiB\)$/,
    },
    {
      name: 'apply-patch --old-file that does not exist',
      args: ['apply-patch', '--path', 'calc.py', '--old-file', path.join(inputs, 'nope'), '--new-text', 'x'],
      message: /--old-file .*nope: no such file$/,
    },
    {
      name: 'handle-remote-response --response-file /dev/zero',
      args: ['handle-remote-response', '--response-file', '/dev/zero'],
      message: /--response-file \/dev\/zero: not a regular file \(a character device\)$/,
    },
    {
      name: 'handle-remote-response --response-file a FIFO',
      args: ['handle-remote-response', '--response-file', fifo],
      message: /--response-file .*fifo: not a regular file \(a FIFO\)$/,
    },
  ];

  for (const { name, args, message } of cases) {
    it(`${name}: one-line error, exit 2, fast`, async () => {
      const started = Date.now();
      const result = await runCli(['--root', root, '--data-dir', dataDir, ...args], { timeoutMs: 20_000 });
      const elapsed = Date.now() - started;
      assert.notEqual(result.exitCode, null, 'the CLI stopped on its own (it was killed after 20 s)');
      assert.equal(result.exitCode, 2, result.stderr);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line on stderr: ${result.stderr}`);
      assert.match(lines[0]!, /^codecontext: error: /);
      assert.match(lines[0]!, message);
      assert.equal(result.json.kind, 'usage');
      assert.ok(elapsed < FAST_MS, `answered in ${elapsed} ms`);
      assert.equal(readFileSync(path.join(root, 'calc.py'), 'utf8'), SOURCE);
    });
  }
});
