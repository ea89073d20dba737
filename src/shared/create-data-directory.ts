import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Create codecontext's data directory (and any missing parents). The first directory this call creates gets a
 * `.gitignore` of `*`, the way pytest and virtualenv mark their own directories: `.codecontext/` never shows up in
 * the user's `git status`, whether or not `codecontext init` added it to `.git/info/exclude`. A directory that
 * already existed is the user's and is left as it is.
 */
export function createDataDirectory(directory: string): void {
  const created = mkdirSync(directory, { recursive: true });
  if (created === undefined) return;
  try {
    writeFileSync(path.join(created, '.gitignore'), '# created by codecontext: its data stays out of git\n*\n', {
      flag: 'wx',
    });
  } catch {
    // Best effort: a directory that cannot take the file still works as a data directory.
  }
}
