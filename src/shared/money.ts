/**
 * Money as people and files read it. The ledger keeps USD as floating point; what leaves codecontext is rounded to
 * the ledger's precision (8 decimals — a millionth of a cent) so no float noise (0.00024944999999999996) escapes,
 * and text never rounds a real amount to $0.00 or writes an exponent.
 */
const DECIMALS = 8;

/** USD for JSON: rounded to 8 decimals (a number; 0 stays 0). */
export function roundUsd(usd: number): number {
  return Math.round(usd * 10 ** DECIMALS) / 10 ** DECIMALS;
}

/** USD as a plain decimal string without an exponent or trailing zeros (CSV, Prometheus): `0.00024945`. */
export function plainUsd(usd: number): string {
  const fixed = roundUsd(usd).toFixed(DECIMALS);
  const trimmed = fixed.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

/**
 * USD for people: cents from a dollar up ($12.30, $1,204.50); below a dollar the digits it has, up to four
 * significant ones ($0.72, $0.0088, $0.002, $0.00002495); $0 for nothing.
 */
export function formatUsd(usd: number): string {
  const value = roundUsd(usd);
  if (value === 0) return '$0';
  const sign = value < 0 ? '−' : '';
  const magnitude = Math.abs(value);
  if (magnitude >= 1) {
    return `${sign}$${magnitude.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  }
  const significant = Number(magnitude.toPrecision(4));
  const decimals = Math.min(DECIMALS, Math.max(2, -Math.floor(Math.log10(significant)) + 3));
  const text = significant.toFixed(decimals).replace(/(\.\d*?[1-9])0+$/, '$1');
  return `${sign}$${/\.\d$/.test(text) ? `${text}0` : text}`;
}
