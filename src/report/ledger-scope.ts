import type { ReportWindow } from './report-window.js';

/** SQL fragments every report shares: which sources count, and the window on a time column. */
export function sourceFilter(includeBenchmark: boolean): string {
  return includeBenchmark ? "r.source IN ('cli', 'api', 'benchmark')" : "r.source IN ('cli', 'api')";
}

/** `[start, end)` on an ISO time column; a null start is open. Bind with `windowParams`. */
export function windowFilter(column: string): string {
  return `(? IS NULL OR ${column} >= ?) AND ${column} < ?`;
}

export function windowParams(window: ReportWindow): [string | null, string | null, string] {
  return [window.start, window.start, window.end];
}
