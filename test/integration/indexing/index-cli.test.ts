import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { git } from '../../helpers/git.js';
import { runCli } from '../../helpers/run-cli.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

describe('index-project and refresh-changed-files (spawned binary)', () => {
  it('prints the documented fields and refreshes incrementally', async () => {
    const root = makeTempDir();
    const dataDir = makeTempDir('codecontext-data-');
    writeTree(root, {
      'src/server.ts': 'export class Server {\n  start(): void {}\n}\n',
      'src/cli.py': 'def main():\n    pass\n',
      'docs/guide.md': '# Guide\n\nText.\n',
      '.env': 'SECRET=1\n',
    });
    const indexed = await runCli(['index-project', '--root', root, '--data-dir', dataDir]);
    assert.equal(indexed.exitCode, 0, indexed.stderr);
    const { elapsed_ms: elapsed, history, ...rest } = indexed.json;
    assert.ok(typeof elapsed === 'number');
    // Not a git checkout: no history pass, and it says why.
    assert.deepEqual(
      { ...history, elapsed_ms: 0, share_of_elapsed: 0 },
      {
        status: 'not_git',
        commits: 0,
        added: 0,
        removed: 0,
        elapsed_ms: 0,
        share_of_elapsed: 0,
      },
    );
    assert.deepEqual(rest, {
      files: 3,
      chunks: 3,
      symbols: 3,
      languages: { markdown: 1, python: 1, typescript: 1 },
      skipped: 1,
      generation: 1,
      status: 'ready',
      db: path.join(dataDir, 'codecontext.db'),
      changes: { added: 3, changed: 0, deleted: 0, unchanged: 0, unreadable: 0 },
      embeddings: 'skipped',
    });

    writeFileSync(path.join(root, 'src/cli.py'), 'def main():\n    return 1\n');
    writeFileSync(path.join(root, 'src/extra.py'), 'X = 1\n');
    const refreshed = await runCli(['refresh-changed-files', '--root', root, '--data-dir', dataDir]);
    assert.equal(refreshed.exitCode, 0, refreshed.stderr);
    assert.deepEqual(
      { ...refreshed.json, elapsed_ms: 0 },
      {
        added: 1,
        changed: 1,
        deleted: 0,
        unchanged: 2,
        elapsed_ms: 0,
        generation: 2,
        paths: { added: ['src/extra.py'], changed: ['src/cli.py'], deleted: [] },
      },
    );
  });

  it('without a reachable embedding model, says so once with the fix, indexes BM25-only, and is quiet next time', async () => {
    const root = makeTempDir();
    writeTree(root, { 'a.py': 'def alpha():\n    return 1\n' });
    const started = Date.now();
    const modelPath = makeTempDir('codecontext-models-');
    const dataDir = makeTempDir('codecontext-data-');
    const env = { CODECONTEXT_ENABLE_EMBEDDINGS: 'true', CODECONTEXT_EMBEDDING_MODEL_PATH: modelPath };
    const result = await runCli(['index-project', '--root', root, '--data-dir', dataDir], { env });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.json.embeddings, /^unavailable: /);
    assert.equal(result.stderr.match(/embeddings unavailable, BM25 only/g)?.length, 1, result.stderr);
    assert.ok(result.stderr.includes(`under embedding_model_path ${modelPath}`), result.stderr);
    assert.match(result.stderr, /or set enable_embeddings = false/);
    assert.ok(Date.now() - started < 15_000);
    // The verdict is on record: the next run says nothing about it, and its result still does.
    writeTree(root, { 'b.py': 'def beta():\n    return 2\n' });
    const again = await runCli(['index-project', '--root', root, '--data-dir', dataDir], { env });
    assert.equal(again.exitCode, 0, again.stderr);
    assert.match(again.json.embeddings, /^unavailable: .*remembered/);
    assert.equal(again.stderr, '');
  });

  it('defaults the database to <root>/.codecontext/data and never indexes it', async () => {
    const root = makeTempDir();
    writeTree(root, { 'a.py': 'x = 1\n' });
    const first = await runCli(['index-project', '--root', root]);
    assert.equal(first.json.db, path.join(root, '.codecontext', 'data', 'codecontext.db'));
    const second = await runCli(['index-project', '--root', root]);
    assert.equal(second.json.files, 1);
    assert.equal(second.json.changes.unchanged, 1);
  });
});

describe('the data directory stays out of git', () => {
  it('an index in the default .codecontext/ leaves git status clean, with no init and no exclude', async () => {
    const root = makeTempDir();
    writeTree(root, { 'app.py': 'def main():\n    return 1\n' });
    git(root, ['init', '-q']);
    git(root, ['add', '-A']);
    git(root, ['commit', '-qm', 'first']);
    const indexed = await runCli(['index-project', '--root', root]);
    assert.equal(indexed.exitCode, 0, indexed.stderr);
    assert.ok(existsSync(path.join(root, '.codecontext', 'data', 'codecontext.db')));
    assert.equal(git(root, ['status', '--porcelain', '--untracked-files=all']), '');
    // Nothing of the user's was edited to get there.
    assert.equal(readFileSync(path.join(root, '.git', 'info', 'exclude'), 'utf8').includes('.codecontext'), false);
  });

  it('a data directory that already existed is the user’s: no .gitignore is added to it', async () => {
    const root = makeTempDir();
    const dataDir = makeTempDir('codecontext-data-');
    writeTree(root, { 'app.py': 'X = 1\n' });
    const indexed = await runCli(['index-project', '--root', root, '--data-dir', dataDir]);
    assert.equal(indexed.exitCode, 0, indexed.stderr);
    assert.equal(existsSync(path.join(dataDir, '.gitignore')), false);
  });
});
