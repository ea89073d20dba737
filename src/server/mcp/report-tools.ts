import { z } from 'zod';
import { runReport } from '../../report/gateway-reports.js';
import { readLedgerAt } from '../../report/read-ledger.js';
import { DEFAULT_WINDOW, reportWindow, type WindowForm, type WindowOptions } from '../../report/report-window.js';
import { LEDGER_PAGE_LIMIT, pageLimit } from '../../report/usage-ledger-report.js';
import { includeBenchmark, topN, windowFields } from './input-fields.js';
import type { ToolContext } from './tool-context.js';

/** What every ledger report takes: its window (defaulted as the CLI and HTTP API default it) and include_benchmark. */
function scopeOf(
  args: WindowOptions & { include_benchmark?: boolean },
  defaultForm: WindowForm = DEFAULT_WINDOW.summary,
) {
  return { window: reportWindow(args, defaultForm), includeBenchmark: args.include_benchmark ?? false };
}

/**
 * The ledger reports, each answered by the function the CLI and the HTTP API call (runReport): sales_summary,
 * metrics_report and usage_ledger (paged like `usage-ledger-report` and GET /usage-ledger, 30 days by default).
 */
export function registerReportTools({ server, config, run }: ToolContext): void {
  const read = (job: Parameters<typeof runReport>[1]) => readLedgerAt(config.databasePath, (db) => runReport(db, job));

  server.registerTool(
    'sales_summary',
    {
      title: 'What codecontext saved',
      description:
        'The ledger over a window, as sales-summary reports it: requests by status and how they were answered (local answer, local model, external, cache hit), provider-reported tokens, spend (provider-reported apart from unreported bounds and dry-run quotes), savings by cause (context, routing, cache, local — never summed), errors and latency.',
      inputSchema: { ...windowFields(), include_benchmark: includeBenchmark },
      annotations: { readOnlyHint: true },
    },
    (args) => run(() => read({ report: 'sales-summary', ...scopeOf(args) })),
  );

  server.registerTool(
    'metrics_report',
    {
      title: 'Spend and savings, broken down',
      description:
        'The sales_summary figures plus breakdowns by route mix, provider/model and day, cap actions and limit reasons, and the most expensive requests (as metrics-report reports them).',
      inputSchema: {
        ...windowFields(),
        top_n: topN,
        include_benchmark: includeBenchmark,
      },
      annotations: { readOnlyHint: true },
    },
    (args) => run(() => read({ report: 'metrics-report', ...scopeOf(args), topN: args.top_n })),
  );

  server.registerTool(
    'usage_ledger',
    {
      title: 'Every call, every token, every dollar',
      description: `The ledger's calls (provider, model, provider-reported tokens and cost, status, latency): a page of the newest calls of the window (default ${DEFAULT_WINDOW.ledger}), listed oldest first. Pass next_cursor back as before for older calls; null when there are none.`,
      inputSchema: {
        ...windowFields(DEFAULT_WINDOW.ledger),
        limit: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe(
            `calls per page, newest first (default ${LEDGER_PAGE_LIMIT.default}, at most ${LEDGER_PAGE_LIMIT.max})`,
          ),
        before: z.string().min(1).optional().describe("the previous page's next_cursor: older calls"),
        include_benchmark: includeBenchmark,
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(() =>
        read({
          report: 'usage-ledger',
          ...scopeOf(args, DEFAULT_WINDOW.ledger),
          limit: pageLimit(args.limit),
          before: args.before,
        }),
      ),
  );
}
