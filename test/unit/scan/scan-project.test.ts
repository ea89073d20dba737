import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scanProject, type ScanResult } from '../../../src/scan/scan-project.js';
import { nodeScanFs } from '../../../src/scan/scan-fs.js';
import { git } from '../../helpers/git.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

const CLEAN_ENV = {
  HOME: '/nonexistent-home',
  XDG_CONFIG_HOME: '/nonexistent-xdg',
  GIT_CONFIG_NOSYSTEM: '1',
  PATH: process.env.PATH,
};

function scan(root: string, extra: Partial<Parameters<typeof scanProject>[0]> = {}): Promise<ScanResult> {
  return scanProject({ root, maxFileBytes: 1024, env: CLEAN_ENV, ...extra });
}

const paths = (result: ScanResult): string[] => result.files.map((file) => file.path);
const reasonOf = (result: ScanResult, relative: string): string | undefined =>
  result.skipped.find((entry) => entry.path === relative)?.reason;

function assertExists(root: string, relative: string): void {
  assert.ok(
    existsSync(path.join(root, relative)) || lstatSync(path.join(root, relative), { throwIfNoEntry: false }),
    `${relative} must exist before asserting it is skipped`,
  );
}

describe('scanProject: ignore files', () => {
  it('applies nested .gitignore files with negation and reports an ignored directory once', async () => {
    const root = makeTempDir();
    git(root, ['init', '-q']);
    writeTree(root, {
      '.gitignore': '*.log\nbuild/\n!keep.log\n',
      'app.ts': 'export const a = 1;\n',
      'debug.log': 'x\n',
      'keep.log': 'kept\n',
      'build/out.js': 'x\n',
      'build/deep/more.js': 'x\n',
      'pkg/.gitignore': '!debug.log\nlocal-only.txt\n',
      'pkg/debug.log': 're-included by the deeper file\n',
      'pkg/local-only.txt': 'x\n',
      'pkg/sub/local-only.txt': 'pattern without slash matches at any depth below\n',
      'pkg/sub/ok.py': 'x = 1\n',
    });
    const result = await scan(root);
    for (const skipped of ['debug.log', 'build', 'pkg/local-only.txt', 'pkg/sub/local-only.txt'])
      assertExists(root, skipped);
    assert.deepEqual(paths(result), [
      '.gitignore',
      'app.ts',
      'keep.log',
      'pkg/.gitignore',
      'pkg/debug.log',
      'pkg/sub/ok.py',
    ]);
    assert.equal(reasonOf(result, 'build'), 'ignored');
    assert.ok(
      !result.skipped.some((entry) => entry.path.startsWith('build/')),
      'files under an ignored dir are not listed',
    );
    assert.equal(reasonOf(result, 'debug.log'), 'ignored');
  });

  it('honours .gitignore files of parent directories above --root, info/exclude and core.excludesFile', async () => {
    const top = makeTempDir();
    git(top, ['init', '-q']);
    writeTree(top, {
      '.gitignore': 'generated/\n',
      '.git/info/exclude': '*.tmp\n',
      'global-ignore': '*.bak\n',
      'service/src/main.py': 'print(1)\n',
      'service/src/generated/x.py': 'x\n',
      'service/src/a.tmp': 'x\n',
      'service/src/a.bak': 'x\n',
    });
    git(top, ['config', 'core.excludesFile', path.join(top, 'global-ignore')]);
    const result = await scan(path.join(top, 'service'), { env: { ...CLEAN_ENV, HOME: top } });
    for (const skipped of ['src/generated', 'src/a.tmp', 'src/a.bak']) assertExists(path.join(top, 'service'), skipped);
    assert.deepEqual(paths(result), ['src/main.py']);
    assert.equal(reasonOf(result, 'src/generated'), 'ignored');
    assert.equal(reasonOf(result, 'src/a.tmp'), 'ignored');
    assert.equal(reasonOf(result, 'src/a.bak'), 'ignored');
  });

  it('applies .codecontextignore like a .gitignore, also outside a git repository', async () => {
    const root = makeTempDir();
    writeTree(root, {
      '.gitignore': 'dist/\n',
      '.codecontextignore': 'docs/\n!docs/keep.md\n',
      'docs/guide.md': '# x\n',
      'dist/bundle.js': 'x\n',
      'src/index.js': 'x\n',
    });
    const result = await scan(root);
    assertExists(root, 'docs/guide.md');
    assert.deepEqual(paths(result), ['.codecontextignore', '.gitignore', 'src/index.js']);
    assert.equal(reasonOf(result, 'docs'), 'ignored');
    assert.equal(reasonOf(result, 'dist'), 'ignored');
  });

  it('always skips .git, node_modules, .codecontext and __pycache__ at any depth', async () => {
    const root = makeTempDir();
    git(root, ['init', '-q']);
    writeTree(root, {
      'node_modules/x/index.js': 'x',
      'a/node_modules/y.js': 'x',
      '.codecontext/data/db': 'x',
      'a/__pycache__/b.cpython-311.py': 'x',
      'a/b.js': 'x',
    });
    const result = await scan(root);
    assert.deepEqual(paths(result), ['a/b.js']);
    for (const dir of ['.git', 'node_modules', 'a/node_modules', '.codecontext', 'a/__pycache__'])
      assert.equal(reasonOf(result, dir), 'always_skipped', dir);
  });

  it('filters with --include and --exclude globs', async () => {
    const root = makeTempDir();
    writeTree(root, { 'a/x.py': '1', 'a/y.ts': '1', 'b/z.py': '1', 'b/tests/t.py': '1' });
    const result = await scan(root, { include: ['**/*.py'], exclude: ['**/tests'] });
    assert.deepEqual(paths(result), ['a/x.py', 'b/z.py']);
    assert.equal(result.totals.not_included, 1);
    assert.equal(reasonOf(result, 'b/tests'), 'excluded');
  });
});

describe('scanProject: file kinds', () => {
  it('skips secrets, binaries, oversize, minified bundles, lockfiles and declaration files with reasons', async () => {
    const root = makeTempDir();
    const longLine = `var a=${'1+'.repeat(1500)}1;`;
    writeTree(root, {
      '.env': 'TOKEN=x\n',
      '.env.local': 'x\n',
      'certs/server.pem': 'x\n',
      'deploy.key': 'x\n',
      id_rsa: 'x\n',
      'store.p12': 'x\n',
      'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]),
      'big.txt': 'y'.repeat(9000),
      'vendor/lib.min.js': 'x\n',
      'vendor/bundle.js': `${longLine}\n${longLine}\n`,
      'package-lock.json': '{}\n',
      'yarn.lock': 'x\n',
      'types/api.d.ts': 'export declare const x: number;\n',
      'src/ok.ts': 'export const ok = true;\n',
      'README.md': '# readme\n',
      'notes.txt': 'plain\n',
      'src/view.tsx': 'x',
      'src/mod.mjs': 'x',
      'src/stub.pyi': 'x',
    });
    const result = await scan(root, { maxFileBytes: 8000 });
    const expected: Record<string, string> = {
      '.env': 'secret',
      '.env.local': 'secret',
      'certs/server.pem': 'secret',
      'deploy.key': 'secret',
      id_rsa: 'secret',
      'store.p12': 'secret',
      'image.png': 'binary',
      'big.txt': 'too_large',
      'vendor/lib.min.js': 'minified',
      'vendor/bundle.js': 'minified',
      'package-lock.json': 'lockfile',
      'yarn.lock': 'lockfile',
      'types/api.d.ts': 'declaration_file',
    };
    for (const [relative, reason] of Object.entries(expected)) {
      assertExists(root, relative);
      assert.equal(reasonOf(result, relative), reason, relative);
    }
    assert.deepEqual(
      result.files.map((file) => [file.path, file.language]),
      [
        ['README.md', 'markdown'],
        ['notes.txt', 'text'],
        ['src/mod.mjs', 'javascript'],
        ['src/ok.ts', 'typescript'],
        ['src/stub.pyi', 'python'],
        ['src/view.tsx', 'tsx'],
      ],
    );
    const withDeclarations = await scan(root, { maxFileBytes: 8000, includeDeclarationFiles: true });
    assert.ok(paths(withDeclarations).includes('types/api.d.ts'));
  });

  it('never opens FIFOs and reports them as not_regular', async () => {
    const root = makeTempDir();
    writeTree(root, { 'a.txt': 'x' });
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    assert.ok(lstatSync(path.join(root, 'pipe')).isFIFO());
    const result = await scan(root);
    assert.equal(reasonOf(result, 'pipe'), 'not_regular');
    assert.deepEqual(paths(result), ['a.txt']);
  });

  it('reports symlink escapes, loops and dangling links, and follows links that stay inside', async () => {
    const root = makeTempDir();
    const outside = makeTempDir();
    writeTree(outside, { 'secret-notes.txt': 'outside' });
    writeTree(root, { 'src/real.py': 'x = 1\n', 'src/nested/deep.py': 'y = 2\n' });
    symlinkSync(path.join(outside, 'secret-notes.txt'), path.join(root, 'escape.txt'));
    symlinkSync(outside, path.join(root, 'escape-dir'));
    symlinkSync('..', path.join(root, 'src', 'nested', 'up'));
    symlinkSync('self', path.join(root, 'self'));
    symlinkSync('missing-target', path.join(root, 'dangling'));
    symlinkSync('src/real.py', path.join(root, 'alias.py'));
    const result = await scan(root);
    assert.equal(reasonOf(result, 'escape.txt'), 'symlink_outside_root');
    assert.equal(reasonOf(result, 'escape-dir'), 'symlink_outside_root');
    assert.equal(reasonOf(result, 'src/nested/up'), 'symlink_loop');
    assert.equal(reasonOf(result, 'self'), 'symlink_loop');
    assert.equal(reasonOf(result, 'dangling'), 'broken_symlink');
    assert.deepEqual(paths(result), ['alias.py', 'src/nested/deep.py', 'src/real.py']);
  });

  it('keeps unicode names, ignores empty directories and works outside git', async () => {
    const root = makeTempDir();
    writeTree(root, { 'données/été.py': 'x = "é"\n', '日本/読む.md': '# 読む\n', 'empty/': '', 'also/empty/': '' });
    const result = await scan(root);
    assert.deepEqual(paths(result), ['données/été.py', '日本/読む.md']);
    assert.equal(result.totals.skipped, 0);
    assert.equal(result.totals.bytes, Buffer.byteLength('x = "é"\n') + Buffer.byteLength('# 読む\n'));
  });

  it('reports a file it cannot open as unreadable and goes on', async () => {
    const root = makeTempDir();
    writeTree(root, { 'a.py': 'x', 'locked.py': 'y', 'z.py': 'z' });
    const failingFs = {
      ...nodeScanFs,
      openSync: (target: string, flags: number): number => {
        if (target.endsWith('locked.py'))
          throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        return nodeScanFs.openSync(target, flags);
      },
    };
    const result = await scanProject({ root, maxFileBytes: 1024, env: CLEAN_ENV }, () => {}, { fs: failingFs });
    assert.equal(reasonOf(result, 'locked.py'), 'unreadable');
    assert.deepEqual(paths(result), ['a.py', 'z.py']);
  });

  it('reports an unreadable directory and goes on', async () => {
    const root = makeTempDir();
    writeTree(root, { 'ok/a.py': 'x', 'closed/b.py': 'y' });
    const failingFs = {
      ...nodeScanFs,
      readdirSync: ((directory: string, options: { withFileTypes: true }) => {
        if (directory.endsWith('closed')) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
        return nodeScanFs.readdirSync(directory, options);
      }) as typeof nodeScanFs.readdirSync,
    };
    const result = await scanProject({ root, maxFileBytes: 1024, env: CLEAN_ENV }, () => {}, { fs: failingFs });
    assert.equal(reasonOf(result, 'closed'), 'unreadable');
    assert.deepEqual(paths(result), ['ok/a.py']);
  });

  it('fails with a usage error when the root is missing or a file', async () => {
    const root = makeTempDir();
    writeFileSync(path.join(root, 'file.txt'), 'x');
    await assert.rejects(scan(path.join(root, 'missing')), /no such directory/);
    await assert.rejects(scan(path.join(root, 'file.txt')), /not a directory/);
    mkdirSync(path.join(root, 'ok'));
    assert.equal((await scan(path.join(root, 'ok'))).totals.files, 0);
  });
});

describe('scanProject: a root the enclosing repository ignores', () => {
  it('is scanned as a tree of its own, with only the ignore files inside it', async () => {
    const top = makeTempDir();
    git(top, ['init', '-q']);
    writeTree(top, {
      '.gitignore': 'vendor/\n*.py\n',
      'vendor/pkg/.gitignore': 'skip.js\n',
      'vendor/pkg/index.js': 'x\n',
      'vendor/pkg/skip.js': 'x\n',
      'vendor/pkg/tool.py': 'x\n',
    });
    const result = await scan(path.join(top, 'vendor', 'pkg'));
    assert.deepEqual(paths(result), ['.gitignore', 'index.js', 'tool.py']);
    assert.equal(reasonOf(result, 'skip.js'), 'ignored');
  });
});
