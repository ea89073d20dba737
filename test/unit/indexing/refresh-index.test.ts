import assert from 'node:assert/strict';
import { renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase, type Db } from '../../../src/indexing/open-database.js';
import { refreshIndex, type RefreshOptions } from '../../../src/indexing/refresh-index.js';
import { IndexStore } from '../../../src/indexing/index-store.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

function setup(files: Record<string, string>): {
  root: string;
  db: Db;
  refresh: (options?: RefreshOptions) => ReturnType<typeof refreshIndex>;
} {
  const root = makeTempDir();
  const dataDir = makeTempDir('codecontext-data-');
  writeTree(root, files);
  const db = openDatabase(path.join(dataDir, 'codecontext.db'));
  return { root, db, refresh: (options = {}) => refreshIndex(db, { root, maxFileBytes: 1 << 20 }, options) };
}

const count = (db: Db, sql: string, ...params: unknown[]): number =>
  (db.prepare(sql).get(...params) as { n: number }).n;

describe('refreshIndex', () => {
  it('indexes files, chunks, symbols, references and FTS rows, then reports ready', async () => {
    const { db, refresh } = setup({
      'src/app.py': 'from util import slugify\n\ndef handle_request(req):\n    return slugify(req.path)\n',
      'src/util.py': 'def slugify(text):\n    return text.lower().replace(" ", "-")\n',
      'README.md': '# Demo\n\nA demo.\n',
    });
    const result = await refresh();
    assert.deepEqual(result.added, ['README.md', 'src/app.py', 'src/util.py']);
    assert.equal(result.status, 'ready');
    assert.equal(result.generation, 1);
    assert.equal(count(db, 'SELECT COUNT(*) AS n FROM files'), 3);
    assert.equal(count(db, "SELECT COUNT(*) AS n FROM symbols WHERE name = 'slugify' AND kind = 'function'"), 1);
    // The def → ref edge: the chunk of handle_request references slugify, which util.py defines.
    const edge = db
      .prepare(
        `SELECT f.path FROM refs r JOIN chunks c ON c.id = r.chunk_id JOIN files f ON f.id = c.file_id WHERE r.name = 'slugify'`,
      )
      .all();
    assert.deepEqual(edge, [{ path: 'src/app.py' }]);
    const hits = db
      .prepare("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH 'slugify' ORDER BY bm25(chunks_fts, 10, 5, 3, 1)")
      .all();
    assert.equal(hits.length, 3, 'the import line, the caller and the definition');
    assert.equal(new IndexStore(db).state().label, 'ready');
  });

  it('re-parses only what changed: edit, add, delete, rename and a touched-but-identical file', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`pkg/mod_${i}.py`] = `def f_${i}():\n    return ${i}\n`;
    const { root, db, refresh } = setup(files);
    assert.equal((await refresh()).added.length, 6);

    writeFileSync(path.join(root, 'pkg/mod_0.py'), 'def f_0_renamed():\n    return 0\n');
    writeFileSync(path.join(root, 'pkg/new.py'), 'def brand_new():\n    pass\n');
    rmSync(path.join(root, 'pkg/mod_1.py'));
    renameSync(path.join(root, 'pkg/mod_2.py'), path.join(root, 'pkg/moved.py'));
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(root, 'pkg/mod_3.py'), later, later);

    const result = await refresh();
    assert.deepEqual(result.added, ['pkg/moved.py', 'pkg/new.py']);
    assert.deepEqual(result.changed, ['pkg/mod_0.py']);
    assert.deepEqual(result.deleted, ['pkg/mod_1.py', 'pkg/mod_2.py']);
    assert.equal(result.unchanged, 3, 'mod_3 (touched, same bytes), mod_4, mod_5');
    assert.equal(result.generation, 2);
    assert.equal(count(db, "SELECT COUNT(*) AS n FROM symbols WHERE name = 'f_0'"), 0);
    assert.equal(count(db, "SELECT COUNT(*) AS n FROM symbols WHERE name = 'f_0_renamed'"), 1);
    assert.equal(count(db, "SELECT COUNT(*) AS n FROM symbols WHERE name = 'f_1'"), 0);
    assert.equal(count(db, 'SELECT COUNT(*) AS n FROM files'), 6);
    // No orphans: every chunk, symbol, ref and FTS row belongs to a live file.
    assert.equal(count(db, 'SELECT COUNT(*) AS n FROM chunks WHERE file_id NOT IN (SELECT id FROM files)'), 0);
    assert.equal(count(db, 'SELECT COUNT(*) AS n FROM refs WHERE chunk_id NOT IN (SELECT id FROM chunks)'), 0);
    assert.equal(count(db, 'SELECT COUNT(*) AS n FROM chunks_fts'), count(db, 'SELECT COUNT(*) AS n FROM chunks'));

    const again = await refresh();
    assert.deepEqual([again.added, again.changed, again.deleted, again.unchanged], [[], [], [], 6]);
    assert.equal(again.generation, 2, 'no change, no new generation');
  });

  it('parses on worker threads for larger trees with the same result as inline', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++)
      files[`m${i}.ts`] = `export function fn${i}(a: number): number {\n  return a + ${i};\n}\n`;
    const threaded = setup(files);
    const inline = setup(files);
    await threaded.refresh({ workers: 2 });
    await inline.refresh({ workers: 0 });
    const dump = (db: Db) =>
      db
        .prepare(
          'SELECT f.path, s.qualified_name, s.start_line, s.end_line FROM symbols s JOIN files f ON f.id = s.file_id ORDER BY 1, 2',
        )
        .all();
    assert.equal(dump(threaded.db).length, 60);
    assert.deepEqual(dump(threaded.db), dump(inline.db));
  });
});
