import { closeSync, constants, fstatSync, lstatSync, openSync, type Stats } from 'node:fs';
import path from 'node:path';
import { formatBytes } from '../shared/describe-file-kind.js';
import { CodeContextError, errnoCode } from '../shared/errors.js';
import { readBounded } from '../shared/read-bounded.js';
import {
  changedWhilePatched,
  directoryIdentities,
  openConfinedDirectory,
  type ConfinedDirectory,
} from './confined-directory.js';
import { resolvePatchTarget, type PatchTarget } from './resolve-patch-target.js';
import { writeFileAtomically, type WrittenFile } from './write-file-atomically.js';

/**
 * The largest file apply-patch / rollback-patch will change. A patch holds the file, its patched copy and their
 * text for the diff in memory at once; 64 MiB is far above any hand-written source file and keeps that well under a
 * gigabyte (above ~512 MB the text alone exceeds what a JavaScript string can hold).
 */
export const PATCH_TARGET_LIMIT_BYTES = 64 * 1024 * 1024;

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

export interface OpenedPatchTarget {
  target: PatchTarget;
  /** The bytes read through the directory handle: what is matched, hashed and replaced. */
  content: Buffer;
  /** A path that reads the file through the handle while it is open (for the index refresh). */
  readPath: string;
  /** Atomically replace the file's content, refusing if its name no longer holds the file that was read. */
  replace(content: Buffer): WrittenFile;
  close(): void;
}

/**
 * Resolve and check `requested` by name (resolve-patch-target.ts), then open the real path's directory through
 * handles (confined-directory.ts) and read the file through it: O_NOFOLLOW (a link appearing now is a race),
 * O_NONBLOCK (a FIFO put in its place cannot block the open), fstat on the descriptor (a regular file, at most
 * PATCH_TARGET_LIMIT_BYTES, checked before reading). The caller must `close()` it.
 */
export function openPatchTarget(root: string, requested: string, dataDir: string): OpenedPatchTarget {
  const refused = directoryIdentities([dataDir, path.join(root, '.git')]);
  const target = resolvePatchTarget(root, requested, [dataDir]);
  const components = target.relativePath.split('/');
  const name = components.pop()!;
  const directory = openConfinedDirectory(target.realRoot, components, { requested, refused });
  try {
    const { content, stats } = readTarget(directory, name, requested);
    // The last check before the rename: the name still holds the very file that was read (another writer's rename
    // over it would otherwise be silently undone); on the by-name fallback the whole path is re-resolved as well.
    const confirm = (): void => {
      if (!holdsSameFile(directory.pathOf(name), stats)) throw changedWhilePatched(requested);
      if (
        !directory.throughHandle &&
        resolvePatchTarget(root, requested, [dataDir]).absolutePath !== target.absolutePath
      )
        throw changedWhilePatched(requested);
    };
    return {
      target,
      content,
      readPath: directory.pathOf(name),
      replace: (next) =>
        writeFileAtomically(directory, name, next, stats, { label: target.relativePath, beforeRename: confirm }),
      close: () => directory.close(),
    };
  } catch (error) {
    directory.close();
    throw error;
  }
}

function readTarget(directory: ConfinedDirectory, name: string, requested: string): { content: Buffer; stats: Stats } {
  let fd: number;
  try {
    fd = openSync(directory.pathOf(name), READ_FLAGS);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ELOOP' || code === 'ENOENT' || code === 'ENOTDIR') throw changedWhilePatched(requested);
    throw new CodeContextError('runtime', `cannot read ${requested}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new CodeContextError('usage', `refused: ${requested} is not a regular file`);
    const tooLarge = (): CodeContextError =>
      new CodeContextError(
        'usage',
        `refused: ${requested} is ${formatBytes(stats.size)}, over the ${formatBytes(PATCH_TARGET_LIMIT_BYTES)} limit for a file a patch changes`,
        { details: { path: requested, size_bytes: stats.size, limit_bytes: PATCH_TARGET_LIMIT_BYTES } },
      );
    if (stats.size > PATCH_TARGET_LIMIT_BYTES) throw tooLarge();
    const content = readBounded(fd, PATCH_TARGET_LIMIT_BYTES, stats.size);
    if (content === null) throw tooLarge();
    return { content, stats };
  } catch (error) {
    if (error instanceof CodeContextError) throw error;
    throw new CodeContextError('runtime', `cannot read ${requested}: ${(error as Error).message}`, { cause: error });
  } finally {
    closeSync(fd);
  }
}

function holdsSameFile(name: string, read: Stats): boolean {
  try {
    const now = lstatSync(name);
    return now.dev === read.dev && now.ino === read.ino;
  } catch {
    return false;
  }
}
