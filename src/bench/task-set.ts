import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodeContextError } from '../shared/errors.js';

/** One benchmark task: a goal over a corpus, with the files and symbols a good pack must contain. */
export interface BenchTask {
  id: string;
  corpus: string;
  goal: string;
  gold_files: string[];
  gold_symbols: string[];
  /** Does the goal name a file or identifier? At least half of a task set should not. */
  names_target: boolean;
}

export type CorpusSpec =
  | { kind: 'fixture'; path: string }
  /** A directory on this machine (a tree extracted from git history by --from-git). */
  | { kind: 'directory'; path: string }
  | { kind: 'python-stdlib'; include: string[] }
  | { kind: 'node-package'; package: string; include: string[] };

export interface ResolvedCorpus {
  name: string;
  root: string;
  include: string[];
}

export interface TaskSet {
  name: string;
  directory: string;
  tasks: BenchTask[];
  corpora: Record<string, CorpusSpec>;
}

/** The installed package's root: datasets resolve here, never against --root. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function loadTaskSet(name: string): TaskSet {
  const directory = path.join(PACKAGE_ROOT, 'bench', 'datasets', name);
  const tasksFile = path.join(directory, 'tasks.jsonl');
  if (!/^[\w-]+$/.test(name) || !existsSync(tasksFile)) {
    throw new CodeContextError('usage', `--dataset ${name}: no task set at bench/datasets/${name}/tasks.jsonl`);
  }
  const tasks = readFileSync(tasksFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as BenchTask);
  const corpora = JSON.parse(readFileSync(path.join(directory, 'corpora.json'), 'utf8')) as Record<string, CorpusSpec>;
  return { name, directory, tasks, corpora };
}

/** Where a corpus lives on this machine (fixtures in the package, the Python stdlib, an installed npm package). */
export function resolveCorpus(name: string, spec: CorpusSpec): ResolvedCorpus {
  switch (spec.kind) {
    case 'fixture':
      return { name, root: path.join(PACKAGE_ROOT, spec.path), include: [] };
    case 'directory':
      return { name, root: spec.path, include: [] };
    case 'python-stdlib': {
      const stdlib = execFileSync('python3', ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], {
        encoding: 'utf8',
      }).trim();
      return { name, root: stdlib, include: spec.include };
    }
    case 'node-package':
      return { name, root: path.join(PACKAGE_ROOT, 'node_modules', spec.package), include: spec.include };
  }
}
