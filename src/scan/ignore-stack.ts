import ignore, { type Ignore } from 'ignore';
import path from 'node:path';
import { toPosixPath } from '../shared/paths.js';
import type { ScanFs } from './scan-fs.js';

/** Ignore files read in every directory, lowest precedence first within a directory. */
export const IGNORE_FILE_NAMES = ['.gitignore', '.codecontextignore'] as const;

interface IgnoreFrame {
  /** Directory of the ignore file, relative to the base (the git top level, or the root outside git). */
  directory: string;
  matcher: Ignore;
}

function readRules(fs: ScanFs, filePath: string): string | null {
  try {
    return fs.readFileSync(filePath, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Git's ignore precedence, evaluated per path: the deepest ignore file with a matching rule decides (its last
 * matching rule wins, negation included), then `.git/info/exclude`, then core.excludesFile. A directory that is
 * ignored is never entered, which is also why git cannot re-include a file below it.
 */
export class IgnoreStack {
  private constructor(
    private readonly frames: readonly IgnoreFrame[],
    private readonly fallbacks: readonly Ignore[],
  ) {}

  /**
   * The stack that applies at `root`: global excludes, info/exclude, and the ignore files of every directory from
   * the git top level down to the root itself.
   */
  static forRoot(fs: ScanFs, root: string, base: string, globalFiles: readonly string[]): IgnoreStack {
    const fallbacks: Ignore[] = [];
    for (const file of globalFiles) {
      const rules = readRules(fs, file);
      if (rules !== null) fallbacks.unshift(ignore({ allowRelativePaths: true }).add(rules));
    }
    let stack = new IgnoreStack([], fallbacks);
    const chain: string[] = [];
    for (let directory = root; ; directory = path.dirname(directory)) {
      chain.unshift(directory);
      if (directory === base || path.dirname(directory) === directory) break;
    }
    for (const directory of chain) stack = stack.enter(fs, directory, toPosixPath(path.relative(base, directory)));
    return stack;
  }

  /** The stack inside `absoluteDirectory` (relative path `relativeDirectory` from the base). */
  enter(fs: ScanFs, absoluteDirectory: string, relativeDirectory: string, names?: ReadonlySet<string>): IgnoreStack {
    let matcher: Ignore | null = null;
    for (const fileName of IGNORE_FILE_NAMES) {
      if (names && !names.has(fileName)) continue;
      const rules = readRules(fs, path.join(absoluteDirectory, fileName));
      if (rules === null) continue;
      matcher ??= ignore({ allowRelativePaths: true });
      matcher.add(rules);
    }
    if (!matcher) return this;
    return new IgnoreStack([...this.frames, { directory: relativeDirectory, matcher }], this.fallbacks);
  }

  /** Is `relativePath` (from the base, `/`-separated) ignored? */
  ignores(relativePath: string, isDirectory: boolean): boolean {
    for (let index = this.frames.length - 1; index >= 0; index--) {
      const frame = this.frames[index]!;
      const local = frame.directory === '' ? relativePath : relativePath.slice(frame.directory.length + 1);
      const verdict = frame.matcher.test(isDirectory ? `${local}/` : local);
      if (verdict.ignored) return true;
      if (verdict.unignored) return false;
    }
    for (const matcher of this.fallbacks) {
      const verdict = matcher.test(isDirectory ? `${relativePath}/` : relativePath);
      if (verdict.ignored) return true;
      if (verdict.unignored) return false;
    }
    return false;
  }
}
