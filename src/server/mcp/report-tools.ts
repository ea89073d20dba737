import { z } from 'zod';
import { runReport } from '../../report/gateway-reports.js';
import { readLedgerAt } from '../../report/read-ledger.js';
import { parseWindow, reportNow, type ReportWindow } from '../../report/report-window.js';
import { LEDGER_PAGE_LIMIT, pageLimit } from '../../report/usage-ledger-report.js';
import { includeBenchmark, windowFields } from './input-fields.js';
import type { ToolContext } from './tool-context.js';

type WindowArgs = { window?: string; since?: string; until?: string };

function windowOf(args: WindowArgs, defaultWindow?: string): ReportWindow {
  const defaulted = args.window === undefined && args.since === undefined && args.until === undefined;
  return parseWindow({ ...args, window: defaulted ? defaultWindow : args.window }, reportNow());
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
      inputSchema: { ...windowFields, include_benchmark: includeBenchmark },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(() =>
        read({ report: 'sales-summary', window: windowOf(args), includeBenchmark: args.include_benchmark ?? false }),
      ),
  );

  server.registerTool(
    'metrics_report',
    {
      title: 'Spend and savings, broken down',
      description:
        'The sales_summary figures plus breakdowns by route mix, provider/model and day, cap actions and limit reasons, and the most expensive requests (as metrics-report reports them).',
      inputSchema: {
        ...windowFields,
        top_n: z.number().int().min(1).optional().describe('most expensive requests to list (default 10)'),
        include_benchmark: includeBenchmark,
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(() =>
        read({
          report: 'metrics-report',
          window: windowOf(args),
          topN: args.top_n,
          includeBenchmark: args.include_benchmark ?? false,
        }),
      ),
  );

  server.registerTool(
    'usage_ledger',
    {
      title: 'Every call, every token, every dollar',
      description: `The ledger's calls (provider, model, provider-reported tokens and cost, status, latency): a page of the newest calls of the window (default 30d), listed oldest first. Pass next_cursor back as before for older calls; null when there are none.`,
      inputSchema: {
        ...windowFields,
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
          window: windowOf(args, '30d'),
          includeBenchmark: args.include_benchmark ?? false,
          limit: pageLimit(args.limit),
          before: args.before,
        }),
      ),
  );
}
