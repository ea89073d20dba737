import type { Db } from '../indexing/open-database.js';
import { ledgerReport, type LedgerBreakdowns, type LedgerFigures } from './ledger-figures.js';
import type { ReportWindow } from './report-window.js';

/**
 * metrics-report: the figures of sales-summary for the same window (the same object, from the same read) and the
 * breakdowns an operator asks about — route mix, provider/model, day, cap actions, limit reasons, the top N.
 */
export type MetricsReport = LedgerFigures & LedgerBreakdowns;

export function metricsReport(
  db: Db,
  window: ReportWindow,
  options: { topN?: number; includeBenchmark?: boolean } = {},
): MetricsReport {
  const { figures, breakdowns } = ledgerReport(
    db,
    { window, includeBenchmark: Boolean(options.includeBenchmark) },
    { topN: options.topN },
  );
  return { ...figures, ...breakdowns };
}
