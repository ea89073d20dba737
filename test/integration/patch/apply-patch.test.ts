import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

const SOURCE = 'def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n';

/** A repository with an index in its own temp data dir; `cli` runs codecontext against it. */
async function repo(files: Record<string, string | Buffer> = { 'calc.py': SOURCE }) {
  const root = makeTempDir('codecontext-patch-');
  writeTree(root, files);
  const dataDir = makeTempDir('codecontext-patch-data-');
  const cli = (...args: string[]) => runCli(['--root', root, '--data-dir', dataDir, ...args]);
  const indexed = await cli('index-project', '--no-embeddings');
  assert.equal(indexed.exitCode, 0, indexed.stderr);
  const patches = (): Array<Record<string, unknown>> => {
    const db = new Database(path.join(dataDir, 'codecontext.db'), { readonly: true });
    try {
      return db
        .prepare(
          'SELECT id, path, before_hash, after_hash, old_text, new_text, rolled_back_at FROM patches ORDER BY id',
        )
        .all() as Array<Record<string, unknown>>;
    } finally {
      db.close();
    }
  };
  const read = (relative: string): string => readFileSync(path.join(root, relative), 'utf8');
  return { root, dataDir, cli, patches, read };
}

describe('apply-patch', () => {
  it('replaces a unique match atomically, records the patch, refreshes the index and prints a unified diff', async () => {
    const { root, cli, patches, read } = await repo();
    chmodSync(path.join(root, 'calc.py'), 0o755);
    const result = await cli(
      'apply-patch',
      '--path',
      'calc.py',
      '--old-text',
      'def add(a, b):\n    return a + b',
      '--new-text',
      'def add_numbers(a, b):\n    return b + a',
    );
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.json.patch_id, 1);
    assert.equal(result.json.path, 'calc.py');
    assert.equal(result.json.line, 1);
    assert.equal(result.json.index, 'refreshed');
    assert.equal(
      result.json.diff,
      '--- a/calc.py\n+++ b/calc.py\n@@ -1,5 +1,5 @@\n-def add(a, b):\n-    return a + b\n+def add_numbers(a, b):\n+    return b + a\n \n \n def sub(a, b):\n',
    );
    assert.equal(
      read('calc.py'),
      SOURCE.replace('def add(a, b):\n    return a + b', 'def add_numbers(a, b):\n    return b + a'),
    );
    assert.equal(statSync(path.join(root, 'calc.py')).mode & 0o777, 0o755, 'mode kept');
    assert.deepEqual(readdirSync(root).sort(), ['calc.py'], 'no temp file left behind');

    const [row] = patches();
    assert.equal(row!.path, 'calc.py');
    assert.equal(row!.before_hash, result.json.before_hash);
    assert.equal(row!.after_hash, result.json.after_hash);
    assert.equal((row!.old_text as Buffer).toString(), 'def add(a, b):\n    return a + b');
    assert.equal(row!.rolled_back_at, null);

    const search = await cli('search-project', '--query', 'add_numbers');
    assert.equal(search.exitCode, 0, search.stderr);
    assert.equal(search.json.results[0]?.symbol, 'add_numbers', 'the index holds the patched file');
  });

  it('--dry-run prints the diff and writes nothing, not even a patch row', async () => {
    const { cli, patches, read } = await repo();
    const result = await cli(
      'apply-patch',
      '--path',
      'calc.py',
      '--old-text',
      'a - b',
      '--new-text',
      'b - a',
      '--dry-run',
    );
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.json.patch_id, null);
    assert.equal(result.json.dry_run, true);
    assert.match(result.json.diff, /^-    return a - b\n\+    return b - a\n$/m);
    assert.equal(read('calc.py'), SOURCE);
    assert.deepEqual(patches(), []);
  });

  it('reads long texts from --old-file / --new-file', async () => {
    const { cli, read } = await repo();
    const texts = makeTempDir();
    writeFileSync(path.join(texts, 'old.txt'), 'def sub(a, b):\n    return a - b\n');
    writeFileSync(path.join(texts, 'new.txt'), 'def sub(a, b):\n    """a minus b"""\n    return a - b\n');
    const result = await cli(
      'apply-patch',
      '--path',
      'calc.py',
      '--old-file',
      path.join(texts, 'old.txt'),
      '--new-file',
      path.join(texts, 'new.txt'),
    );
    assert.equal(result.exitCode, 0, result.stderr);
    assert.ok(read('calc.py').endsWith('    """a minus b"""\n    return a - b\n'));
    const both = await cli(
      'apply-patch',
      '--path',
      'calc.py',
      '--old-text',
      'x',
      '--old-file',
      path.join(texts, 'old.txt'),
      '--new-text',
      'y',
    );
    assert.equal(both.exitCode, 2);
    assert.match(both.stderr, /--old-text or --old-file, not both/);
  });

  it('a blank old text is a text like any other: indentation can be replaced, from --old-text or a file', async () => {
    const { cli, read } = await repo({ 'block.py': 'def f():\n\treturn 1\n' });
    const result = await cli('apply-patch', '--path', 'block.py', '--old-text', '\t', '--new-text', '    ');
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(read('block.py'), 'def f():\n    return 1\n');
    const texts = makeTempDir();
    writeFileSync(path.join(texts, 'old.txt'), '    ');
    const fromFile = await cli(
      'apply-patch',
      '--path',
      'block.py',
      '--old-file',
      path.join(texts, 'old.txt'),
      '--new-text',
      '  ',
    );
    assert.equal(fromFile.exitCode, 0, fromFile.stderr);
    assert.equal(read('block.py'), 'def f():\n  return 1\n');
  });

  it('no match: exit 1 with the count and the nearest line; the file is untouched', async () => {
    const { cli, patches, read } = await repo();
    const result = await cli(
      'apply-patch',
      '--path',
      'calc.py',
      '--old-text',
      'def sub(a, c):\n  return a - c',
      '--new-text',
      'x',
    );
    assert.equal(result.exitCode, 1);
    assert.equal(result.json.matches, 0);
    assert.equal(result.json.nearest_line, 5);
    assert.match(result.stderr, /^codecontext: error: old text not found in calc\.py \(0 matches\); nearest: line 5 /);
    assert.equal(result.stderr.trim().split('\n').length, 1, 'one line on stderr');
    assert.equal(read('calc.py'), SOURCE);
    assert.deepEqual(patches(), []);
  });

  it('several matches: exit 1 with the count and their lines', async () => {
    const { cli, read } = await repo();
    const result = await cli('apply-patch', '--path', 'calc.py', '--old-text', '(a, b):', '--new-text', '(x, y):');
    assert.equal(result.exitCode, 1);
    assert.equal(result.json.matches, 2);
    assert.deepEqual(result.json.lines, [1, 5]);
    assert.match(result.stderr, /occurs 2 times in calc\.py \(lines 1, 5\)/);
    assert.equal(read('calc.py'), SOURCE);
  });

  it('matches LF text in a CRLF file and keeps the CRLF line ends', async () => {
    const crlf = SOURCE.replace(/\n/g, '\r\n');
    const { cli, read } = await repo({ 'calc.py': crlf });
    const result = await cli(
      'apply-patch',
      '--path',
      'calc.py',
      '--old-text',
      'def sub(a, b):\n    return a - b',
      '--new-text',
      'def sub(a, b):\n    return -(b - a)',
    );
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.json.line_endings, 'crlf');
    assert.equal(read('calc.py'), crlf.replace('return a - b', 'return -(b - a)'));
  });

  it('keeps bytes that are not UTF-8 exactly as they were', async () => {
    const latin1 = Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\nvalue = 1\n')]);
    const { root, cli } = await repo({ 'legacy.py': latin1 });
    const result = await cli(
      'apply-patch',
      '--path',
      'legacy.py',
      '--old-text',
      'value = 1',
      '--new-text',
      'value = 2',
    );
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(
      readFileSync(path.join(root, 'legacy.py')),
      Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\nvalue = 2\n')]),
    );
  });

  it('refuses bad input with exit 2: empty old text, identical texts, a missing file, a directory', async () => {
    const { root, cli } = await repo({ 'calc.py': SOURCE, 'pkg/': '' });
    const cases: Array<[string[], RegExp]> = [
      [
        ['--path', 'calc.py', '--old-text', '', '--new-text', 'x'],
        /^codecontext: error: --old-text must not be empty$/m,
      ],
      [['--path', 'calc.py', '--old-text', 'a', '--new-text', 'a'], /identical/],
      [['--path', 'nope.py', '--old-text', 'a', '--new-text', 'b'], /no such file: nope\.py/],
      [['--path', 'pkg', '--old-text', 'a', '--new-text', 'b'], /not a regular file/],
      [['--path', 'calc.py', '--new-text', 'b'], /missing --old-text or --old-file/],
    ];
    for (const [args, message] of cases) {
      const result = await cli('apply-patch', ...args);
      assert.equal(result.exitCode, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    assert.equal(readFileSync(path.join(root, 'calc.py'), 'utf8'), SOURCE);
  });
});

describe('apply-patch never writes outside the root', () => {
  it('refuses .. paths, absolute paths, .git/ and codecontext data (exit 2)', async () => {
    const outside = makeTempDir('codecontext-outside-');
    writeFileSync(path.join(outside, 'victim.txt'), 'keep me\n');
    const { root, dataDir, cli } = await repo({
      'calc.py': SOURCE,
      '.git/config': '[core]\n\tbare = false\n',
      'sub/inner.txt': 'keep me\n',
    });
    const relativeOutside = path.relative(root, path.join(outside, 'victim.txt'));
    const cases: Array<[string, RegExp]> = [
      [relativeOutside, /contains '\.\.'/],
      ['sub/../calc.py', /contains '\.\.'/],
      [path.join(outside, 'victim.txt'), /absolute path/],
      ['.git/config', /inside \.git\//],
      ['sub/../.git/config', /contains '\.\.'/],
      ['.GIT/config', /inside \.git\//],
    ];
    for (const [target, message] of cases) {
      const result = await cli('apply-patch', '--path', target, '--old-text', 'keep me', '--new-text', 'owned');
      assert.equal(result.exitCode, 2, `${target}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    assert.equal(readFileSync(path.join(outside, 'victim.txt'), 'utf8'), 'keep me\n');
    assert.equal(readFileSync(path.join(root, '.git/config'), 'utf8'), '[core]\n\tbare = false\n');

    // codecontext's own database, reached through a symlink inside the root.
    symlinkSync(dataDir, path.join(root, 'data-link'));
    const own = await cli(
      'apply-patch',
      '--path',
      'data-link/codecontext.db',
      '--old-text',
      'SQLite',
      '--new-text',
      'sqlite',
    );
    assert.equal(own.exitCode, 2, own.stderr);
    assert.match(own.stderr, /resolves outside the root|codecontext's own data/);
  });

  it('refuses a symlinked file and a symlinked parent directory that resolve outside the root', async () => {
    const outside = makeTempDir('codecontext-outside-');
    writeTree(outside, { 'victim.txt': 'keep me\n', 'dir/victim.txt': 'keep me\n' });
    const { root, cli } = await repo();
    symlinkSync(path.join(outside, 'victim.txt'), path.join(root, 'link.txt'));
    symlinkSync(path.join(outside, 'dir'), path.join(root, 'linkdir'));
    for (const target of ['link.txt', 'linkdir/victim.txt']) {
      const result = await cli('apply-patch', '--path', target, '--old-text', 'keep me', '--new-text', 'owned');
      assert.equal(result.exitCode, 2, `${target}: ${result.stderr}`);
      assert.match(result.stderr, /resolves outside the root/);
    }
    assert.equal(readFileSync(path.join(outside, 'victim.txt'), 'utf8'), 'keep me\n');
    assert.equal(readFileSync(path.join(outside, 'dir/victim.txt'), 'utf8'), 'keep me\n');
  });

  it('refuses a symlink inside the root that points into .git/, and patches the target of one that stays inside', async () => {
    const { root, cli, read } = await repo({ 'calc.py': SOURCE, '.git/HEAD': 'ref: refs/heads/main\n' });
    symlinkSync(path.join(root, '.git/HEAD'), path.join(root, 'head-link'));
    const git = await cli('apply-patch', '--path', 'head-link', '--old-text', 'main', '--new-text', 'evil');
    assert.equal(git.exitCode, 2, git.stderr);
    assert.match(git.stderr, /resolves inside \.git\//);

    mkdirSync(path.join(root, 'alias'));
    symlinkSync('../calc.py', path.join(root, 'alias/calc.py'));
    const inside = await cli('apply-patch', '--path', 'alias/calc.py', '--old-text', 'a - b', '--new-text', 'b - a');
    assert.equal(inside.exitCode, 0, inside.stderr);
    assert.equal(inside.json.path, 'calc.py', 'the real file is patched and recorded');
    assert.ok(lstatSync(path.join(root, 'alias/calc.py')).isSymbolicLink(), 'the symlink stays a symlink');
    assert.match(read('calc.py'), /return b - a/);
  });
});

describe('apply-patch atomicity', () => {
  it('a write interrupted by the file-size limit leaves the original intact, no temp file and no patch row', async () => {
    const { root, dataDir, patches, read } = await repo();
    const texts = makeTempDir();
    writeFileSync(path.join(texts, 'big.txt'), 'x'.repeat(256 * 1024));
    // RLIMIT_FSIZE (ulimit -f, KiB) stops the temp file's write part-way with EFBIG, as a full disk would
    // (Node ignores SIGXFSZ, so the write fails instead of killing the process).
    const script = `ulimit -f 64; exec "${process.execPath}" "${path.join(PROJECT_ROOT, 'bin/codecontext.js')}" --root "${root}" --data-dir "${dataDir}" apply-patch --path calc.py --old-text "a - b" --new-file "${path.join(texts, 'big.txt')}"`;
    const result = spawnSync('bash', ['-c', script], {
      encoding: 'utf8',
      env: { ...process.env, CODECONTEXT_ENABLE_EMBEDDINGS: 'false' },
    });
    assert.equal(result.status, 3, result.stderr);
    assert.match(result.stderr, /^codecontext: error: cannot write .*calc\.py: EFBIG.*; the file is unchanged$/m);
    assert.equal(read('calc.py'), SOURCE, 'the original content is intact');
    assert.deepEqual(readdirSync(root).sort(), ['calc.py'], 'the partial temp file was removed');
    assert.deepEqual(patches(), [], 'no patch row for a patch that did not happen');
  });
});

describe('rollback-patch', () => {
  it('restores the pre-patch content, refreshes the index, and refuses a second rollback (exit 1)', async () => {
    const { cli, patches, read } = await repo();
    const applied = await cli(
      'apply-patch',
      '--path',
      'calc.py',
      '--old-text',
      'return a + b',
      '--new-text',
      'return b + a',
    );
    assert.equal(applied.exitCode, 0, applied.stderr);
    const rolled = await cli('rollback-patch', '--patch-id', String(applied.json.patch_id));
    assert.equal(rolled.exitCode, 0, rolled.stderr);
    assert.equal(read('calc.py'), SOURCE);
    assert.equal(rolled.json.restored_hash, applied.json.before_hash);
    assert.equal(rolled.json.index, 'refreshed');
    assert.match(rolled.json.diff, /^-    return b \+ a\n\+    return a \+ b\n/m);
    assert.ok(patches()[0]!.rolled_back_at);

    const again = await cli('rollback-patch', '--patch-id', String(applied.json.patch_id));
    assert.equal(again.exitCode, 1);
    assert.match(again.stderr, /already rolled back/);
    assert.equal(read('calc.py'), SOURCE);
  });

  it('a file edited after the patch is a conflict (exit 1) and nothing changes', async () => {
    const { root, cli, patches, read } = await repo();
    const applied = await cli(
      'apply-patch',
      '--path',
      'calc.py',
      '--old-text',
      'return a + b',
      '--new-text',
      'return b + a',
    );
    assert.equal(applied.exitCode, 0, applied.stderr);
    const edited = `${read('calc.py')}# edited by hand\n`;
    writeFileSync(path.join(root, 'calc.py'), edited);
    const result = await cli('rollback-patch', '--patch-id', String(applied.json.patch_id));
    assert.equal(result.exitCode, 1);
    assert.equal(result.json.conflict, true);
    assert.match(result.stderr, /rollback conflict: calc\.py has changed since patch 1 was applied; nothing changed/);
    assert.equal(read('calc.py'), edited);
    assert.equal(patches()[0]!.rolled_back_at, null);
  });

  it('patches roll back newest first: an older one conflicts while a later one stands, then succeeds', async () => {
    const { cli, read } = await repo();
    const first = await cli(
      'apply-patch',
      '--path',
      'calc.py',
      '--old-text',
      'return a + b',
      '--new-text',
      'return b + a',
    );
    const second = await cli(
      'apply-patch',
      '--path',
      'calc.py',
      '--old-text',
      'return a - b',
      '--new-text',
      'return -(b - a)',
    );
    assert.deepEqual([first.exitCode, second.exitCode], [0, 0]);
    const early = await cli('rollback-patch', '--patch-id', String(first.json.patch_id));
    assert.equal(early.exitCode, 1);
    assert.match(early.stderr, /patched again since patch 1 \(patch 2\); roll back the later patches first/);
    assert.equal((await cli('rollback-patch', '--patch-id', String(second.json.patch_id))).exitCode, 0);
    assert.equal((await cli('rollback-patch', '--patch-id', String(first.json.patch_id))).exitCode, 0);
    assert.equal(read('calc.py'), SOURCE);
  });

  it('an unknown patch id is a usage error (exit 2)', async () => {
    const { cli } = await repo();
    const result = await cli('rollback-patch', '--patch-id', '42');
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /no patch with id 42/);
  });

  it('refuses to roll back through a path that now escapes the root', async () => {
    const outside = makeTempDir('codecontext-outside-');
    const { root, cli } = await repo({ 'lib/calc.py': SOURCE });
    const applied = await cli(
      'apply-patch',
      '--path',
      'lib/calc.py',
      '--old-text',
      'return a + b',
      '--new-text',
      'return b + a',
    );
    assert.equal(applied.exitCode, 0, applied.stderr);
    writeFileSync(path.join(outside, 'calc.py'), readFileSync(path.join(root, 'lib/calc.py')));
    const { renameSync } = await import('node:fs');
    renameSync(path.join(root, 'lib'), path.join(root, 'lib-moved'));
    symlinkSync(outside, path.join(root, 'lib'));
    const result = await cli('rollback-patch', '--patch-id', String(applied.json.patch_id));
    assert.equal(result.exitCode, 2, result.stderr);
    assert.match(result.stderr, /resolves outside the root/);
    assert.ok(existsSync(path.join(outside, 'calc.py')));
    assert.match(
      readFileSync(path.join(outside, 'calc.py'), 'utf8'),
      /return b \+ a/,
      'the outside file was not touched',
    );
  });
});
