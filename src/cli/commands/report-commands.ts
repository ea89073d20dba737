import type { LedgerPage } from '../../report/usage-ledger-report.js';
import type { CommandSpec } from '../command-spec.js';
import { CodeContextError } from '../../shared/errors.js';
import { StreamOutput, TextOutput } from '../write-output.js';
import { renderLedger, renderMetrics } from '../render/render-reports.js';
import { bothFormats } from '../render/render-table.js';

const reportOperations = () => import('../../operations/report-operations.js');

export const reportCommands: CommandSpec[] = [
  {
    name: 'sales-summary',
    summary: 'Requests by status and how they were answered, tokens, spend, and savings by cause',
    options: [],
    operation: { load: async () => (await reportOperations()).salesSummaryOperation },
    render: { text: (summary: { summary: string[] }) => summary.summary.join('\n') },
  },
  {
    name: 'metrics-report',
    summary: 'The sales-summary figures, and by route mix, provider/model and day; cap actions, top requests',
    options: [],
    operation: { load: async () => (await reportOperations()).metricsReportOperation },
    render: bothFormats(renderMetrics),
  },
  {
    name: 'usage-ledger-report',
    summary: 'Every call, every token, every dollar: a page of the newest calls, or --all',
    options: [
      { flags: '--all', description: 'every call of the window, oldest first, written as it is read (json or csv)' },
    ],
    operation: {
      load: async () => (await reportOperations()).usageLedgerOperation,
      around: async (run, input, options, context) => {
        const format = options.format === 'csv' ? 'csv' : 'json';
        if (options.all) {
          if (options.format === 'text' || options.format === 'markdown')
            throw new CodeContextError('usage', '--all writes json or csv');
          if (input.limit !== undefined || input.before !== undefined)
            throw new CodeContextError('usage', '--all cannot be combined with --limit or --before');
          const [{ usageLedgerExport }, { streamFromLedger }, { DEFAULT_WINDOW }, { reportScope }] = await Promise.all([
            import('../../report/usage-ledger-export.js'),
            import('../../report/read-ledger.js'),
            import('../../report/report-window.js'),
            reportOperations(),
          ]);
          const { window, includeBenchmark } = reportScope(
            input as Parameters<typeof reportScope>[0],
            DEFAULT_WINDOW.ledger,
          );
          return new StreamOutput(
            streamFromLedger(context.config, (store) => usageLedgerExport(store, window, { includeBenchmark, format })),
          );
        }
        const page = (await run(input)) as LedgerPage;
        if (format === 'json') return page;
        if (page.next_cursor !== null)
          context.warn(
            `the newest ${page.limit} calls of the window; older ones: --before ${page.next_cursor}, or --all for every call`,
          );
        const { ledgerCsv } = await import('../../report/ledger-csv.js');
        return new TextOutput(ledgerCsv(page.calls));
      },
    },
    render: bothFormats(renderLedger),
    ownFormats: ['csv'],
  },
];
