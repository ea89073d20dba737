import { LEDGER_CSV_HEADER, ledgerCsvRow } from './ledger-csv.js';
import { openLedgerAt } from './read-ledger.js';
import type { ReportWindow } from './report-window.js';
import { usageLedgerLines, type LedgerPage } from './usage-ledger-report.js';

/** Rows per chunk handed to the writer: a few hundred KB, never the whole window in one string. */
const ROWS_PER_CHUNK = 500;

/**
 * The whole window's calls (`usage-ledger-report --all`) as text chunks, read a row at a time from SQLite: the
 * CSV of ledger-csv.ts, or the JSON of a page (limit and next_cursor null) with one call per line. The ledger is
 * opened on the first chunk and closed when the iteration ends, however it ends.
 */
export function* usageLedgerExport(
  databasePath: string,
  window: ReportWindow,
  options: { includeBenchmark?: boolean; format: 'json' | 'csv' },
): Generator<string> {
  const includeBenchmark = Boolean(options.includeBenchmark);
  const db = openLedgerAt(databasePath);
  try {
    const csv = options.format === 'csv';
    const head: Omit<LedgerPage, 'calls' | 'next_cursor'> = {
      window,
      include_benchmark: includeBenchmark,
      limit: null,
    };
    let chunk = csv ? LEDGER_CSV_HEADER : `${JSON.stringify(head).slice(0, -1)},"calls":[`;
    let rows = 0;
    for (const line of usageLedgerLines(db, window, { includeBenchmark })) {
      chunk += csv ? ledgerCsvRow(line) : `${rows === 0 ? '' : ','}\n${JSON.stringify(line)}`;
      if (++rows % ROWS_PER_CHUNK === 0) {
        yield chunk;
        chunk = '';
      }
    }
    yield csv ? chunk : `${chunk}${rows === 0 ? '' : '\n'}],"next_cursor":null}\n`;
  } finally {
    db.close();
  }
}
