import { execFileSync } from 'node:child_process';

/** Run git in `cwd` with a fixed identity and no user/system config leaking in. */
export function git(cwd: string, args: string[], input?: string): string {
  try {
    return runGit(cwd, args, input);
  } catch (error) {
    // `git check-ignore` exits 1 when nothing matched: that is an answer, not a failure.
    const status = (error as { status?: number }).status;
    if (args[0] === 'check-ignore' && status === 1) return '';
    throw error;
  }
}

function runGit(cwd: string, args: string[], input?: string): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args],
    {
      cwd,
      input,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd, XDG_CONFIG_HOME: `${cwd}/.xdg-none` },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
}
