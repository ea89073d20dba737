import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { isDataPath } from '../../../src/retrieve/match-paths.js';
import { rankChunks } from '../../../src/retrieve/rank-chunks.js';
import { rankFiles } from '../../../src/retrieve/search-project.js';
import { indexFixture, type IndexedFixture } from '../../helpers/index-fixture.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

describe('data files are demoted unless the goal names them', () => {
  let fixture: IndexedFixture;
  before(async () => {
    const root = makeTempDir();
    // A JSONL of past tickets repeats every word of a goal about refunds; the code that computes them says less.
    const tickets = Array.from(
      { length: 30 },
      (_, index) =>
        `{"id": ${index}, "text": "refund amount wrong for partial refund of order ${index}, refund total"}`,
    ).join('\n');
    // Unrelated modules, so the goal's words are rare enough to mean something.
    const filler = Object.fromEntries(
      ['shipping', 'catalog', 'accounts', 'search', 'mailer', 'reports', 'audit', 'tax'].map((name) => [
        `billing/${name}.py`,
        `def ${name}_handler(request):\n    return request.${name}\n`,
      ]),
    );
    writeTree(root, {
      ...filler,
      'billing/refunds.py': 'def partial_refund(order, amount):\n    return min(order.total, amount)\n',
      'data/tickets.jsonl': `${tickets}\n`,
      'tests/fixtures/refund_cases.py':
        'CASES = [("partial refund", 10), ("refund total", 20), ("refund amount", 5)]\n',
    });
    fixture = await indexFixture(root);
  });

  it('the code ranks above the JSONL and the fixture that repeat its words', () => {
    const results = rankChunks(fixture.db, 'The partial refund amount is wrong', 20);
    const files = rankFiles(results).map((file) => file.path);
    assert.equal(files[0], 'billing/refunds.py');
    const data = results.find((entry) => entry.chunk.path === 'data/tickets.jsonl');
    assert.equal(data?.why.data_factor, 0.5);
  });

  it('a goal that names the data file gets it undemoted', () => {
    const results = rankChunks(fixture.db, 'data/tickets.jsonl has a malformed refund line', 20);
    const data = results.find((entry) => entry.chunk.path === 'data/tickets.jsonl')!;
    assert.equal(data.why.data_factor, 1);
    assert.equal(rankFiles(results)[0]!.path, 'data/tickets.jsonl');
  });

  it('isDataPath: line-delimited JSON, tables, snapshots and fixture directories; not code or config', () => {
    const cases: Array<[string, boolean]> = [
      ['data/issues.jsonl', true],
      ['exports/report.CSV', true],
      ['src/__snapshots__/view.test.ts.snap', true],
      ['tests/fixtures/app.py', true],
      ['pkg/testdata/input.go', true],
      ['src/parse/csv_reader.py', false],
      ['package.json', false],
      ['config/settings.toml', false],
    ];
    for (const [path, expected] of cases) assert.equal(isDataPath(path), expected, path);
  });
});
