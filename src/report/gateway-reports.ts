import type { SqlOp } from '../storage/sql-op.js';
import type { Store } from '../storage/store.js';
import type { CallerFilter, GroupBy } from './ledger-scope.js';
import { metricsReportOp } from './metrics-report.js';
import { prometheusMetricsOp } from './prometheus-metrics.js';
import type { ReportWindow } from './report-window.js';
import { salesSummaryOp } from './sales-summary.js';
import { usageLedgerOp } from './usage-ledger-report.js';

/**
 * The reports the gateway serves, as plain data a worker thread can be sent (report-pool.ts), each answered by the
 * same operation the CLI runs — one implementation; the runner only picks which. Windows and limits are parsed and
 * checked before a job is made, so a bad query is a 400 without a trip to the worker.
 */
export type ReportJob = (
  | { report: 'sales-summary'; window: ReportWindow; includeBenchmark: boolean; groupBy?: GroupBy }
  | { report: 'metrics-report'; window: ReportWindow; includeBenchmark: boolean; topN?: number; groupBy?: GroupBy }
  | { report: 'prometheus-metrics'; includeBenchmark: boolean; groupBy?: GroupBy }
  | { report: 'usage-ledger'; window: ReportWindow; includeBenchmark: boolean; limit?: number; before?: string }
) & {
  /** One caller's rows only: set by the gateway from a key holder's key (their own figures), never from a query. */
  only?: CallerFilter;
};

/** What runs a gateway's reports: the worker threads on SQLite (report-pool.ts), the pool on PostgreSQL (store-reports.ts). */
export interface Reports {
  run(job: ReportJob): Promise<unknown>;
  close(): Promise<void>;
}

export function reportOp(job: ReportJob, dialect: Store['dialect']): SqlOp<unknown> {
  switch (job.report) {
    case 'sales-summary':
      return salesSummaryOp(dialect, job.window, {
        includeBenchmark: job.includeBenchmark,
        groupBy: job.groupBy,
        only: job.only,
      });
    case 'metrics-report':
      return metricsReportOp(dialect, job.window, {
        topN: job.topN,
        includeBenchmark: job.includeBenchmark,
        groupBy: job.groupBy,
        only: job.only,
      });
    case 'prometheus-metrics':
      return prometheusMetricsOp(dialect, { includeBenchmark: job.includeBenchmark, groupBy: job.groupBy });
    case 'usage-ledger':
      return usageLedgerOp(dialect, job.window, {
        includeBenchmark: job.includeBenchmark,
        limit: job.limit,
        before: job.before,
        only: job.only,
      });
  }
}
