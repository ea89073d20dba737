import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { repoMapFromIndex, buildRepoMap } from '../../../src/pack/repo-map.js';
import { TokenCounter } from '../../../src/pack/token-counter.js';
import { indexFixture, type IndexedFixture } from '../../helpers/index-fixture.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

describe('repository map', () => {
  let repo: IndexedFixture;
  const counter = new TokenCounter('cl100k_base');
  before(async () => {
    const root = makeTempDir();
    // core.py is used by three files, util.py by one, leaf.py by none: the map must rank them in that order.
    writeTree(root, {
      'core.py':
        'def normalize_record(record):\n    return dict(record)\n\n\ndef unused_core_helper():\n    return 1\n',
      'util.py': 'def format_money(cents):\n    return f"{cents / 100:.2f}"\n',
      'leaf.py': 'def lonely_function():\n    return 0\n',
      'a.py':
        'from core import normalize_record\nfrom util import format_money\n\ndef load_a(r):\n    return format_money(normalize_record(r))\n',
      'b.py': 'from core import normalize_record\n\ndef load_b(r):\n    return normalize_record(r)\n',
      'c.py': 'from core import normalize_record\n\ndef load_c(r):\n    return normalize_record(normalize_record(r))\n',
      'README.md': '# Sample\n\nA sample project.\n',
    });
    repo = await indexFixture(root);
  });
  const map = (tokenBudget: number) => repoMapFromIndex(repo.db, { tokenBudget, counter });

  it('ranks files by the reference graph: the most used file first, then its symbols by use', () => {
    const result = map(2000);
    const order = result.entries.map((entry) => entry.path);
    assert.equal(order[0], 'core.py', order.join(' '));
    assert.ok(order.indexOf('util.py') < order.indexOf('leaf.py'), order.join(' '));
    assert.equal(result.lines_shown, result.lines_total, 'a large budget shows every line');
    assert.deepEqual(
      result.entries[0]!.symbols.map((symbol) => symbol.name),
      ['normalize_record', 'unused_core_helper'],
    );
    assert.ok(result.entries[0]!.symbols[0]!.rank > result.entries[0]!.symbols[1]!.rank);
    assert.match(result.text, /^core\.py\n  1: def normalize_record\(record\):\n/);
    assert.ok(result.text.includes('README.md\n'), 'a file without symbols is listed by name');
  });

  it('holds the budget exactly, with the real token counter, and uses as much of it as fits', () => {
    const full = map(2000);
    let previous = map(1);
    for (let budget = 1; budget <= full.tokens + 5; budget++) {
      const result = map(budget);
      assert.ok(result.tokens <= budget, `budget ${budget}: ${result.tokens} tokens`);
      assert.equal(result.tokens, counter.count(result.text));
      assert.ok(result.lines_shown >= previous.lines_shown, 'a larger budget never shows less');
      // A line enters at the first budget it fits: the map then takes exactly that many tokens.
      if (result.lines_shown > previous.lines_shown) assert.equal(result.tokens, budget);
      previous = result;
    }
    const smaller = map(full.tokens - 1);
    assert.ok(smaller.lines_shown < full.lines_shown);
    assert.ok(full.text.startsWith(smaller.entries[0]!.path));
  });

  it('a name another file only defines privately (not exported, or nested) pulls little rank', async () => {
    const root = makeTempDir();
    const user = (name: string) =>
      `import { parseThing } from './z_lib.js';\nexport function ${name}(text: string) {\n  return round(parseThing(text)).close();\n}\n`;
    writeTree(root, {
      'a_util.ts':
        'function round(value: number) {\n  return Math.round(value);\n}\nexport class Pool {\n  close() {}\n}\n',
      'z_lib.ts': 'export function parseThing(text: string) {\n  return text.length;\n}\n',
      'one.ts': user('one'),
      'two.ts': user('two'),
      'three.ts': user('three'),
    });
    const ts = await indexFixture(root);
    const result = repoMapFromIndex(ts.db, { tokenBudget: 2000, counter });
    assert.deepEqual(
      result.entries.slice(0, 2).map((entry) => entry.path),
      ['z_lib.ts', 'a_util.ts'],
    );
    assert.ok(result.entries[0]!.rank > result.entries[1]!.rank);
  });

  it('is deterministic', () => {
    assert.deepEqual(map(60), map(60));
    assert.deepEqual(map(2000), map(2000));
  });

  it('buildRepoMap opens the configured index and refuses a bad budget', async () => {
    const result = await buildRepoMap(repo.config, { tokenBudget: 80, encoding: 'cl100k_base' });
    assert.deepEqual(result, map(80));
    await assert.rejects(buildRepoMap(repo.config, { tokenBudget: 0 }), /tokenBudget must be a positive integer/);
  });
});
