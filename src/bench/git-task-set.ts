import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isProsePath, isTestPath } from '../retrieve/match-paths.js';
import { CodeContextError } from '../shared/errors.js';
import type { BenchTask, CorpusSpec, TaskSet } from './task-set.js';

/** Subjects of fix commits: `fix: …`, `fix(scope): …`, `Fix …`, `fixes …`, `bugfix …`. */
const FIX_SUBJECT = /^(?:(?:bug)?fix(?:es|ed)?\b|[\w-]+(?:\([^)]*\))?!?:\s*fix\b)/i;
/** A conventional-commit type and scope (`fix(parser)!: `): the scope often names the answer, so it goes. */
const CONVENTIONAL_PREFIX = /^[\w-]+(?:\([^)]*\))?!?:\s*/;

function git(root: string, args: string[]): string {
  return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

/**
 * `benchmark-run --from-git N`: tasks from the repository's own last N fix commits — the subject without its
 * conventional-commit type and scope is the goal, the files the commit modified (minus docs and tests) are the gold, and the tree is
 * the parent commit, extracted with `git archive` into a temp directory (the working tree is never touched).
 * Gold is file-level (no symbols), so recall is file recall for these tasks.
 */
export function taskSetFromGit(root: string, count: number): { taskSet: TaskSet; cleanup: () => void } {
  let top: string;
  try {
    top = git(root, ['rev-parse', '--show-toplevel']).trim();
  } catch {
    throw new CodeContextError('usage', `--from-git: ${root} is not inside a git repository`);
  }
  const log = git(top, ['log', '--no-merges', '--format=%H%x00%P%x00%s', '-n', '2000']).split('\n').filter(Boolean);
  const fixes = log
    .map((line) => line.split('\0') as [string, string, string])
    .filter(([, parents, subject]) => parents.split(' ').filter(Boolean).length === 1 && FIX_SUBJECT.test(subject))
    .slice(0, count);
  if (fixes.length === 0)
    throw new CodeContextError(
      'usage',
      '--from-git: no fix commits (subjects starting with fix / fix(scope):) in this history',
    );

  const work = mkdtempSync(path.join(os.tmpdir(), 'codecontext-git-tasks-'));
  const cleanup = (): void => rmSync(work, { recursive: true, force: true });
  const tasks: BenchTask[] = [];
  const corpora: Record<string, CorpusSpec> = {};
  try {
    for (const [commit, parent, subject] of fixes) {
      const gold = git(top, ['diff-tree', '--no-commit-id', '--name-only', '-r', '--diff-filter=M', commit])
        .split('\n')
        .filter(Boolean)
        // The fix site: docs, changelogs and the tests added beside a fix are not where it goes.
        .filter((file) => !isProsePath(file) && !isTestPath(file));
      const goal = subject.replace(CONVENTIONAL_PREFIX, '').trim();
      if (gold.length === 0 || goal.length === 0) continue;
      const tree = path.join(work, commit.slice(0, 12));
      mkdirSync(tree, { recursive: true });
      const archive = spawnSync('git', ['-C', top, 'archive', '--format=tar', parent], { maxBuffer: 1 << 30 });
      if (archive.status !== 0)
        throw new CodeContextError(
          'runtime',
          `--from-git: git archive ${parent.slice(0, 12)} failed: ${archive.stderr.toString().trim()}`,
        );
      const extract = spawnSync('tar', ['-x', '-C', tree], { input: archive.stdout });
      if (extract.status !== 0)
        throw new CodeContextError('runtime', `--from-git: extracting ${parent.slice(0, 12)} failed`);
      const name = commit.slice(0, 12);
      corpora[name] = { kind: 'directory', path: tree };
      tasks.push({ id: `git-${name}`, corpus: name, goal, gold_files: gold, gold_symbols: [], names_target: false });
    }
  } catch (error) {
    cleanup();
    throw error;
  }
  if (tasks.length === 0) {
    cleanup();
    throw new CodeContextError('usage', '--from-git: the fix commits found modify no code files');
  }
  return { taskSet: { name: `git:${count}`, directory: work, tasks, corpora }, cleanup };
}
