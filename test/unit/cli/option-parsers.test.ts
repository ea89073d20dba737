import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { describe, it } from 'node:test';
import { parsePositiveInteger } from '../../../src/cli/option-parsers.js';

describe('parsePositiveInteger', () => {
  const parse = parsePositiveInteger;
  const cases: Array<[value: string, expected: number | 'error']> = [
    ['1', 1],
    ['6', 6],
    ['1000', 1000],
    [' 42 ', 42],
    ['1001', 1001],
    ['0', 'error'],
    ['-3', 'error'],
    ['2.5', 'error'],
    ['1e3', 'error'],
    ['ten', 'error'],
    ['', 'error'],
    ['99999999999999999999', 'error'],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} → ${expected}`, () => {
      if (expected !== 'error') return assert.equal(parse(value), expected);
      assert.throws(
        () => parse(value),
        (error: unknown) => error instanceof InvalidArgumentError && error.message === 'expected a positive integer',
      );
    });
  }
});
