import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { PROJECT_ROOT, runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp-tree.js';

const FIXTURE = path.join(PROJECT_ROOT, 'fixtures', 'retrieval', 'inventory-service');

describe('search-project and prepare-context-pack (spawned binary)', () => {
  const dataDir = makeTempDir('codecontext-data-');
  const base = ['--root', FIXTURE, '--data-dir', dataDir];
  before(async () => {
    const indexed = await runCli(['index-project', ...base]);
    assert.equal(indexed.exitCode, 0, indexed.stderr);
  });

  it('search-project prints ranked results with their score components', async () => {
    const result = await runCli(['search-project', ...base, '--query', 'where is compute_tax defined', '--top-k', '2']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.json.results.length, 2);
    const [first] = result.json.results;
    assert.deepEqual(
      [first.path, first.symbol, first.kind, first.start_line],
      ['inventory/pricing.py', 'compute_tax', 'function', 10],
    );
    assert.deepEqual(Object.keys(first.why).sort(), [
      'bm25',
      'co_change',
      'data_factor',
      'definition',
      'embedding',
      'graph',
      'history',
      'path',
      'prose_factor',
      'stack_frame',
      'test_factor',
      'vendored_factor',
    ]);
  });

  it('an empty query or goal exits 2; FTS5 syntax in a goal is just text', async () => {
    const empty = await runCli(['search-project', ...base, '--query', '   ']);
    assert.equal(empty.exitCode, 2);
    assert.match(empty.stderr, /--query must not be empty/);
    const emptyGoal = await runCli(['prepare-context-pack', ...base, '--goal', '']);
    assert.equal(emptyGoal.exitCode, 2);
    const syntax = await runCli(['search-project', ...base, '--query', '"reserve" NEAR(stock, 2) AND * OR -sku:']);
    assert.equal(syntax.exitCode, 0, syntax.stderr);
    assert.ok(Array.isArray(syntax.json.results));
  });

  it('prepare-context-pack honours --token-budget and --encoding', async () => {
    const result = await runCli([
      'prepare-context-pack',
      ...base,
      '--goal',
      'checkout reserves stock',
      '--token-budget',
      '300',
      '--encoding',
      'cl100k_base',
    ]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.json.budget, 300);
    assert.equal(result.json.encoding, 'cl100k_base');
    assert.ok(result.json.tokens_used <= 300 && result.json.tokens_used > 0);
    const badEncoding = await runCli(['prepare-context-pack', ...base, '--goal', 'x', '--encoding', 'p50k']);
    assert.equal(badEncoding.exitCode, 2);
  });

  it('a root that was never indexed exits 2 and says how to index it', async () => {
    const result = await runCli([
      'search-project',
      '--root',
      FIXTURE,
      '--data-dir',
      makeTempDir('codecontext-data-'),
      '--query',
      'stock',
    ]);
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /no index at .*: run `codecontext index-project/);
  });
});
