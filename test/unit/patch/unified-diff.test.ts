import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { unifiedDiff } from '../../../src/patch/unified-diff.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

/** The real check of a diff: `git apply` turns the old file into the new one with it. */
function applyWithGit(before: string, diff: string): string {
  const directory = makeTempDir();
  writeFileSync(path.join(directory, 'f.txt'), before);
  writeFileSync(path.join(directory, 'change.diff'), diff);
  const result = spawnSync('git', ['apply', 'change.diff'], { cwd: directory, encoding: 'utf8' });
  assert.equal(result.status, 0, `git apply failed: ${result.stderr}\n${diff}`);
  return readFileSync(path.join(directory, 'f.txt'), 'utf8');
}

const lines = (count: number): string => Array.from({ length: count }, (_, index) => `line ${index + 1}\n`).join('');

describe('unifiedDiff', () => {
  it('prints a hunk with three lines of context around a one-line change', () => {
    const before = lines(10);
    const after = before.replace('line 5\n', 'line five\n');
    assert.equal(
      unifiedDiff('f.txt', before, after),
      [
        '--- a/f.txt',
        '+++ b/f.txt',
        '@@ -2,7 +2,7 @@',
        ' line 2',
        ' line 3',
        ' line 4',
        '-line 5',
        '+line five',
        ' line 6',
        ' line 7',
        ' line 8',
        '',
      ].join('\n'),
    );
  });

  it('is empty when nothing changes', () => {
    assert.equal(unifiedDiff('f.txt', 'a\n', 'a\n'), '');
  });

  const cases: Record<string, [string, string]> = {
    'change in the middle': [lines(20), lines(20).replace('line 10\n', 'ten\nand more\n')],
    'insertion at the start': [lines(5), `new first\n${lines(5)}`],
    'deletion at the end': [lines(6), lines(5)],
    'last line without a newline changed': ['a\nb\nc', 'a\nb\nC'],
    'newline added at end of file': ['a\nb', 'a\nb\n'],
    'newline removed at end of file': ['a\nb\n', 'a\nb'],
    'interleaved edits inside one region': ['a\nb\nc\nd\ne\n', 'a\nB\nc\nD\ne\n'],
    'whole file replaced': ['x\ny\n', 'p\nq\nr\n'],
    'empty file gets content': ['', 'hello\n'],
    'file emptied': ['hello\nworld\n', ''],
  };
  for (const [name, [before, after]] of Object.entries(cases)) {
    it(`git apply reproduces the new file: ${name}`, () => {
      assert.equal(applyWithGit(before, unifiedDiff('f.txt', before, after)), after);
    });
  }
});
