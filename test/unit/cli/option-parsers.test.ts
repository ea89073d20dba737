import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { describe, it } from 'node:test';
import { parseBoundedInteger } from '../../../src/cli/option-parsers.js';

describe('parseBoundedInteger', () => {
  const parse = parseBoundedInteger(1000);
  const cases: Array<[value: string, expected: number | 'error']> = [
    ['1', 1],
    ['6', 6],
    ['1000', 1000],
    [' 42 ', 42],
    ['1001', 'error'],
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
        (error: unknown) =>
          error instanceof InvalidArgumentError && error.message === 'expected an integer from 1 to 1000',
      );
    });
  }
});
