import { ledgerCsv } from '../report/ledger-csv.js';
import type { MetricsReport } from '../report/metrics-report.js';
import { DEFAULT_WINDOW, reportWindow, type WindowForm } from '../report/report-window.js';
import type { SalesSummary } from '../report/sales-summary.js';
import { LEDGER_PAGE_LIMIT, pageLimit, type LedgerPage } from '../report/usage-ledger-report.js';
import { boundedInteger, groupBy, includeBenchmark, optionalText, topN, windowFields } from './input-fields.js';
import { defineOperation } from './operation.js';

/**
 * What every ledger report takes: its window (with the report's default) and whether benchmark rows count — for
 * the reports here, the CLI's `--all` export, the dashboard and `/metrics`.
 */
export const reportScope = (
  input: { window?: string; since?: string; until?: string; include_benchmark: boolean },
  defaultForm: WindowForm = DEFAULT_WINDOW.summary,
) => ({ window: reportWindow(input, defaultForm), includeBenchmark: input.include_benchmark });

export const salesSummaryOperation = defineOperation({
  name: 'sales-summary',
  description:
    'The ledger over a window, as sales-summary reports it: requests by status and how they were answered (local answer, local model, external, cache hit), provider-reported tokens, spend (provider-reported apart from unreported bounds and dry-run quotes), savings by cause (context, routing, cache, local — never summed), errors and latency.',
  input: { ...windowFields(), include_benchmark: includeBenchmark, group_by: groupBy },
  run: async (workspace, input) =>
    (await workspace.report({
      report: 'sales-summary',
      ...reportScope(input),
      groupBy: input.group_by,
    })) as SalesSummary,
  http: { method: 'GET', path: '/sales-summary' },
  mcp: { title: 'What codecontext saved', annotations: { readOnlyHint: true } },
});

export const metricsReportOperation = defineOperation({
  name: 'metrics-report',
  description:
    'The sales_summary figures plus breakdowns by route mix, provider/model and day, cap actions and limit reasons, and the most expensive requests (as metrics-report reports them).',
  input: { ...windowFields(), top_n: topN, include_benchmark: includeBenchmark, group_by: groupBy },
  run: async (workspace, input) =>
    (await workspace.report({
      report: 'metrics-report',
      ...reportScope(input),
      topN: input.top_n,
      groupBy: input.group_by,
    })) as MetricsReport,
  http: { method: 'GET', path: '/metrics-report' },
  mcp: { title: 'Spend and savings, broken down', annotations: { readOnlyHint: true } },
});

export const usageLedgerOperation = defineOperation({
  name: 'usage-ledger',
  description: `The ledger's calls (provider, model, provider-reported tokens and cost, status, latency): a page of the newest calls of the window (default ${DEFAULT_WINDOW.ledger}), listed oldest first. Pass next_cursor back as before for older calls; null when there are none.`,
  input: {
    ...windowFields(DEFAULT_WINDOW.ledger),
    include_benchmark: includeBenchmark,
    // No upper bound here on purpose: a larger page is capped, and the answer's `limit` says what was applied.
    limit: boundedInteger(
      Number.MAX_SAFE_INTEGER,
      `calls per page, newest first (default ${LEDGER_PAGE_LIMIT.default}, at most ${LEDGER_PAGE_LIMIT.max})`,
    ),
    before: optionalText("the previous page's next_cursor: older calls"),
  },
  run: async (workspace, input) =>
    (await workspace.report({
      report: 'usage-ledger',
      ...reportScope(input, DEFAULT_WINDOW.ledger),
      limit: pageLimit(input.limit),
      before: input.before,
    })) as LedgerPage,
  http: {
    method: 'GET',
    path: '/usage-ledger',
    // CSV has no room for the cursor: it travels in a header (empty on the last page).
    csv: (page) => ({ text: ledgerCsv(page.calls), headers: { 'x-codecontext-next-cursor': page.next_cursor ?? '' } }),
  },
  mcp: { title: 'Every call, every token, every dollar', annotations: { readOnlyHint: true } },
});
