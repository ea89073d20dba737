import type { ReportWindow } from './report-window.js';

/** SQL fragments every report shares: which sources count, and the window on a time column. */
export function sourceFilter(includeBenchmark: boolean): string {
  return includeBenchmark ? "r.source IN ('cli', 'api', 'mcp', 'benchmark')" : "r.source IN ('cli', 'api', 'mcp')";
}

/**
 * `[start, end)` on a ledger table's `created_at` (an open start when the window has none). Bind with
 * `windowParams`. Two SQL shapes, never `(? IS NULL OR col >= ?)`: that form kept SQLite off the time index and
 * every report scanned the whole ledger (7-day sales summary over 1M rows: 1.9 s → ~0.2 s whole process). The id
 * bound (the smallest id created in the window, read from the time index) lets the planner start a rowid range
 * where the window begins in an append-only ledger; rows written late with an earlier time are still caught.
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
