import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** One past commit as the history index keeps it: what it said and which files (relative to the root) it changed. */
export interface PastCommit {
  sha: string;
  /** Committer time, seconds since the epoch. */
  committedAt: number;
  message: string;
  files: string[];
}

const GIT_TIMEOUT_MS = 60_000;
const MAX_GIT_OUTPUT = 1 << 30;
const RECORD = '\x1e';
const FIELD = '\x1f';

function git(root: string, args: readonly string[], input?: string): string {
  return execFileSync('git', ['-c', 'core.quotePath=false', ...args], {
    cwd: root,
    encoding: 'utf8',
    input,
    maxBuffer: MAX_GIT_OUTPUT,
    timeout: GIT_TIMEOUT_MS,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
}

/**
 * The newest `maxCommits` non-merge commits reachable from HEAD that touched something under `root`, newest first.
 * Only ancestors of HEAD: `rev-list HEAD` walks parents from HEAD, so a commit made after it (another branch, a
 * reset, objects borrowed from a bigger repository) is never listed, and `readCommits` reads only what is listed.
 * Merges are left out: their diff against one parent repeats the branch's own commits.
 */
export function ancestorCommits(root: string, maxCommits: number): string[] {
  const output = git(root, ['rev-list', '--no-merges', `--max-count=${maxCommits}`, 'HEAD', '--', '.']);
  return output.split('\n').filter(Boolean);
}

/**
 * Message, time and changed files of exactly the given commits (`--no-walk`: no parent is followed). Paths are
 * relative to `root` (`--relative`), and a change outside it is not listed.
 */
export function readCommits(root: string, shas: readonly string[]): PastCommit[] {
  if (shas.length === 0) return [];
  const output = git(
    root,
    [
      'log',
      '--no-walk=unsorted',
      '--stdin',
      '--relative',
      '--name-only',
      '--no-renames',
      `--format=${RECORD}%H${FIELD}%ct${FIELD}%B${FIELD}`,
    ],
    `${shas.join('\n')}\n`,
  );
  const commits: PastCommit[] = [];
  for (const record of output.split(RECORD)) {
    if (!record) continue;
    const [sha, time, message, names] = record.split(FIELD);
    if (!sha || !time) continue;
    commits.push({
      sha,
      committedAt: Number(time),
      message: (message ?? '').trim(),
      files: (names ?? '').split('\n').filter(Boolean),
    });
  }
  return commits;
}

/**
 * The commit HEAD points at, read from the git directory's files (HEAD, the ref it names, packed-refs): two small
 * reads, cheap enough for every index read. Null when it cannot be told that way (no commit yet, an unusual ref
 * store); the caller then asks git.
 */
export function readHeadCommit(gitDir: string): string | null {
  try {
    const head = readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40,64}$/.test(head)) return head;
    const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
    if (!ref) return null;
    // A linked worktree keeps HEAD in its own git dir and the refs in the common one.
    const commonDir = readCommonDir(gitDir);
    for (const directory of [gitDir, commonDir]) {
      try {
        const value = readFileSync(path.join(directory, ref), 'utf8').trim();
        if (/^[0-9a-f]{40,64}$/.test(value)) return value;
      } catch {
        // Not a loose ref here: look further.
      }
    }
    const packed = readFileSync(path.join(commonDir, 'packed-refs'), 'utf8');
    for (const line of packed.split('\n')) {
      const [sha, name] = line.split(' ');
      if (name === ref && sha && /^[0-9a-f]{40,64}$/.test(sha)) return sha;
    }
  } catch {
    // No HEAD, no packed-refs: not readable this way.
  }
  return null;
}

function readCommonDir(gitDir: string): string {
  try {
    return path.resolve(gitDir, readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return gitDir;
  }
}

/** HEAD's commit as git itself resolves it, or null (no commit yet, git missing). */
export function resolveHead(root: string): string | null {
  try {
    return git(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).trim() || null;
  } catch {
    return null;
  }
}
