import { closeSync, constants, existsSync, fstatSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import { CodeContextError, errnoCode } from '../shared/errors.js';

/**
 * Why handles: a path checked by name and then opened or renamed by name can be redirected in between — a parent
 * directory swapped for a symlink to somewhere outside the root sent a patch's write there. So the directory a patch
 * writes in is opened once, component by component from the real root, each with O_DIRECTORY|O_NOFOLLOW, and
 * everything after goes through that open directory. On Linux `/proc/self/fd/<fd>/<name>` resolves through the
 * open directory itself, not through any name (checked for open, O_CREAT|O_EXCL, rename, unlink and lstat while the
 * directory's name was a symlink to elsewhere), so swapping a path component afterwards changes nothing.
 *
 * Without /proc/self/fd (macOS, BSDs, a container without /proc) Node has no openat(): `pathOf` falls back to the
 * directory's name and the caller re-resolves the path by name just before the rename — the check narrows the window
 * but cannot close it. `throughHandle` says which one is in use.
 *
 * What a handle cannot stop: a directory moved (not swapped) out of the root after it was opened takes the handle
 * with it. Moving directories out of the root is already a write outside it, by whoever did the move.
 */
export interface ConfinedDirectory {
  readonly fd: number;
  /** True when `pathOf` goes through the handle; false on the by-name fallback. */
  readonly throughHandle: boolean;
  /** A path naming `name` (one component) inside this directory. */
  pathOf(name: string): string;
  close(): void;
}

const PROC_FD = '/proc/self/fd';
let procFdAvailable: boolean | undefined;

/** Whether `/proc/self/fd/<fd>/<name>` paths can be used here (decided once per process). */
export function canUseHandlePaths(): boolean {
  procFdAvailable ??= process.platform === 'linux' && existsSync(PROC_FD);
  return procFdAvailable;
}

const DIRECTORY_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** The refusal for a path that changed under us: a link where a real directory was a moment ago, or gone. */
export function changedWhilePatched(requested: string): CodeContextError {
  return new CodeContextError(
    'usage',
    `refused: ${requested} changed while it was being patched (a path component was replaced or removed); nothing changed`,
  );
}

function identity(stats: { dev: number; ino: number }): string {
  return `${stats.dev}:${stats.ino}`;
}

/**
 * Identities (device:inode) of directories a walk must never enter, whatever they are called by then. Taken before
 * the path is checked by name, so a protected directory renamed into the path after that check is still known.
 */
export function directoryIdentities(dirs: readonly string[]): ReadonlySet<string> {
  const identities = new Set<string>();
  for (const dir of dirs) {
    try {
      const stats = statSync(dir);
      if (stats.isDirectory()) identities.add(identity(stats));
    } catch {
      // one that does not exist protects nothing
    }
  }
  return identities;
}

/**
 * Open `realRoot/components…` as a confined directory. `realRoot` is already resolved (realpath); `components` are
 * the real path's directory names, so a symlink met on the way is a race (it was not there when the path resolved)
 * and is refused with `changedWhilePatched`, as is a directory that is gone. `refused` (directoryIdentities of
 * codecontext's data directory and the root's .git) are refused at every level, under any name.
 */
export function openConfinedDirectory(
  realRoot: string,
  components: readonly string[],
  options: { requested: string; refused: ReadonlySet<string> },
): ConfinedDirectory {
  const throughHandle = canUseHandlePaths();
  const { refused } = options;
  let byName = realRoot;
  let fd = openDirectory(realRoot, options.requested);
  try {
    for (let level = 0; ; level++) {
      if (refused.has(identity(fstatSync(fd))))
        throw new CodeContextError('usage', `refused: ${options.requested} is codecontext's own data or .git/`);
      const component = components[level];
      if (component === undefined) break;
      const next = openDirectory(
        throughHandle ? `${PROC_FD}/${fd}/${component}` : path.join(byName, component),
        options.requested,
      );
      closeSync(fd);
      fd = next;
      byName = path.join(byName, component);
    }
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  const directoryFd = fd;
  const directoryName = byName;
  let closed = false;
  return {
    fd: directoryFd,
    throughHandle,
    pathOf: (name) => (throughHandle ? `${PROC_FD}/${directoryFd}/${name}` : path.join(directoryName, name)),
    close: () => {
      // Once only: a second closeSync could close whatever descriptor reused the number meanwhile.
      if (closed) return;
      closed = true;
      closeSync(directoryFd);
    },
  };
}

function openDirectory(target: string, requested: string): number {
  try {
    return openSync(target, DIRECTORY_FLAGS);
  } catch (error) {
    const code = errnoCode(error);
    // O_NOFOLLOW|O_DIRECTORY on a symlink fails with ENOTDIR on Linux and ELOOP elsewhere.
    if (code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENOENT') throw changedWhilePatched(requested);
    throw new CodeContextError('runtime', `cannot open a directory of ${requested}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
