import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { buildContextPack } from '../../../src/pack/pack-context.js';
import { prepareContextPack } from '../../../src/pack/prepare-context-pack.js';
import { TokenCounter } from '../../../src/pack/token-counter.js';
import { AppConfig } from '../../../src/config/app-config.js';
import { indexFixture, type IndexedFixture } from '../../helpers/index-fixture.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

describe('buildContextPack', () => {
  let fixture: IndexedFixture;
  before(async () => {
    fixture = await indexFixture('retrieval/inventory-service');
  });
  const pack = (goal: string, tokenBudget: number, topK = 6) =>
    buildContextPack(fixture.db, { root: fixture.root, goal, topK, tokenBudget, encoding: 'cl100k_base' });

  it('never exceeds the budget, over many random budgets and goals', () => {
    const counter = new TokenCounter('cl100k_base');
    const goals = [
      'checkout reserve stock',
      'discount tax pricing region',
      'stock client fetch http',
      'catalog storage json load save',
    ];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 60; run++) {
      const budget = 1 + Math.floor(next() * 900);
      const result = pack(goals[run % goals.length]!, budget, 1 + Math.floor(next() * 8));
      const used = counter.count(result.context);
      assert.ok(used <= budget, `budget ${budget}: rendered context has ${used} tokens`);
      assert.equal(result.tokens_used, used);
    }
  });

  it('reports the documented fields, with the naive baseline of whole files', () => {
    const result = pack('apply a discount to a price', 4000);
    assert.deepEqual(Object.keys(result).sort(), [
      'budget',
      'chunks',
      'context',
      'dropped_duplicates',
      'encoding',
      'goal_tokens',
      'naive_baseline_tokens',
      'redactions',
      'tokens_used',
    ]);
    assert.ok(result.context.includes('def apply_discount'));
    assert.match(result.context, /inventory\/pricing\.py \(lines 1-7, apply_discount\)/);
    assert.ok(result.naive_baseline_tokens >= result.tokens_used);
    for (const chunk of result.chunks)
      assert.deepEqual(Object.keys(chunk).sort(), [
        'end_line',
        'kind',
        'path',
        'score',
        'start_line',
        'symbol',
        'tokens',
      ]);
  });

  it('drops a copied-and-renamed function as a near-duplicate', () => {
    const result = pack('percentage discount price rounded down to a cent', 4000, 3);
    const symbols = result.chunks.map((chunk) => chunk.symbol);
    assert.equal(
      symbols.filter((symbol) => symbol === 'apply_discount' || symbol === 'legacy_discount').length,
      1,
      JSON.stringify(symbols),
    );
    assert.equal(result.dropped_duplicates, 1);
  });

  it('elides a symbol that does not fit, keeping its signature and a marker', async () => {
    const root = makeTempDir();
    const body = Array.from({ length: 80 }, (_, i) => `    step_${i} = transform(value, ${i})`).join('\n');
    writeTree(root, {
      'big.py': `def process_everything(value):\n    """Run every step."""\n${body}\n    special_marker = finalize(value)\n    return special_marker\n`,
    });
    const big = await indexFixture(root);
    const result = buildContextPack(big.db, {
      root,
      goal: 'process_everything special_marker finalize',
      topK: 2,
      tokenBudget: 200,
      encoding: 'cl100k_base',
    });
    assert.ok(result.tokens_used <= 200);
    assert.match(result.context, /def process_everything\(value\):/);
    assert.match(result.context, /… \d+ lines elided …/);
    assert.match(result.context, /special_marker = finalize\(value\)/, 'the statement matching the goal is kept');
  });

  it('masks secrets planted in repository files and counts them', async () => {
    const root = makeTempDir();
    const key = 'sk-' + 'proj-' + randomBytes(30).toString('hex');
    writeTree(root, {
      'settings.py': `OPENAI_KEY = "${key}"\n\ndef connect_client():\n    return Client(OPENAI_KEY)\n`,
    });
    const repo = await indexFixture(root);
    const result = buildContextPack(repo.db, {
      root,
      goal: 'connect client OPENAI_KEY settings',
      topK: 4,
      tokenBudget: 1000,
      encoding: 'cl100k_base',
    });
    assert.ok(!result.context.includes(key));
    assert.match(result.context, /\[REDACTED:openai_key\]/);
    assert.deepEqual(result.redactions, { total: 1, by_kind: { openai_key: 1 } });
  });
});

describe('prepareContextPack defaults come from the config', () => {
  it('default_top_k and default_context_budget_tokens change the pack', async () => {
    const fixture = await indexFixture('retrieval/inventory-service');
    const load = (flags: Record<string, unknown>) =>
      AppConfig.load(fixture.root, { env: {}, flags: { data_dir: fixture.config.dataDir, ...flags } });
    const wide = await prepareContextPack(load({}), { goal: 'stock reserve checkout order pricing' });
    assert.equal(wide.budget, 4000);
    const narrow = await prepareContextPack(load({ default_top_k: 1, default_context_budget_tokens: 300 }), {
      goal: 'stock reserve checkout order pricing',
    });
    assert.equal(narrow.budget, 300);
    assert.ok(narrow.chunks.length === 1 && wide.chunks.length > 1);
    assert.equal(wide.encoding, 'o200k_base', 'gpt-4o-mini counts with o200k_base');
  });
});
