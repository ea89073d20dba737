import type { Store } from '../storage/store.js';
import { LEDGER_CSV_HEADER, ledgerCsvRow } from './ledger-csv.js';
import type { ReportWindow } from './report-window.js';
import { usageLedgerChunkOp, type LedgerPage } from './usage-ledger-report.js';

/** Calls per read and per chunk handed to the writer: a few hundred KB, never the whole window in one string. */
const ROWS_PER_CHUNK = 500;

/**
 * The whole window's calls (`usage-ledger-report --all`) as text chunks, read ROWS_PER_CHUNK calls at a time from
 * the store (usageLedgerChunkOp): the CSV of ledger-csv.ts, or the JSON of a page (limit and next_cursor null)
 * with one call per line. Each read is its own short transaction; a row written during the export with a time
 * before the last one read is left out, as it would be by an export started a moment earlier.
 */
export async function* usageLedgerExport(
  store: Store,
  window: ReportWindow,
  options: { includeBenchmark?: boolean; format: 'json' | 'csv' },
): AsyncGenerator<string> {
  const includeBenchmark = Boolean(options.includeBenchmark);
  const csv = options.format === 'csv';
  const head: Omit<LedgerPage, 'calls' | 'next_cursor'> = { window, include_benchmark: includeBenchmark, limit: null };
  let chunk = csv ? LEDGER_CSV_HEADER : `${JSON.stringify(head).slice(0, -1)},"calls":[`;
  let rows = 0;
  let after: string | null = null;
  do {
    const read = await store.read(() =>
      usageLedgerChunkOp(store.dialect, window, { includeBenchmark, after, limit: ROWS_PER_CHUNK }),
    );
    for (const line of read.lines)
      chunk += csv ? ledgerCsvRow(line) : `${rows++ === 0 ? '' : ','}\n${JSON.stringify(line)}`;
    after = read.after;
    if (after !== null) {
      yield chunk;
      chunk = '';
    }
  } while (after !== null);
  yield csv ? chunk : `${chunk}${rows === 0 ? '' : '\n'}],"next_cursor":null}\n`;
}
