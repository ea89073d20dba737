import { extensionOf } from './languages.js';

/** Why a path is not scanned. One word each; the README lists them. */
export type SkipReason =
  | 'ignored'
  | 'always_skipped'
  | 'excluded'
  | 'secret'
  | 'binary'
  | 'too_large'
  | 'unreadable'
  | 'symlink_outside_root'
  | 'symlink_loop'
  | 'broken_symlink'
  | 'not_regular'
  | 'minified'
  | 'lockfile'
  | 'declaration_file';

/**
 * Directories never descended into, at any depth, whatever the ignore files say. `__pycache__` holds only the
 * interpreter's bytecode: nothing in it is ever indexed, yet without a .gitignore (the Python stdlib: 3,119 of its
 * 8,702 directories) each one was listed by every scan and stat'ed by every freshness check.
 */
export const ALWAYS_SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set([
  '.git',
  'node_modules',
  '.codecontext',
  '__pycache__',
]);

const SECRET_FILE_NAME = /^(\.env(\..*)?|id_(rsa|dsa|ecdsa|ed25519)(\..*)?|.*\.(pem|key|p12|pfx))$/i;

/** Files that usually hold credentials: never read, so their content cannot reach an index or a prompt. */
export function isSecretFileName(fileName: string): boolean {
  return SECRET_FILE_NAME.test(fileName);
}

const LOCKFILES: ReadonlySet<string> = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
  'bun.lockb',
  'Cargo.lock',
  'Gemfile.lock',
  'poetry.lock',
  'Pipfile.lock',
  'composer.lock',
  'go.sum',
  'uv.lock',
  'pdm.lock',
  'mix.lock',
  'flake.lock',
  'packages.lock.json',
  'Podfile.lock',
  'pubspec.lock',
  'gradle.lockfile',
]);

/** Generated dependency pins: large, token-hungry and never what a goal is about. */
export function isLockfile(fileName: string): boolean {
  return LOCKFILES.has(fileName);
}

const MINIFIABLE = new Set(['.js', '.mjs', '.cjs', '.css']);

/**
 * Minified bundles by name (`*.min.js`) or by shape: JS/CSS whose sample has very long lines on average.
 * A normal source file with one long data line keeps a short average and is not caught.
 */
export function looksMinified(fileName: string, sample: Buffer, sampleLength: number): boolean {
  if (/\.min\.(js|mjs|cjs|css)$/i.test(fileName)) return true;
  if (!MINIFIABLE.has(extensionOf(fileName)) || sampleLength < 1024) return false;
  let lines = 1;
  let longest = 0;
  let current = 0;
  for (let index = 0; index < sampleLength; index++) {
    if (sample[index] === 0x0a) {
      lines++;
      if (current > longest) longest = current;
      current = 0;
    } else current++;
  }
  if (current > longest) longest = current;
  return longest > 1000 && sampleLength / lines > 250;
}

/** Git's own binary test: a NUL byte in the first 8 KiB. */
export function hasNulByte(sample: Buffer, sampleLength: number): boolean {
  return sample.subarray(0, sampleLength).includes(0);
}
