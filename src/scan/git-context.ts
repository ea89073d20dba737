import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface GitContext {
  /** Absolute path of the working tree's top level, or null outside a git repository. */
  topLevel: string | null;
  /** The repository's git directory (a `.git` file in worktrees/submodules points elsewhere). */
  gitDir: string | null;
  /** core.excludesFile, or git's default `$XDG_CONFIG_HOME/git/ignore`, whether or not it exists. */
  excludesFile: string | null;
}

function readGitDir(candidate: string): string | null {
  try {
    const stats = statSync(candidate);
    if (stats.isDirectory()) return candidate;
    if (stats.isFile()) {
      const match = /^gitdir:\s*(.+)$/m.exec(readFileSync(candidate, 'utf8'));
      if (match?.[1]) return path.resolve(path.dirname(candidate), match[1].trim());
    }
  } catch {
    // Not there: keep walking up.
  }
  return null;
}

function defaultExcludesFile(env: NodeJS.ProcessEnv): string {
  const configHome = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(configHome, 'git', 'ignore');
}

/**
 * Ask git for core.excludesFile (it resolves includes, `~` and the system/global/local config order for us).
 * Without git on PATH, or when unset, fall back to git's documented default.
 */
function resolveExcludesFile(topLevel: string, env: NodeJS.ProcessEnv): string {
  try {
    const value = execFileSync('git', ['config', '--path', '--get', 'core.excludesFile'], {
      cwd: topLevel,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
      env,
    }).trim();
    if (value) return path.resolve(topLevel, value);
  } catch {
    // Exit 1 means "unset"; a missing git binary lands here too.
  }
  return defaultExcludesFile(env);
}

/** The working tree top level and git directory containing `root`, by walking up like git (no GIT_DIR); stat calls only. */
export function findGitDir(root: string): { topLevel: string; gitDir: string } | null {
  let directory = root;
  for (;;) {
    const gitDir = readGitDir(path.join(directory, '.git'));
    if (gitDir) return { topLevel: directory, gitDir };
    const parent = path.dirname(directory);
    if (parent === directory) return null;
    directory = parent;
  }
}

/** Find the git repository containing `root` by walking up, like git does (no GIT_DIR support). */
export function detectGitContext(root: string, env: NodeJS.ProcessEnv = process.env): GitContext {
  const found = findGitDir(root);
  if (!found) return { topLevel: null, gitDir: null, excludesFile: null };
  return { ...found, excludesFile: resolveExcludesFile(found.topLevel, env) };
}
