import type { Db } from '../indexing/open-database.js';
import { metricsReport } from './metrics-report.js';
import { prometheusMetrics } from './prometheus-metrics.js';
import type { ReportWindow } from './report-window.js';
import { salesSummary } from './sales-summary.js';
import { usageLedger } from './usage-ledger-report.js';

/**
 * The reports the gateway serves, as plain data a worker thread can be sent (report-pool.ts), each answered by the
 * same function the CLI calls — one implementation; the worker only picks which. Windows and limits are parsed and
 * checked before a job is made, so a bad query is a 400 without a trip to the worker.
 */
export type ReportJob =
  | { report: 'sales-summary'; window: ReportWindow; includeBenchmark: boolean }
  | { report: 'metrics-report'; window: ReportWindow; includeBenchmark: boolean; topN?: number }
  | { report: 'prometheus-metrics'; includeBenchmark: boolean }
  | { report: 'usage-ledger'; window: ReportWindow; includeBenchmark: boolean; limit?: number; before?: string };

export function runReport(db: Db, job: ReportJob): unknown {
  switch (job.report) {
    case 'sales-summary':
      return salesSummary(db, job.window, { includeBenchmark: job.includeBenchmark });
    case 'metrics-report':
      return metricsReport(db, job.window, { topN: job.topN, includeBenchmark: job.includeBenchmark });
    case 'prometheus-metrics':
      return prometheusMetrics(db, { includeBenchmark: job.includeBenchmark });
    case 'usage-ledger':
      return usageLedger(db, job.window, {
        includeBenchmark: job.includeBenchmark,
        limit: job.limit,
        before: job.before,
      });
  }
}
