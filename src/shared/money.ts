/**
 * One rule for money on every surface. Ledger sums are binary floats (0.1 + 0.2 ≠ 0.3), so every figure is rounded
 * to 8 decimal places — below any provider's price granularity — once, here:
 *  - JSON carries numbers: `roundUsd` (no float noise such as 0.00024944999999999996);
 *  - text, CSV and Prometheus carry decimals: `formatDecimal` (fixed-point, no exponent, the digits the value has:
 *    2.5e-05 → "0.000025") and, for people, `formatUsd` ("$0.002", "$0.0088", "$0.72", "$12.30", "$0").
 * `formatDecimal` and `formatUsd` are self-contained on purpose: the dashboard page embeds their source
 * (`Function.prototype.toString`), so the browser formats with this exact code.
 */

/** A dollar figure for JSON: rounded to 8 decimal places; -0 becomes 0. */
export function roundUsd(value: number): number {
  const rounded = Math.round(value * 1e8) / 1e8;
  return rounded === 0 ? 0 : rounded;
}

/** Fixed-point text of a number rounded to 8 decimal places, trailing zeros dropped: 0.00024945, 12.3, 0, -0.004. */
export function formatDecimal(value: number): string {
  const rounded = Math.round(value * 1e8) / 1e8;
  if (rounded === 0) return '0';
  const text = rounded.toFixed(8);
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

/** Dollars for people: at least cents, then as many digits as the value has (up to 8): $0.002, $12.30, -$0.5, $0. */
export function formatUsd(value: number): string {
  const rounded = Math.round(value * 1e8) / 1e8;
  if (rounded === 0) return '$0';
  const digits = Math.abs(rounded).toFixed(8).replace(/0+$/, '').replace(/\.$/, '');
  const [whole, fraction = ''] = digits.split('.');
  return `${rounded < 0 ? '-' : ''}$${whole}.${fraction.padEnd(2, '0')}`;
}
