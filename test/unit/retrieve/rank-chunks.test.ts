import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { rankChunks } from '../../../src/retrieve/rank-chunks.js';
import { searchProject } from '../../../src/retrieve/search-project.js';
import { indexFixture, type IndexedFixture } from '../../helpers/index-fixture.js';

describe('rankChunks on fixtures/retrieval/inventory-service', () => {
  let fixture: IndexedFixture;
  before(async () => {
    fixture = await indexFixture('retrieval/inventory-service');
  });

  const position = (results: ReturnType<typeof rankChunks>, path: string, symbol?: string): number =>
    results.findIndex((entry) => entry.chunk.path === path && (symbol === undefined || entry.chunk.symbol === symbol));

  it('a pasted stack trace finds the frame it failed in', () => {
    const goal = [
      'Checkout crashes for some orders:',
      'Traceback (most recent call last):',
      '  File "/srv/app/inventory/service.py", line 24, in checkout',
      '  File "/srv/app/inventory/models.py", line 26, in reserve',
      'inventory.errors.InsufficientStock: sku-9: requested 3, only 1 available',
    ].join('\n');
    const results = rankChunks(fixture.db, goal, 5);
    // Both frames' chunks lead; which of the two comes first is the title's words' call ("Checkout …").
    assert.deepEqual(
      results
        .slice(0, 2)
        .map((entry) => `${entry.chunk.path}:${entry.chunk.symbol}`)
        .sort(),
      ['inventory/models.py:StockLevel', 'inventory/service.py:InventoryService'],
    );
    const innermost = results.find((entry) => entry.chunk.symbol === 'StockLevel')!;
    const outer = results.find((entry) => entry.chunk.symbol === 'InventoryService')!;
    assert.ok(innermost.why.stack_frame > outer.why.stack_frame, 'the innermost frame weighs most');
  });

  it('an identifier named in the goal finds its definition first', () => {
    const results = rankChunks(fixture.db, 'what does compute_tax return for unknown regions?', 3);
    assert.equal(results[0]!.chunk.path, 'inventory/pricing.py');
    assert.equal(results[0]!.chunk.symbol, 'compute_tax');
    assert.equal(results[0]!.why.definition, 1);
  });

  it('the reference graph lifts the code the matched chunks call', () => {
    // The words hit the callers (checkout, handlers); the StockLevel.reserve definition shares none of them
    // but is what checkout calls.
    const goal = 'order checkout line handling for each order line';
    const withGraph = rankChunks(fixture.db, goal, 20);
    const withoutGraph = rankChunks(fixture.db, goal, 20, { graph: false });
    const lifted = position(withGraph, 'inventory/models.py', 'StockLevel');
    assert.ok(lifted >= 0, 'the defining chunk is found with the graph');
    assert.ok(withGraph[lifted]!.why.graph > 0);
    const before = position(withoutGraph, 'inventory/models.py', 'StockLevel');
    assert.ok(before === -1 || lifted < before, `graph rank ${lifted} vs without ${before}`);
  });

  it('demotes test files unless the goal is about tests', () => {
    const plain = rankChunks(fixture.db, 'reserve stock levels', 10);
    const aboutTests = rankChunks(fixture.db, 'fix the failing test for reserve stock levels', 10);
    const testInPlain = plain.find((entry) => entry.chunk.path.startsWith('tests/'));
    assert.equal(testInPlain?.why.test_factor ?? 0.5, 0.5);
    assert.equal(aboutTests.find((entry) => entry.chunk.path.startsWith('tests/'))!.why.test_factor, 1);
    assert.ok(
      position(aboutTests, 'tests/test_service.py') < position(plain, 'tests/test_service.py') ||
        position(plain, 'tests/test_service.py') === -1,
    );
  });

  it('is deterministic', () => {
    const goal = 'price discount tax region';
    assert.deepEqual(
      rankChunks(fixture.db, goal, 10).map((entry) => [entry.chunk.id, entry.score]),
      rankChunks(fixture.db, goal, 10).map((entry) => [entry.chunk.id, entry.score]),
    );
  });

  it('treats FTS5 syntax, quotes and huge pasted text as plain words', () => {
    for (const goal of [
      '"unterminated',
      'apply_discount NEAR compute_tax',
      'a AND b OR NOT c',
      'sku:* -price ^start',
      '(((',
      "it's `quote`",
      'NEAR(x y, 2)',
      '*',
    ]) {
      assert.doesNotThrow(() => rankChunks(fixture.db, goal, 5), goal);
    }
    const pasted = `${'The checkout flow is broken. '.repeat(1500)} apply_discount`;
    assert.ok(pasted.length > 40_000);
    assert.equal(rankChunks(fixture.db, pasted, 3)[0]!.chunk.symbol, 'apply_discount');
  });

  it('search-project ranks files with the same result shape', async () => {
    const { results } = await searchProject(fixture.config, {
      query: 'discount percentage price',
      topK: 3,
      files: true,
    });
    assert.equal(results[0]!.path, 'inventory/pricing.py');
    assert.deepEqual(Object.keys(results[0]!).sort(), [
      'end_line',
      'kind',
      'path',
      'score',
      'start_line',
      'symbol',
      'why',
    ]);
    assert.equal(results[0]!.kind, 'file');
  });
});
