import { CodeContextError } from '../shared/errors.js';
import { roundUsd } from '../shared/money.js';
import { sql, type SqlOp } from '../storage/sql-op.js';
import type { Store } from '../storage/store.js';
import { callerSql, sourceFilter, type CallerFilter } from './ledger-scope.js';
import type { ReportWindow } from './report-window.js';

/**
 * usage-ledger-report: the calls of the window's requests (a call belongs to the window of its request, as in
 * every other report; benchmark requests only when asked), with its request's context — every token, every dollar.
 *
 * Order: by the request's time, then request id, then call id (its attempts in order). That is the order of the
 * time index on requests (`requests_by_time` holds created_at and the rowid), so a page is read by walking the
 * index back from the cursor and stops after `limit` rows: a page of the newest 100 calls of a 200k-call window
 * took 3 ms, ordered by the calls' own time (no index, a sort of the whole window) 540 ms.
 *
 * A page is the newest `limit` calls before the cursor, listed oldest first (so a window that fits in one page reads
 * as it always did); `next_cursor` continues with the older ones, null when there are none.
 */
export interface LedgerLine {
  call_id: number;
  created_at: string;
  run_id: string;
  source: string;
  surface: string | null;
  route: string;
  request_status: string;
  cache: string;
  attempt: number;
  role: string;
  provider: string;
  model: string;
  local: number;
  http_status: number | null;
  error_class: string | null;
  latency_ms: number | null;
  usage_source: string;
  usage_format: string | null;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  cache_write_tokens: number;
  cost_usd: number | null;
  cost_is_estimate: number;
  quote_usd: number | null;
  /** Who asked: the request's API key, its user and team (null without a key). */
  key_id: string | null;
  user_name: string | null;
  team: string | null;
}

/** A page's size: the default, and the most one page (an HTTP answer) may hold. */
export const LEDGER_PAGE_LIMIT = { default: 100, max: 1000 } as const;

export interface LedgerPage {
  window: ReportWindow;
  include_benchmark: boolean;
  /** The page size applied (asked for, capped at LEDGER_PAGE_LIMIT.max); null for a whole-window export. */
  limit: number | null;
  calls: LedgerLine[];
  /** Pass back as `before` for the next (older) page; null when this page reaches the window's start. */
  next_cursor: string | null;
}

export interface LedgerPageOptions {
  includeBenchmark?: boolean;
  /** Calls per page (default LEDGER_PAGE_LIMIT.default, capped at LEDGER_PAGE_LIMIT.max). */
  limit?: number;
  /** A previous page's next_cursor: only calls older than it. */
  before?: string;
  /** One caller's calls only: a key holder's own. */
  only?: CallerFilter;
}

interface PageRow extends LedgerLine {
  request_created_at: string;
  request_id: number;
}

interface Cursor {
  requestCreatedAt: string;
  requestId: number;
  callId: number;
}

// A cursor names the last row read: its request's time and id, and its call id. Plain text, but opaque to clients.
const CURSOR = /^(\d{4}-\d{2}-\d{2}T[0-9:.]+Z),(\d+),(\d+)$/;

function cursorOf(row: PageRow): string {
  return `${row.request_created_at},${row.request_id},${row.call_id}`;
}

function parseCursor(text: string): Cursor {
  const match = CURSOR.exec(text);
  if (!match)
    throw new CodeContextError('usage', `before ${JSON.stringify(text)}: expected the next_cursor of a previous page`);
  return { requestCreatedAt: match[1]!, requestId: Number(match[2]), callId: Number(match[3]) };
}

/** The page size for an asked-for limit: a positive integer, capped at the maximum. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return LEDGER_PAGE_LIMIT.default;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new CodeContextError('usage', `limit ${limit}: expected a positive integer`);
  return Math.min(limit, LEDGER_PAGE_LIMIT.max);
}

const COLUMNS_SQL = `c.id AS call_id, c.created_at, r.run_id, r.source, r.surface, r.route, r.status AS request_status,
  r.cache, c.attempt, c.role, c.provider, c.model, c.local, c.http_status, c.error_class, c.latency_ms, c.usage_source,
  c.usage_format, c.input_tokens, c.output_tokens, c.cached_input_tokens, c.cache_write_tokens, c.cost_usd,
  c.cost_is_estimate, c.quote_usd, r.key_id, r.user_name, r.team`;

/**
 * The window's calls joined to their requests: on SQLite through the time index (no id bound: see the header),
 * which the planner must be told; PostgreSQL's picks its own.
 */
function windowSql(
  dialect: Store['dialect'],
  window: ReportWindow,
  includeBenchmark: boolean,
  only: CallerFilter | undefined,
): { from: string; where: string; params: string[] } {
  const where = [sourceFilter(includeBenchmark), 'r.created_at < ?'];
  const params = [window.end];
  if (window.start !== null) {
    where.push('r.created_at >= ?');
    params.push(window.start);
  }
  const caller = callerSql(only);
  const requests = dialect === 'sqlite' ? 'requests r INDEXED BY requests_by_time' : 'requests r';
  return {
    from: `${requests} JOIN calls c ON c.request_id = r.id`,
    where: where.join(' AND ') + caller.sql,
    params: [...params, ...caller.params],
  };
}

/**
 * "(time, request id, call id) before (`<`) or after (`>`) the cursor's": under a bound on the time alone that reads
 * as below, and that bound is what lets SQLite start its walk of the time index at the cursor. None without one.
 */
function keysetSql(cursor: Cursor | null, side: '<' | '>'): { keyset: string; keysetParams: Array<string | number> } {
  if (cursor === null) return { keyset: '', keysetParams: [] };
  return {
    keyset: ` AND r.created_at ${side}= ? AND (r.created_at ${side} ? OR r.id ${side} ? OR (r.id = ? AND c.id ${side} ?))`,
    keysetParams: [cursor.requestCreatedAt, cursor.requestCreatedAt, cursor.requestId, cursor.requestId, cursor.callId],
  };
}

/** Money rounded for JSON (no float noise); the page's own keys dropped. */
function lineOf(row: PageRow | LedgerLine): LedgerLine {
  const { request_created_at: _time, request_id: _id, ...line } = row as PageRow;
  return {
    ...line,
    cost_usd: line.cost_usd === null ? null : roundUsd(line.cost_usd),
    quote_usd: line.quote_usd === null ? null : roundUsd(line.quote_usd),
  };
}

/** One page of the window's calls: the newest `limit` before the cursor, oldest first. */
export function* usageLedgerOp(
  dialect: Store['dialect'],
  window: ReportWindow,
  options: LedgerPageOptions = {},
): SqlOp<LedgerPage> {
  const includeBenchmark = Boolean(options.includeBenchmark);
  const limit = pageLimit(options.limit);
  const { from, where, params } = windowSql(dialect, window, includeBenchmark, options.only);
  const { keyset, keysetParams } = keysetSql(options.before === undefined ? null : parseCursor(options.before), '<');
  const rows = yield* sql.all<PageRow>(
    `SELECT ${COLUMNS_SQL}, r.created_at AS request_created_at, r.id AS request_id FROM ${from}
     WHERE ${where}${keyset} ORDER BY r.created_at DESC, r.id DESC, c.id DESC LIMIT ?`,
    ...params,
    ...keysetParams,
    limit + 1,
  );
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  return {
    window,
    include_benchmark: includeBenchmark,
    limit,
    calls: page.map(lineOf).reverse(),
    next_cursor: more ? cursorOf(page[page.length - 1]!) : null,
  };
}

/**
 * The next `limit` calls of the window after `after` (null: from its start), oldest first, and the cursor after
 * the last of them (null when the window has no more): a whole-window export (`--all`) reads these one after
 * another, each a short read of its own rather than one statement holding a connection for the whole export.
 */
export function* usageLedgerChunkOp(
  dialect: Store['dialect'],
  window: ReportWindow,
  options: { includeBenchmark?: boolean; after: string | null; limit: number; only?: CallerFilter },
): SqlOp<{ lines: LedgerLine[]; after: string | null }> {
  const { from, where, params } = windowSql(dialect, window, Boolean(options.includeBenchmark), options.only);
  const { keyset, keysetParams } = keysetSql(options.after === null ? null : parseCursor(options.after), '>');
  const rows = yield* sql.all<PageRow>(
    `SELECT ${COLUMNS_SQL}, r.created_at AS request_created_at, r.id AS request_id FROM ${from}
     WHERE ${where}${keyset} ORDER BY r.created_at, r.id, c.id LIMIT ?`,
    ...params,
    ...keysetParams,
    options.limit,
  );
  const last = rows[rows.length - 1];
  return { lines: rows.map(lineOf), after: rows.length === options.limit && last ? cursorOf(last) : null };
}
