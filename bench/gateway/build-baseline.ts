/**
 * The codecontext builds a gateway bench measures: this checkout's, compiled as `npm run build` does, and a second
 * one from a git ref, measured beside the working tree in the same run, so "before vs after" does not compare runs
 * on a shared machine. The ref's tree is exported with `git archive` (no worktree entry left behind in the
 * repository if the bench is killed), given this checkout's node_modules through a symlink, and compiled with the
 * same `tsc -p tsconfig.json` as `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import path from 'node:path';

export interface BaselineBuild {
  ref: string;
  commit: string;
  root: string;
  bin: string;
}

/** Exports `ref` of the repository at `projectRoot` into `into` and builds it. Throws git's or tsc's message. */
export function buildBaseline(projectRoot: string, ref: string, into: string): BaselineBuild {
  const commit = execFileSync('git', ['-C', projectRoot, 'rev-parse', '--verify', `${ref}^{commit}`], {
    encoding: 'utf8',
  }).trim();
  mkdirSync(into, { recursive: true });
  const archive = execFileSync('git', ['-C', projectRoot, 'archive', '--format=tar', commit], {
    maxBuffer: 512 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', into], { input: archive });
  symlinkSync(realpathSync(path.join(projectRoot, 'node_modules')), path.join(into, 'node_modules'));
  try {
    execFileSync(
      process.execPath,
      [path.join(into, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
      {
        cwd: into,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  } catch (error) {
    // tsc reports on stdout; keep the first errors, not the whole listing.
    const output = String((error as { stdout?: Buffer }).stdout ?? '').slice(0, 2000);
    throw new Error(`tsc failed for ${ref} (${commit.slice(0, 12)}): ${output}`, { cause: error });
  }
  return { ref, commit, root: into, bin: path.join(into, 'bin', 'codecontext.js') };
}

/** Compiles the checkout at `projectRoot` to its dist/ (`tsc -p tsconfig.json`, as `npm run build`); tsc prints. */
export function buildCheckout(projectRoot: string): void {
  execFileSync(
    process.execPath,
    [path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
    {
      cwd: projectRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
}

/** The commit checked out at `root`, and whether tracked files differ from it (a bench of uncommitted work). */
export function describeCheckout(root: string): { commit: string; dirty: boolean } {
  const commit = execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  // --no-optional-locks: a bench run beside someone's edits must not rewrite the index's stat cache.
  const status = execFileSync(
    'git',
    ['--no-optional-locks', '-C', root, 'status', '--porcelain', '--untracked-files=no'],
    { encoding: 'utf8' },
  );
  return { commit, dirty: status.trim() !== '' };
}
