import type { Store } from '../storage/store.js';
import type { ReportWindow } from './report-window.js';

/** SQL fragments every report shares: which sources count, and the window on a time column. */
export function sourceFilter(includeBenchmark: boolean): string {
  return includeBenchmark ? "r.source IN ('cli', 'api', 'mcp', 'benchmark')" : "r.source IN ('cli', 'api', 'mcp')";
}

/**
 * `[start, end)` on `requests.created_at`, alias `r` (an open start when the window has none; a call belongs to the
 * window of its request). Bind with `windowParams`. Two SQL shapes, never `(? IS NULL OR col >= ?)`: that form kept SQLite off the time index and
 * every report scanned the whole ledger (7-day sales summary over 1M rows: 1.9 s → ~0.2 s whole process). The id
 * bound (the smallest id created in the window, read from the time index) lets the planner start a rowid range
 * where the window begins in an append-only ledger; rows written late with an earlier time are still caught.
 */
export function windowFilter(window: ReportWindow, dialect: Store['dialect'] = 'sqlite'): string {
  // PostgreSQL's planner needs neither hint (and has no INDEXED BY, nor a unary + on text).
  if (dialect === 'postgres')
    return window.start === null ? 'r.created_at < ?' : 'r.created_at >= ? AND r.created_at < ?';
  // No start (all-time): a plain table scan; through the time index SQLite would fetch every row by rowid (~15% slower).
  if (window.start === null) return '+r.created_at < ?';
  // INDEXED BY: left to itself, SQLite answers MIN(id) by walking the rowids from the start of the table.
  return 'r.id >= (SELECT MIN(id) FROM requests INDEXED BY requests_by_time WHERE created_at >= ?) AND r.created_at >= ? AND r.created_at < ?';
}

export function windowParams(window: ReportWindow, dialect: Store['dialect'] = 'sqlite'): string[] {
  if (window.start === null) return [window.end];
  return dialect === 'postgres' ? [window.start, window.end] : [window.start, window.start, window.end];
}

/** What a report can be grouped by (`--group-by`): the caller columns every request row carries. */
export const GROUP_BY = ['key', 'user', 'team'] as const;
export type GroupBy = (typeof GROUP_BY)[number];
export type CallerColumn = 'key_id' | 'user_name' | 'team';

/** The request columns a group is made of: a key's row names its user and team too (they come with the key). */
export const GROUP_COLUMNS: Record<GroupBy, readonly CallerColumn[]> = {
  key: ['key_id', 'user_name', 'team'],
  user: ['user_name'],
  team: ['team'],
};

/** Only one caller's rows: a key holder reads its own figures (the gateway sets this from the key, never a query). */
export interface CallerFilter {
  column: CallerColumn;
  value: string;
}

/** ` AND r.<column> = ?` for a caller filter, with its parameter; nothing without one. */
export function callerSql(only: CallerFilter | undefined): { sql: string; params: string[] } {
  if (!only) return { sql: '', params: [] };
  // The column is one of three names in code, never text from a request.
  if (!GROUP_COLUMNS.key.includes(only.column)) throw new Error(`not a caller column: ${only.column}`);
  return { sql: ` AND r.${only.column} = ?`, params: [only.value] };
}

/** Whose rows a report reads, and whether it splits them by caller. */
export interface ReportCaller {
  /** One caller's rows only: a key holder's own figures. */
  only?: CallerFilter;
  groupBy?: GroupBy;
}
