import type { SqlOp } from '../storage/sql-op.js';
import type { Store } from '../storage/store.js';
import { ledgerReportOp, type CallerFigures, type LedgerBreakdowns, type LedgerFigures } from './ledger-figures.js';
import type { GroupBy, ReportCaller } from './ledger-scope.js';
import type { ReportWindow } from './report-window.js';

/**
 * metrics-report: the figures of sales-summary for the same window (the same object, from the same read) and the
 * breakdowns an operator asks about — route mix, provider/model, day, cap actions, limit reasons, the top N.
 */
export type MetricsReport = LedgerFigures & LedgerBreakdowns & { group_by?: GroupBy; groups?: CallerFigures[] };

export function* metricsReportOp(
  dialect: Store['dialect'],
  window: ReportWindow,
  options: { topN?: number; includeBenchmark?: boolean } & ReportCaller = {},
): SqlOp<MetricsReport> {
  const { figures, breakdowns, callers } = yield* ledgerReportOp(
    dialect,
    { window, includeBenchmark: Boolean(options.includeBenchmark), only: options.only },
    { topN: options.topN, groupBy: options.groupBy },
  );
  return {
    ...figures,
    ...breakdowns,
    ...(options.groupBy && callers ? { group_by: options.groupBy, groups: callers } : {}),
  };
}
