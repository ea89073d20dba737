import { formatDecimal } from '../shared/money.js';
import type { LedgerLine } from './usage-ledger-report.js';

/**
 * The usage ledger as RFC 4180 CSV: a header row, then one row per call; a field is quoted (its quotes doubled) when
 * it holds a comma, a quote, CR or LF. Lines end in LF, as the export always has.
 *
 * Formula cells: a text column can hold what a client chose (a drop-in request names its model), and a spreadsheet
 * runs a cell that starts with = + - @ (or tab / CR, per OWASP's CSV-injection advice) as a formula. Such a text is
 * prefixed with a single quote, which spreadsheets show as text. Whether a cell is text is decided by its column,
 * never by how it looks: the numbers written here stay numbers (a negative number is not a formula), and a value of
 * the wrong type in a number column (SQLite keeps what it was given) is treated as text.
 */
const NUMBER_COLUMNS = new Set<keyof LedgerLine>([
  'call_id',
  'attempt',
  'local',
  'http_status',
  'latency_ms',
  'input_tokens',
  'output_tokens',
  'cached_input_tokens',
  'cache_write_tokens',
  'cost_usd',
  'cost_is_estimate',
  'quote_usd',
]);
const MONEY_COLUMNS = new Set<keyof LedgerLine>(['cost_usd', 'quote_usd']);

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
  'key_id',
  'user_name',
  'team',
];

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field of a column: numbers as numbers (money fixed-point), text neutralised, quoted when it must be. */
export function csvField(column: keyof LedgerLine, value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (NUMBER_COLUMNS.has(column) && typeof value === 'number')
    text = MONEY_COLUMNS.has(column) ? formatDecimal(value) : String(value);
  else {
    text = String(value);
    if (FORMULA_START.test(text)) text = `'${text}`;
  }
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const LEDGER_CSV_HEADER = `${LEDGER_COLUMNS.join(',')}\n`;

/** One call as a CSV row, with its line end. */
export function ledgerCsvRow(line: LedgerLine): string {
  return `${LEDGER_COLUMNS.map((column) => csvField(column, line[column])).join(',')}\n`;
}

/** A page of calls as CSV: the header and its rows. */
export function ledgerCsv(lines: readonly LedgerLine[]): string {
  return LEDGER_CSV_HEADER + lines.map(ledgerCsvRow).join('');
}
