import { realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { CodeContextError, errnoCode } from '../shared/errors.js';
import { changedWhilePatched } from './confined-directory.js';

export interface PatchTarget {
  /** The root, symlinks resolved: where a confined walk to the file starts. */
  realRoot: string;
  /** Relative to the real root, `/`-separated: the index's key for the file and what the patch row records. */
  relativePath: string;
  /** The file's real location (symlinks resolved), the one that is read and replaced. */
  absolutePath: string;
}

const refuse = (message: string): CodeContextError => new CodeContextError('usage', message);

/** True when `child` lies strictly inside `parent` (both absolute and already resolved). */
export function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

function isGitPath(relative: string): boolean {
  // Case-insensitive: on macOS and Windows file systems `.GIT/config` is `.git/config`.
  return relative.split(/[\\/]/).some((segment) => segment.toLowerCase() === '.git');
}

/**
 * Resolve the file a patch may write, or refuse (usage error, exit 2): absolute paths, any `..` segment, anything
 * under `.git/`, anything under the protected directories (codecontext's own data), and paths whose real location
 * (symlinks in the file or any parent resolved) is outside the root. Only an existing regular file qualifies.
 * This is the by-name policy check; open-patch-target.ts then walks the real path through directory handles, which
 * is what keeps a path that changes after this check from redirecting the write.
 */
export function resolvePatchTarget(
  root: string,
  requested: string,
  protectedDirs: readonly string[] = [],
): PatchTarget {
  if (requested.trim() === '') throw refuse('--path is empty');
  if (path.isAbsolute(requested) || /^[a-zA-Z]:[\\/]/.test(requested)) {
    throw refuse(`refused: ${requested} is an absolute path; give a path relative to the root`);
  }
  if (requested.split(/[\\/]/).includes('..'))
    throw refuse(`refused: ${requested} contains '..'; patches never leave the root`);
  if (isGitPath(requested)) throw refuse(`refused: ${requested} is inside .git/`);

  const realRoot = realpathSync(root);
  let real: string;
  try {
    // libc's realpath: one readlink per component, where the JavaScript one's lstat-then-readlink can see a
    // component change kind in between (EINVAL) when a directory is being swapped for a link.
    real = realpathSync.native(path.resolve(realRoot, requested));
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw refuse(`no such file: ${requested}`);
    if (code === 'ELOOP') throw refuse(`refused: ${requested} is a symlink loop`);
    if (code === 'EINVAL') throw changedWhilePatched(requested);
    throw new CodeContextError('runtime', `cannot resolve ${requested}: ${(error as Error).message}`, { cause: error });
  }
  if (!isInside(realRoot, real)) throw refuse(`refused: ${requested} resolves outside the root (through a symlink)`);
  const relative = path.relative(realRoot, real);
  if (isGitPath(relative)) throw refuse(`refused: ${requested} resolves inside .git/`);
  for (const dir of protectedDirs) {
    let realDir: string;
    try {
      realDir = realpathSync(dir);
    } catch {
      continue; // a data directory that does not exist yet protects nothing
    }
    if (real === realDir || isInside(realDir, real)) throw refuse(`refused: ${requested} is codecontext's own data`);
  }
  // A first look by name, so a device or FIFO is never even opened; the open descriptor is checked again later.
  let stats: Stats;
  try {
    stats = statSync(real);
  } catch {
    throw changedWhilePatched(requested); // it was there a moment ago, when its path resolved
  }
  if (!stats.isFile()) throw refuse(`refused: ${requested} is not a regular file`);
  return { realRoot, relativePath: relative.split(path.sep).join('/'), absolutePath: real };
}
