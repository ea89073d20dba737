import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { CodeContextError } from '../shared/errors.js';

/**
 * Replace a file's content so that a reader (or a crash) sees either the old bytes or the new ones, never a mix:
 * write a temp file in the same directory (same file system, so the rename is atomic), fsync it, give it the
 * original's mode (and owner, where permitted), check the directory is still where it was, rename over the file,
 * fsync the directory. Any failure removes the temp file and leaves the original untouched.
 * A hard-linked file becomes a separate file (rename replaces the name, not the inode), like most editors do.
 */
export function writeFileAtomically(target: string, content: Buffer, beforeRename: () => void = () => {}): void {
  const original = statSync(target);
  const directory = path.dirname(target);
  const temp = path.join(
    directory,
    `.${path.basename(target)}.codecontext-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', original.mode & 0o7777);
    for (let written = 0; written < content.length;) written += writeSync(fd, content, written);
    fsyncSync(fd);
    fchmodSync(fd, original.mode & 0o7777); // the umask may have narrowed the mode given to open
    try {
      fchownSync(fd, original.uid, original.gid);
    } catch {
      // Only root may give a file away; an ordinary user's own files keep their owner anyway.
    }
    closeSync(fd);
    fd = undefined;
    beforeRename();
    renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    if (error instanceof CodeContextError) throw error;
    throw new CodeContextError(
      'runtime',
      `cannot write ${target}: ${(error as Error).message}; the file is unchanged`,
      { cause: error },
    );
  }
  syncDirectory(directory);
}

/** Make the rename itself durable. Some file systems refuse fsync on a directory; the rename has happened anyway. */
function syncDirectory(directory: string): void {
  try {
    const fd = openSync(directory, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // best effort
  }
}
