import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanProject } from '../../../src/scan/scan-project.js';
import { git } from '../../helpers/git.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

/** Small deterministic PRNG (mulberry32) so a failing tree can be regenerated from its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DIRECTORY_NAMES = ['src', 'lib', 'build', 'out', 'docs', 'tmp', 'a', 'b', 'c', 'logs', 'cache'];
const FILE_NAMES = [
  'main.py',
  'util.ts',
  'notes.txt',
  'debug.log',
  'data.tmp',
  'README.md',
  'x.out',
  'keep.log',
  'a.bak',
  'b',
];
const PATTERNS = [
  '*.log',
  '!keep.log',
  'build/',
  '/out',
  'tmp',
  '*.tmp',
  '!data.tmp',
  'docs/*.md',
  '!README.md',
  '**/cache',
  'a/b',
  '*.bak',
  '!/a.bak',
  'c/',
  '/lib/*.txt',
  'logs/**',
  '!logs/keep.log',
  'src/**/*.py',
  '!**/main.py',
  'b',
  '/*.txt',
  '\\!x',
];

function generateTree(seed: number): Record<string, string> {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const tree: Record<string, string> = {};
  const directories = [''];
  for (let index = 0; index < 25; index++) {
    const parent = pick(directories);
    if (parent.split('/').length > 3) continue;
    const directory = parent ? `${parent}/${pick(DIRECTORY_NAMES)}` : pick(DIRECTORY_NAMES);
    if (!directories.includes(directory)) directories.push(directory);
  }
  for (const directory of directories) {
    for (let index = 0; index < 4; index++) {
      const file = pick(FILE_NAMES);
      if (directories.includes(directory ? `${directory}/${file}` : file)) continue;
      tree[directory ? `${directory}/${file}` : file] = `content of ${file}\n`;
    }
    if (next() < 0.5) {
      const rules = Array.from({ length: 1 + Math.floor(next() * 4) }, () => pick(PATTERNS));
      tree[directory ? `${directory}/.gitignore` : '.gitignore'] = `${rules.join('\n')}\n`;
    }
  }
  return tree;
}

describe('scanProject matches git on generated trees', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
    it(`seed ${seed}: the included set equals git ls-files --others --exclude-standard`, async () => {
      const root = makeTempDir();
      git(root, ['init', '-q']);
      const tree = generateTree(seed);
      writeTree(root, tree);
      const expected = git(root, ['ls-files', '--others', '--exclude-standard']).split('\n').filter(Boolean).sort();
      const result = await scanProject({
        root,
        maxFileBytes: 1 << 20,
        env: { HOME: root, XDG_CONFIG_HOME: `${root}/.none`, PATH: process.env.PATH },
      });
      assert.deepEqual(
        result.files.map((file) => file.path),
        expected,
      );

      // Every generated file we left out must be one git calls ignored, and vice versa.
      const ignoredByGit = new Set(
        git(root, ['check-ignore', '--stdin'], Object.keys(tree).join('\n')).split('\n').filter(Boolean),
      );
      const included = new Set(result.files.map((file) => file.path));
      for (const file of Object.keys(tree)) assert.equal(!included.has(file), ignoredByGit.has(file), file);
    });
  }
});
