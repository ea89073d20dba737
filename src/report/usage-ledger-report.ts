import type { Db } from '../indexing/open-database.js';
import type { ReportWindow } from './report-window.js';
import { windowFilter, windowParams } from './ledger-scope.js';

/** usage-ledger-report: every call in the window with its request's context — every token, every dollar. */
export interface LedgerLine {
  call_id: number;
  created_at: string;
  run_id: string;
  source: string;
  route: string;
  request_status: string;
  attempt: number;
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
}

export const LEDGER_COLUMNS: ReadonlyArray<keyof LedgerLine> = [
  'call_id',
  'created_at',
  'run_id',
  'source',
  'route',
  'request_status',
  'attempt',
  'provider',
  'model',
  'local',
  'http_status',
  'error_class',
  'latency_ms',
  'usage_source',
  'usage_format',
  'input_tokens',
  'output_tokens',
  'cached_input_tokens',
  'cache_write_tokens',
  'cost_usd',
  'cost_is_estimate',
];

export function usageLedger(db: Db, window: ReportWindow): { window: ReportWindow; calls: LedgerLine[] } {
  const calls = db
    .prepare(
      `SELECT c.id AS call_id, c.created_at, r.run_id, r.source, r.route, r.status AS request_status, c.attempt, c.provider, c.model, c.local, c.http_status,
            c.error_class, c.latency_ms, c.usage_source, c.usage_format, c.input_tokens, c.output_tokens, c.cached_input_tokens, c.cache_write_tokens,
            c.cost_usd, c.cost_is_estimate
     FROM calls c JOIN requests r ON r.id = c.request_id WHERE ${windowFilter('c', window)} ORDER BY c.created_at, c.id`,
    )
    .all(...windowParams(window)) as LedgerLine[];
  return { window, calls };
}

/** RFC 4180 CSV: a header row, fields quoted when they hold a comma, quote or newline. */
export function ledgerCsv(lines: readonly LedgerLine[]): string {
  const field = (value: unknown): string => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return (
    [
      LEDGER_COLUMNS.join(','),
      ...lines.map((line) => LEDGER_COLUMNS.map((column) => field(line[column])).join(',')),
    ].join('\n') + '\n'
  );
}
