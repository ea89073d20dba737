import assert from 'node:assert/strict';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CodeContextError } from '../../../src/shared/errors.js';
import { readBounded } from '../../../src/shared/read-bounded.js';
import { INPUT_FILE_LIMIT_BYTES, readInputFile } from '../../../src/shared/read-input-file.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const usage = (pattern: RegExp) => (error: unknown) =>
  error instanceof CodeContextError && error.kind === 'usage' && pattern.test(error.message);

describe('readInputFile', () => {
  const dir = makeTempDir();
  const file = path.join(dir, 'two-kib.txt');
  writeFileSync(file, Buffer.alloc(2048, 'a'));

  it('reads a regular file whole', () => {
    assert.equal(readInputFile(file, '--old-file').length, 2048);
  });

  it('documents 16 MiB as the default limit', () => {
    assert.equal(INPUT_FILE_LIMIT_BYTES, 16 * 1024 * 1024);
  });

  it('refuses a file over the limit, naming the option, the limit and the size', () => {
    assert.throws(
      () => readInputFile(file, '--old-file', 1024),
      usage(/^--old-file .*two-kib\.txt: larger than the 1024 bytes limit for an input file \(2048 bytes\)$/),
    );
  });

  it('refuses a directory and a character device', () => {
    assert.throws(() => readInputFile(dir, '--new-file'), usage(/not a regular file \(a directory\)$/));
    assert.throws(() => readInputFile('/dev/null', '--new-file'), usage(/not a regular file \(a character device\)$/));
  });
});

describe('readBounded', () => {
  const dir = makeTempDir();
  const file = path.join(dir, 'data.bin');
  writeFileSync(file, Buffer.alloc(5000, 7));
  const withFd = <T>(run: (fd: number) => T): T => {
    const fd = openSync(file, 'r');
    try {
      return run(fd);
    } finally {
      closeSync(fd);
    }
  };

  it('reads to the end when the file holds exactly the limit, whatever the size hint', () => {
    assert.equal(withFd((fd) => readBounded(fd, 5000, 5000))?.length, 5000);
    assert.equal(withFd((fd) => readBounded(fd, 5000, 0))?.length, 5000, 'a file that grew since its fstat');
  });

  it('stops at limit + 1 bytes and says null when the file holds more (one that grew past its fstat size)', () => {
    assert.equal(
      withFd((fd) => readBounded(fd, 4999, 10)),
      null,
    );
  });
});
