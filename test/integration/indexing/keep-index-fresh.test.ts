import assert from 'node:assert/strict';
import { appendFileSync, statSync, utimesSync, watch, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { IndexStore } from '../../../src/indexing/index-store.js';
import { ensureIndexFresh, readFresh, watchIndexedTree } from '../../../src/indexing/keep-index-fresh.js';
import { loadTreeSnapshot } from '../../../src/indexing/tree-snapshot.js';
import { rankChunks } from '../../../src/retrieve/rank-chunks.js';
import { searchProject } from '../../../src/retrieve/search-project.js';
import { indexFixture } from '../../helpers/index-fixture.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

async function indexedTree() {
  const root = makeTempDir('codecontext-fresh-');
  writeTree(root, {
    'app/orders.py': 'def place_order(cart):\n    return cart\n',
    'app/users.py': 'def find_user(name):\n    return name\n',
    'notes/big.txt': 'x'.repeat(64),
  });
  return indexFixture(root, { max_file_bytes: 1000 });
}

const topSymbol = async (config: Parameters<typeof searchProject>[0], query: string) =>
  (await searchProject(config, { query })).results[0]?.symbol ?? null;

test('the stat pass: nothing changed → nothing written; an edit, a new file or a file that shrank under the size limit → refreshed', async () => {
  const { root, config, db } = await indexedTree();
  const generation = new IndexStore(db).state().generation;
  assert.ok(loadTreeSnapshot(db), 'index-project saved a tree snapshot');
  await ensureIndexFresh(db, config);
  assert.equal(new IndexStore(db).state().generation, generation, 'an unchanged tree is not re-indexed');

  appendFileSync(path.join(root, 'app/orders.py'), '\ndef cancel_order_quickly(order):\n    return None\n');
  assert.equal(await topSymbol(config, 'cancel_order_quickly'), 'cancel_order_quickly');

  // Too large when indexed, then cut down in place: its directory's mtime does not move, its own stat does.
  writeFileSync(path.join(root, 'notes/big.txt'), 'x'.repeat(5000));
  await ensureIndexFresh(db, config);
  writeFileSync(path.join(root, 'notes/big.txt'), 'flamingo_shipping_note\n');
  assert.ok(
    (await searchProject(config, { query: 'flamingo_shipping_note' })).results.some(
      (hit) => hit.path === 'notes/big.txt',
    ),
  );
  db.close();
});

test('the stat pass in a worker beside the read: kept when the tree is unchanged, read again after a refresh when not', async () => {
  const { root, config, db } = await indexedTree();
  const parallel = { parallelCheckMinFiles: 0 };
  const generation = new IndexStore(db).state().generation;
  let reads = 0;
  const readTop = async () => {
    reads += 1;
    return rankChunks(db, 'cancel_order_quickly', 1)[0]?.chunk.symbol;
  };
  assert.notEqual(await readFresh(db, config, parallel, readTop), 'cancel_order_quickly');
  assert.equal(reads, 1, 'an unchanged tree: the first read is the answer');
  assert.equal(new IndexStore(db).state().generation, generation, 'and nothing was refreshed');

  appendFileSync(path.join(root, 'app/orders.py'), '\ndef cancel_order_quickly(order):\n    return None\n');
  reads = 0;
  assert.equal(await readFresh(db, config, parallel, readTop), 'cancel_order_quickly', 'the answer of the fresh index');
  assert.equal(reads, 2, 'read once beside the check, once more after the refresh');

  reads = 0;
  assert.equal(await readFresh(db, config, {}, readTop), 'cancel_order_quickly');
  assert.equal(reads, 1, 'below the size threshold the check runs first, inline');
  db.close();
});

test('a watched tree: a clean read is a flag check (no stat pass), an event marks it dirty', async () => {
  const { root, config, db } = await indexedTree();
  const watching = watchIndexedTree(config);
  try {
    await ensureIndexFresh(db, config); // the first read checks the tree and starts the watches
    // Were the stat pass run, a missing snapshot would force a full refresh that saves a new one.
    db.prepare('DELETE FROM tree_snapshot').run();
    await ensureIndexFresh(db, config);
    assert.equal(loadTreeSnapshot(db), undefined, 'a clean watched read looks at nothing');

    // An edit that keeps size and mtime is invisible to stat calls; the watch still sees it.
    const file = path.join(root, 'app/users.py');
    const before = statSync(file);
    writeFileSync(file, 'def find_user(name):\n    return nome\n');
    utimesSync(file, before.atime, before.mtime);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await ensureIndexFresh(db, config);
    assert.ok(loadTreeSnapshot(db), 'the event led to a check, which refreshed and saved a snapshot');
  } finally {
    watching.close();
    db.close();
  }
});

test('a watch that cannot be set up (ENOSPC) falls back to the stat pass, with one warning', async () => {
  const { root, config, db } = await indexedTree();
  const warnings: string[] = [];
  const failingWatch = ((..._args: Parameters<typeof watch>) => {
    throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' });
  }) as unknown as typeof watch;
  const watching = watchIndexedTree(config, (message) => warnings.push(message), { watch: failingWatch });
  try {
    await ensureIndexFresh(db, config);
    appendFileSync(path.join(root, 'app/users.py'), '\ndef delete_user_forever(name):\n    return None\n');
    assert.equal(await topSymbol(config, 'delete_user_forever'), 'delete_user_forever');
    writeTree(root, { 'app/extra/audit.py': 'def audit_trail_entry():\n    return 1\n' });
    assert.equal(await topSymbol(config, 'audit_trail_entry'), 'audit_trail_entry');
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /^cannot watch the tree \(ENOSPC: .*\); checking it by stat calls before each read$/);
  } finally {
    watching.close();
    db.close();
  }
});

test('concurrent reads in one process share one refresh', async () => {
  const { root, config, db } = await indexedTree();
  const generation = new IndexStore(db).state().generation;
  appendFileSync(path.join(root, 'app/orders.py'), '\ndef refund_order_partially(order):\n    return None\n');
  const results = await Promise.all(
    Array.from({ length: 4 }, () => searchProject(config, { query: 'refund_order_partially' })),
  );
  for (const result of results) assert.equal(result.results[0]?.symbol, 'refund_order_partially');
  // Four separate refreshes would each find the edit before any had written it, and each write a generation.
  assert.equal(new IndexStore(db).state().generation, generation + 1, 'one run wrote the change');
  db.close();
});

test('an index another run is building is read as it is, and the tree is looked at again once it is ready', async () => {
  const { root, config, db } = await indexedTree();
  const watching = watchIndexedTree(config);
  try {
    db.prepare("UPDATE index_state SET status = 'building'").run();
    appendFileSync(path.join(root, 'app/orders.py'), '\ndef zeppelin_courier_dispatch(order):\n    return None\n');
    assert.equal(await topSymbol(config, 'zeppelin_courier_dispatch'), null, 'not refreshed under another run');
    db.prepare("UPDATE index_state SET status = 'ready'").run();
    assert.equal(await topSymbol(config, 'zeppelin_courier_dispatch'), 'zeppelin_courier_dispatch');
  } finally {
    watching.close();
    db.close();
  }
});
