import type { Db } from '../indexing/open-database.js';
import { sourceFilter, windowFilter, windowParams } from './ledger-scope.js';
import { formatDecimal, roundUsd } from '../shared/money.js';
import type { ReportWindow } from './report-window.js';

/**
 * usage-ledger-report: every call of the window's requests (a call belongs to the window of its request, as in
 * every other report; benchmark requests only when asked), with its request's context — every token, every dollar.
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
}

export const LEDGER_COLUMNS: ReadonlyArray<keyof LedgerLine> = [
  'call_id',
  'created_at',
  'run_id',
  'source',
  'surface',
  'route',
  'request_status',
  'cache',
  'attempt',
  'role',
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
  'quote_usd',
];

const MONEY_COLUMNS = new Set<keyof LedgerLine>(['cost_usd', 'quote_usd']);

export function usageLedger(
  db: Db,
  window: ReportWindow,
  options: { includeBenchmark?: boolean } = {},
): { window: ReportWindow; include_benchmark: boolean; calls: LedgerLine[] } {
  const includeBenchmark = Boolean(options.includeBenchmark);
  const calls = (
    db
      .prepare(
        `SELECT c.id AS call_id, c.created_at, r.run_id, r.source, r.surface, r.route, r.status AS request_status, r.cache, c.attempt, c.role,
            c.provider, c.model, c.local, c.http_status, c.error_class, c.latency_ms, c.usage_source, c.usage_format, c.input_tokens,
            c.output_tokens, c.cached_input_tokens, c.cache_write_tokens, c.cost_usd, c.cost_is_estimate, c.quote_usd
     FROM requests r JOIN calls c ON c.request_id = r.id WHERE ${sourceFilter(includeBenchmark)} AND ${windowFilter(window)}
     ORDER BY c.created_at, c.id`,
      )
      .all(...windowParams(window)) as LedgerLine[]
  ).map((line) => ({
    ...line,
    cost_usd: line.cost_usd === null ? null : roundUsd(line.cost_usd),
    quote_usd: line.quote_usd === null ? null : roundUsd(line.quote_usd),
  }));
  return { window, include_benchmark: includeBenchmark, calls };
}

/** RFC 4180 CSV: a header row, money in fixed-point (formatDecimal), fields quoted when they hold , " or a newline. */
export function ledgerCsv(lines: readonly LedgerLine[]): string {
  const field = (column: keyof LedgerLine, value: unknown): string => {
    if (value === null || value === undefined) return '';
    const text = MONEY_COLUMNS.has(column) ? formatDecimal(value as number) : String(value);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return (
    [
      LEDGER_COLUMNS.join(','),
      ...lines.map((line) => LEDGER_COLUMNS.map((column) => field(column, line[column])).join(',')),
    ].join('\n') + '\n'
  );
}
