import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { renderApplyPatch } from '../../../src/cli/render/render-patch.js';
import { renderIndex, renderScan } from '../../../src/cli/render/render-scan.js';
import { renderSearch } from '../../../src/cli/render/render-search.js';
import { renderTable } from '../../../src/cli/render/render-table.js';
import { AppConfig } from '../../../src/config/app-config.js';
import { indexProject } from '../../../src/indexing/index-project.js';
import { applyPatch } from '../../../src/patch/apply-patch.js';
import { searchProject } from '../../../src/retrieve/search-project.js';
import { scanOptionsFor } from '../../../src/scan/scan-options.js';
import { scanProject } from '../../../src/scan/scan-project.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

describe('renderTable', () => {
  const columns = [
    { header: 'name', value: (row: { name: string; n: number }) => row.name },
    { header: 'n', value: (row: { name: string; n: number }) => row.n },
  ];
  const cases: Array<{
    rule: string;
    format: 'text' | 'markdown';
    rows: Array<{ name: string; n: number }>;
    expected: string;
  }> = [
    {
      rule: 'text pads to the widest cell, numbers right-aligned, no trailing spaces',
      format: 'text',
      rows: [
        { name: 'a', n: 1200 },
        { name: 'longer', n: 7 },
      ],
      expected: 'name       n\na       1200\nlonger     7',
    },
    {
      rule: 'markdown: a header rule, numeric columns right-aligned, | escaped',
      format: 'markdown',
      rows: [{ name: 'a|b', n: 3 }],
      expected: '| name | n |\n| --- | ---: |\n| a\\|b | 3 |',
    },
    { rule: 'no rows: the header alone', format: 'text', rows: [], expected: 'name  n' },
    {
      rule: 'a cell is one line: a pasted traceback in a goal keeps the table aligned',
      format: 'text',
      rows: [{ name: 'Traceback:\n  File x', n: 1 }],
      expected: 'name               n\nTraceback: File x  1',
    },
  ];
  for (const { rule, format, rows, expected } of cases)
    it(rule, () => assert.equal(renderTable(format, columns, rows), expected));
});

// The renderers on results the real code produced from a real tree: every figure shown is one the result holds.
describe('renderers on real results', () => {
  const root = makeTempDir('codecontext-render-root-');
  writeTree(root, {
    'tax/rates.py':
      'def compute_tax(amount, rate):\n    """Tax on an amount, rounded to cents."""\n    return round(amount * rate, 2)\n',
    'tax/report.py':
      'from tax.rates import compute_tax\n\n\ndef tax_report(lines):\n    return [compute_tax(a, r) for a, r in lines]\n',
    'web/app.ts': 'export function startServer(port: number): string {\n  return `listening on ${port}`;\n}\n',
    'assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]),
  });
  const config = AppConfig.load(root, {
    env: {},
    flags: { data_dir: makeTempDir('codecontext-render-data-'), enable_embeddings: false },
  });
  before(async () => {
    await indexProject(config);
  });

  it('scan-project: totals, languages and each skipped path with its reason', async () => {
    const result = await scanProject(scanOptionsFor(config));
    assert.ok(result.skipped.length > 0);
    const text = renderScan(result, 'text');
    assert.match(text, new RegExp(`^files to index: ${result.totals.files} \\(${result.totals.bytes} bytes\\)$`, 'm'));
    for (const [language, count] of Object.entries(result.totals.by_language))
      assert.match(text, new RegExp(`^${language} +${count}$`, 'm'));
    for (const skip of result.skipped) assert.match(text, new RegExp(`^${skip.path} +${skip.reason}$`, 'm'));
    assert.match(renderScan(result, 'markdown'), /^## Skipped, by reason$/m);
  });

  it('index-project: its counts', async () => {
    const result = await indexProject(config);
    const text = renderIndex(result, 'text');
    for (const [label, value] of [
      ['files', result.files],
      ['chunks', result.chunks],
      ['symbols', result.symbols],
    ] as const)
      assert.match(text, new RegExp(`^${label}: ${value}$`, 'm'));
  });

  it('search-project: one row per result in rank order; "no results" when empty', async () => {
    const result = await searchProject(config, { query: 'where is compute_tax defined', topK: 3 });
    assert.ok(result.results.length > 0);
    const lines = renderSearch(result, 'text').split('\n');
    assert.equal(lines.length, result.results.length + 1);
    result.results.forEach((row, index) => {
      const cells = lines[index + 1]!.trim().split(/\s{2,}/);
      assert.deepEqual(cells.slice(0, 3), [
        String(index + 1),
        String(row.score),
        `${row.path}:${row.start_line}-${row.end_line}`,
      ]);
    });
    assert.equal(renderSearch({ results: [] }, 'text'), 'no results');
  });

  it('apply-patch --dry-run: the diff in a diff block (markdown)', () => {
    const result = applyPatch(config, {
      path: 'tax/rates.py',
      oldText: Buffer.from('round(amount * rate, 2)'),
      newText: Buffer.from('round(amount * rate + 1e-9, 2)'),
      dryRun: true,
    });
    const markdown = renderApplyPatch(result, 'markdown');
    assert.ok(markdown.includes(`\`\`\`diff\n${result.diff.trimEnd()}\n\`\`\``));
    assert.match(
      markdown,
      new RegExp(`^- \\*\\*dry run, nothing written\\*\\*: tax/rates.py at line ${result.line}$`, 'm'),
    );
  });
});
