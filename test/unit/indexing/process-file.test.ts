import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { processFile } from '../../../src/indexing/process-file.js';
import { hashContent } from '../../../src/shared/hash.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

describe('processFile', () => {
  it('skips parsing when the content hash is the known one', () => {
    const root = makeTempDir();
    writeTree(root, { 'a.py': 'def f():\n    pass\n' });
    const task = { path: 'a.py', absolutePath: path.join(root, 'a.py'), language: 'python' };
    const parsed = processFile({ ...task, knownHash: null });
    assert.equal(parsed.kind, 'indexed');
    assert.equal(parsed.kind === 'indexed' && parsed.file.contentHash, hashContent('def f():\n    pass\n'));
    const again = processFile({ ...task, knownHash: hashContent('def f():\n    pass\n') });
    assert.equal(again.kind, 'unchanged');
  });

  it('reports a file that vanished between scan and read as unreadable instead of throwing', () => {
    const outcome = processFile({
      path: 'gone.py',
      absolutePath: path.join(makeTempDir(), 'gone.py'),
      language: 'python',
      knownHash: null,
    });
    assert.equal(outcome.kind, 'unreadable');
  });
});
