import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDecimal, formatUsd, roundUsd } from '../../../src/shared/money.js';

describe('money: one formatting rule for every surface', () => {
  it('formatUsd: at least cents, then the digits the value has, never an exponent', () => {
    const table: Array<[number, string]> = [
      [0, '$0'],
      [-0, '$0'],
      [0.002, '$0.002'],
      [0.0088, '$0.0088'],
      [0.72, '$0.72'],
      [12.3, '$12.30'],
      [5, '$5.00'],
      [1234.5, '$1234.50'],
      [0.000025, '$0.000025'],
      [2.5e-7, '$0.00000025'],
      [0.00024944999999999996, '$0.00024945'],
      [0.1 + 0.2, '$0.30'],
      [-0.00089, '-$0.00089'],
      [1e-9, '$0'],
      [0.000000016, '$0.00000002'],
    ];
    for (const [value, expected] of table) assert.equal(formatUsd(value), expected, String(value));
  });

  it('formatDecimal (CSV, Prometheus): fixed-point, trailing zeros dropped', () => {
    const table: Array<[number, string]> = [
      [0, '0'],
      [0.00024944999999999996, '0.00024945'],
      [2.5e-5, '0.000025'],
      [5e-7, '0.0000005'],
      [12.3, '12.3'],
      [1, '1'],
      [-0.004, '-0.004'],
      [1.506931, '1.506931'],
    ];
    for (const [value, expected] of table) assert.equal(formatDecimal(value), expected, String(value));
  });

  it('roundUsd (JSON numbers): 8 decimal places, no float noise, no -0', () => {
    const table: Array<[number, number]> = [
      [0.00024944999999999996, 0.00024945],
      [0.1 + 0.2, 0.3],
      [0.0006 + 0.00027 + 0.00589 + 0.000171, 0.006931],
      [-1e-12, 0],
    ];
    for (const [value, expected] of table) assert.equal(roundUsd(value), expected, String(value));
    assert.ok(Object.is(roundUsd(-1e-12), 0));
  });

  it('text, CSV and JSON agree: formatting a rounded figure is formatting the figure', () => {
    for (const value of [0.00024944999999999996, 0.1 + 0.2, 2.5e-7, 1 / 3, -2 / 3])
      assert.equal(formatDecimal(roundUsd(value)), formatDecimal(value));
  });
});
