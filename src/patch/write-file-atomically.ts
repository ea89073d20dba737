import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { CodeContextError } from '../shared/errors.js';
import type { ConfinedDirectory } from './confined-directory.js';

/** What the new file turned out to be: the index records these without reading the file again by name. */
export interface WrittenFile {
  mtimeMs: number;
  size: number;
}

const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Replace `name` in `directory` so that a reader (or a crash) sees either the old bytes or the new ones, never a mix:
 * create a temp file beside it (O_CREAT|O_EXCL|O_NOFOLLOW: never an existing file or a planted link; same directory,
 * so the rename is atomic), write and fsync it, give it the original's mode (and owner, where permitted), run
 * `beforeRename` (the caller's last check), rename it over the file, fsync the directory — all through the
 * directory handle (see confined-directory.ts), so no rename of a path component can move the write elsewhere.
 * Any failure removes the temp file and leaves the original untouched. `original` is the fstat of the file as read;
 * `label` names the file in messages (its path relative to the root).
 * A hard-linked file becomes a separate file (rename replaces the name, not the inode), like most editors do.
 */
export function writeFileAtomically(
  directory: ConfinedDirectory,
  name: string,
  content: Buffer,
  original: Stats,
  options: { label: string; beforeRename?: () => void },
): WrittenFile {
  const temp = `.${name}.codecontext-${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  let fd: number | undefined;
  let created = false;
  let written: WrittenFile;
  try {
    fd = openSync(directory.pathOf(temp), TEMP_FLAGS, original.mode & 0o7777);
    created = true;
    for (let offset = 0; offset < content.length;) offset += writeSync(fd, content, offset);
    fsyncSync(fd);
    fchmodSync(fd, original.mode & 0o7777); // the umask may have narrowed the mode given to open
    try {
      fchownSync(fd, original.uid, original.gid);
    } catch {
      // Only root may give a file away; an ordinary user's own files keep their owner anyway.
    }
    const stats = fstatSync(fd);
    written = { mtimeMs: stats.mtimeMs, size: stats.size };
    closeSync(fd);
    fd = undefined;
    options.beforeRename?.();
    renameSync(directory.pathOf(temp), directory.pathOf(name));
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    if (created) {
      try {
        unlinkSync(directory.pathOf(temp));
      } catch {
        // already renamed, or removed by someone else
      }
    }
    if (error instanceof CodeContextError) throw error;
    throw new CodeContextError(
      'runtime',
      `cannot write ${options.label}: ${(error as Error).message}; the file is unchanged`,
      {
        cause: error,
      },
    );
  }
  syncDirectory(directory);
  return written;
}

/** Make the rename itself durable. Some file systems refuse fsync on a directory; the rename has happened anyway. */
function syncDirectory(directory: ConfinedDirectory): void {
  try {
    fsyncSync(directory.fd);
  } catch {
    // best effort
  }
}
