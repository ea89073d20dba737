import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvField } from '../../../src/report/ledger-csv.js';

/** The CSV cell policy as a table: text columns neutralised by their first character, number columns never. */
describe('CSV export neutralises cells starting with = + - @', () => {
  const cases: Array<[column: Parameters<typeof csvField>[0], value: unknown, cell: string]> = [
    ['model', '=HYPERLINK("http://x.example","y")', `"'=HYPERLINK(""http://x.example"",""y"")"`],
    ['model', '+1+2', "'+1+2"],
    ['model', '-2+3', "'-2+3"],
    ['provider', '@SUM(A1)', "'@SUM(A1)"],
    ['error_class', '\tcmd', "'\tcmd"],
    ['usage_format', '\rcmd', `"'\rcmd"`],
    ['model', 'gpt-4o-mini', 'gpt-4o-mini'],
    ['model', 'a=b', 'a=b'],
    ['model', 'with, comma', '"with, comma"'],
    ['model', 'two\nlines', '"two\nlines"'],
    ['run_id', '', ''],
    ['error_class', null, ''],
    // Numbers we write stay numbers, negative ones too: decided by the column, not by the text.
    ['cost_usd', -0.004, '-0.004'],
    ['cost_usd', 0.00024944999999999996, '0.00024945'],
    ['latency_ms', -5, '-5'],
    ['http_status', 200, '200'],
    // A text where a number belongs (SQLite keeps what it was given) is text, and neutralised.
    ['latency_ms', '=1+1', "'=1+1"],
  ];
  for (const [column, value, cell] of cases)
    it(`${column} ${JSON.stringify(value)} → ${JSON.stringify(cell)}`, () =>
      assert.equal(csvField(column, value), cell));
});
