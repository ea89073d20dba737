import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fsyncSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { describeFileKind } from './describe-file-kind.js';
import { CodeContextError, errnoCode } from './errors.js';

/**
 * Refuse an output name that cannot become a regular file (a directory, a device, a FIFO): a usage error (exit 2)
 * before any work is done. A name that does not exist yet is fine; its directory must exist.
 */
export function checkOutputFile(file: string, label: string): string {
  const target = path.resolve(file);
  const refuse = (why: string): CodeContextError => new CodeContextError('usage', `${label} ${file}: ${why}`);
  try {
    const stats = statSync(target);
    if (!stats.isFile()) throw refuse(`not a regular file (${describeFileKind(stats)})`);
  } catch (error) {
    if (error instanceof CodeContextError) throw error;
    const code = errnoCode(error);
    if (code !== 'ENOENT') throw refuse(`cannot be written (${code ?? (error as Error).message})`);
    try {
      if (!statSync(path.dirname(target)).isDirectory()) throw refuse('its parent is not a directory');
    } catch (parentError) {
      if (parentError instanceof CodeContextError) throw parentError;
      throw refuse('its directory does not exist');
    }
  }
  return target;
}

/**
 * Write a file a user named on the command line (`-o FILE`) or one of theirs codecontext edits (a host's MCP
 * configuration, `.codecontext.toml`) so that a reader sees the old bytes or the new ones, never half a file: a temp
 * file beside it (O_EXCL, so never an existing file or a planted link), fsync, rename. A file that existed keeps its
 * permissions (a `~/.claude.json` of 0600 stays 0600). Any failure removes the temp file and leaves the original.
 */
export function writeOutputFile(file: string, content: string, label: string): string {
  const target = checkOutputFile(file, label);
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.codecontext-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
  let fd: number | undefined;
  try {
    const keptMode = existsSync(target) ? statSync(target).mode & 0o777 : null;
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    // Set after creation: the umask would otherwise narrow it.
    if (keptMode !== null) fchmodSync(fd, keptMode);
    const bytes = Buffer.from(content, 'utf8');
    for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    throw new CodeContextError(
      'runtime',
      `${label} ${file}: cannot be written (${errnoCode(error) ?? (error as Error).message}); the file is unchanged`,
      { cause: error },
    );
  }
  return target;
}
