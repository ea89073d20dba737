import type { ReportWindow } from './report-window.js';

/** SQL fragments every report shares: which sources count, and the window on a time column. */
export function sourceFilter(includeBenchmark: boolean): string {
  return includeBenchmark ? "r.source IN ('cli', 'api', 'benchmark')" : "r.source IN ('cli', 'api')";
}

/**
 * `[start, end)` on a ledger table's `created_at` (an open start when the window has none). Bind with
 * `windowParams`. The ledger is append-only, so rows of a window sit together at the end of the table: the filter
 * starts a rowid range at the first row created in the window (found in the time index) and reads on from there
 * sequentially — instead of one random table lookup per row through the time index (7-day sales summary on a
 * 1M-row ledger: 237 → see bench/reports). Rows written late with an earlier time are still caught: the range
 * starts at the smallest id in the window, whatever the order.
 */
export function windowFilter(alias: 'r' | 'c', window: ReportWindow): string {
  const [table, index] = alias === 'r' ? ['requests', 'requests_by_time'] : ['calls', 'calls_by_time'];
  if (window.start === null) return `${alias}.created_at < ?`;
  // INDEXED BY: left to itself, SQLite answers MIN(id) by walking the rowids from the start of the table.
  return `${alias}.id >= (SELECT MIN(id) FROM ${table} INDEXED BY ${index} WHERE created_at >= ?) AND ${alias}.created_at >= ? AND ${alias}.created_at < ?`;
}

export function windowParams(window: ReportWindow): string[] {
  return window.start === null ? [window.end] : [window.start, window.start, window.end];
}
