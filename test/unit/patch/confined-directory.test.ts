import assert from 'node:assert/strict';
import {
  closeSync,
  constants,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  canUseHandlePaths,
  directoryIdentities,
  openConfinedDirectory,
} from '../../../src/patch/confined-directory.js';
import { CodeContextError } from '../../../src/shared/errors.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

const refusal = (pattern: RegExp) => (error: unknown) =>
  error instanceof CodeContextError && error.kind === 'usage' && pattern.test(error.message);

/** root/lib/target.txt inside, outside/target.txt beside it; returns a function that swaps lib for a link outside. */
function tree() {
  const root = makeTempDir('codecontext-confined-');
  const outside = makeTempDir('codecontext-confined-outside-');
  writeTree(root, { 'lib/target.txt': 'inside\n' });
  writeTree(outside, { 'target.txt': 'outside\n' });
  const swap = (): void => {
    renameSync(path.join(root, 'lib'), path.join(root, 'lib.moved'));
    symlinkSync(outside, path.join(root, 'lib'));
  };
  return { root, outside, swap };
}

describe('openConfinedDirectory', () => {
  it(
    'the handle trick holds here: open, O_CREAT|O_EXCL, rename, unlink and fsync go through the open directory after its name became a link outside',
    {
      skip: !canUseHandlePaths() && 'no /proc/self/fd on this platform',
    },
    () => {
      const { root, outside, swap } = tree();
      const lib = openConfinedDirectory(root, ['lib'], { requested: 'lib/target.txt', refused: new Set<string>() });
      try {
        assert.equal(lib.throughHandle, true);
        swap();
        assert.equal(readFileSync(lib.pathOf('target.txt'), 'utf8'), 'inside\n', 'read through the handle');
        const temp = openSync(
          lib.pathOf('.tmp'),
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o644,
        );
        writeSync(temp, 'patched\n');
        fsyncSync(temp);
        closeSync(temp);
        renameSync(lib.pathOf('.tmp'), lib.pathOf('target.txt'));
        writeTree(path.join(root, 'lib.moved'), { scratch: '' });
        unlinkSync(lib.pathOf('scratch'));
        fsyncSync(lib.fd);
      } finally {
        lib.close();
      }
      assert.equal(readFileSync(path.join(root, 'lib.moved/target.txt'), 'utf8'), 'patched\n', 'the real directory');
      assert.deepEqual(readdirSync(path.join(root, 'lib.moved')), ['target.txt']);
      assert.equal(readFileSync(path.join(outside, 'target.txt'), 'utf8'), 'outside\n', 'nothing written outside');
      assert.deepEqual(readdirSync(outside), ['target.txt']);
    },
  );

  it('refuses a path component that is a symlink by now (a race), one-line usage error', () => {
    const { root, swap } = tree();
    swap();
    assert.throws(
      () => openConfinedDirectory(root, ['lib'], { requested: 'lib/target.txt', refused: new Set<string>() }),
      refusal(/^refused: lib\/target\.txt changed while it was being patched \(.*\); nothing changed$/),
    );
  });

  it('refuses a protected directory by identity, under the name it was renamed to after the check by name', () => {
    const root = makeTempDir('codecontext-confined-');
    mkdirSync(path.join(root, 'data'));
    mkdirSync(path.join(root, 'src'));
    const refused = directoryIdentities([path.join(root, 'data'), path.join(root, 'no-such-dir')]);
    renameSync(path.join(root, 'src'), path.join(root, 'src.old'));
    renameSync(path.join(root, 'data'), path.join(root, 'src')); // the data directory, now where src was
    assert.throws(
      () => openConfinedDirectory(root, ['src'], { requested: 'src/x.py', refused }),
      refusal(/^refused: src\/x\.py is codecontext's own data or \.git\/$/),
    );
    openConfinedDirectory(root, ['src.old'], { requested: 'src.old/x.py', refused }).close();
  });
});
