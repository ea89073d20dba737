import assert from 'node:assert/strict';
import { readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { AppConfig } from '../../../src/config/app-config.js';
import { checkIndexFreshness } from '../../../src/indexing/index-freshness.js';
import { PARSER_VERSION } from '../../../src/indexing/index-store.js';
import { MIGRATIONS } from '../../../src/indexing/migrations.js';
import { hashContent } from '../../../src/shared/hash.js';
import { indexFixture } from '../../helpers/index-fixture.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

test('checkIndexFreshness: no index is indexed: false, and nothing is created', async () => {
  const root = makeTempDir();
  writeTree(root, { 'a.py': 'def a():\n    return 1\n' });
  const dataDir = path.join(makeTempDir(), 'data');
  const config = AppConfig.load(root, { env: {}, flags: { data_dir: dataDir } });
  assert.deepEqual(await checkIndexFreshness(config), {
    indexed: false,
    added: 0,
    changed: 0,
    deleted: 0,
    examples: [],
  });
  assert.throws(() => statSync(config.databasePath), { code: 'ENOENT' });
});

test('checkIndexFreshness: counts added, changed and deleted files, a touch is no change, and writes nothing', async () => {
  const root = makeTempDir();
  writeTree(root, {
    'keep.py': 'def keep():\n    return 1\n',
    'edit.py': 'def edit():\n    return 1\n',
    'touch.py': 'def touch():\n    return 1\n',
    'gone.py': 'def gone():\n    return 1\n',
  });
  const { config, db } = await indexFixture(root);
  db.close();
  assert.deepEqual(await checkIndexFreshness(config), {
    indexed: true,
    added: 0,
    changed: 0,
    deleted: 0,
    examples: [],
  });

  writeFileSync(path.join(root, 'edit.py'), 'def edit():\n    return 2  # edited\n');
  const later = new Date(Date.now() + 5000);
  utimesSync(path.join(root, 'touch.py'), later, later);
  unlinkSync(path.join(root, 'gone.py'));
  writeTree(root, { 'sub/new.py': 'def new():\n    return 1\n' });
  const databaseBefore = statSync(config.databasePath);

  const freshness = await checkIndexFreshness(config);
  assert.deepEqual(freshness, {
    indexed: true,
    added: 1,
    changed: 1,
    deleted: 1,
    examples: ['sub/new.py', 'edit.py', 'gone.py'],
  });
  const databaseAfter = statSync(config.databasePath);
  assert.equal(databaseAfter.mtimeMs, databaseBefore.mtimeMs);
  assert.equal(databaseAfter.size, databaseBefore.size);
});

test('checkIndexFreshness reads a database of the first schema without migrating it', async () => {
  const root = makeTempDir();
  writeTree(root, { 'a.py': 'def a():\n    return 1\n', 'b.py': 'def b():\n    return 2\n' });
  const config = AppConfig.load(root, { env: {}, flags: { data_dir: makeTempDir() } });
  const old = new Database(config.databasePath);
  old.exec(MIGRATIONS[0]!.sql);
  old.pragma('user_version = 1');
  const a = statSync(path.join(root, 'a.py'));
  old
    .prepare(
      `INSERT INTO files (path, content_hash, mtime_ms, size, language, parse_status, parser_version, generation)
       VALUES ('a.py', ?, ?, ?, 'python', 'parsed', ?, 1), ('gone.py', 'x', 0, 1, 'python', 'parsed', ?, 1)`,
    )
    .run(hashContent(readFileSync(path.join(root, 'a.py'))), a.mtimeMs, a.size, PARSER_VERSION, PARSER_VERSION);
  old.prepare("UPDATE index_state SET status = 'ready', generation = 1").run();
  old.close();

  assert.deepEqual(await checkIndexFreshness(config), {
    indexed: true,
    added: 1,
    changed: 0,
    deleted: 1,
    examples: ['b.py', 'gone.py'],
  });
  const reopened = new Database(config.databasePath, { readonly: true });
  assert.equal(reopened.pragma('user_version', { simple: true }), 1, 'not migrated');
  reopened.close();
});
