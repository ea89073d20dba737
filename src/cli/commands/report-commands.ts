import type { Db } from '../../indexing/open-database.js';
import {
  DEFAULT_WINDOW,
  reportWindow,
  WINDOW_FORMS,
  type ReportWindow,
  type WindowForm,
} from '../../report/report-window.js';
import type { CliContext } from '../cli-context.js';
import type { CommandSpec, OptionSpec } from '../command-spec.js';
import { oneOf, parseBoundedInteger, parsePositiveInteger } from '../option-parsers.js';
import { CodeContextError } from '../../shared/errors.js';
import { MAX_TOP_N } from '../../shared/input-limits.js';
import { StreamOutput, TextOutput } from '../write-output.js';
import { renderLedger, renderMetrics } from '../render/render-reports.js';
import { bothFormats } from '../render/render-table.js';

/** The window the options name (`--window`, `--since`, `--until`); `defaultForm` when they name none. */
function windowFrom(options: Record<string, unknown>, defaultForm: WindowForm = DEFAULT_WINDOW.summary): ReportWindow {
  return reportWindow(
    {
      window: options.window as string | undefined,
      since: options.since as string | undefined,
      until: options.until as string | undefined,
    },
    defaultForm,
  );
}

/** Run a report over the window the options name, against the root's ledger (see readLedgerAt). */
async function withWindowedLedger<T>(
  options: Record<string, unknown>,
  context: CliContext,
  read: (db: Db, window: ReportWindow) => T,
  defaultForm?: WindowForm,
): Promise<T> {
  const window = windowFrom(options, defaultForm);
  const { readLedgerAt } = await import('../../report/read-ledger.js');
  return readLedgerAt(context.config.databasePath, (db) => read(db, window));
}

const windowOptions = (defaultForm: WindowForm = DEFAULT_WINDOW.summary): OptionSpec[] => [
  {
    flags: '--window <window>',
    description: `rolling window: ${WINDOW_FORMS.join(' | ')} (default ${defaultForm} unless --since/--until)`,
    parse: oneOf(WINDOW_FORMS),
  },
  { flags: '--since <date>', description: 'start (inclusive), ISO date or time, UTC' },
  { flags: '--until <date>', description: 'end (exclusive), ISO date or time, UTC' },
];

export const reportCommands: CommandSpec[] = [
  {
    name: 'sales-summary',
    summary: 'Requests by status and how they were answered, tokens, spend, and savings by cause',
    options: [...windowOptions(), { flags: '--include-benchmark', description: 'count benchmark rows too' }],
    render: { text: (summary: { summary: string[] }) => summary.summary.join('\n') },
    run: async (options, context) => {
      const { salesSummary } = await import('../../report/sales-summary.js');
      return withWindowedLedger(options, context, (db, window) =>
        salesSummary(db, window, { includeBenchmark: Boolean(options.includeBenchmark) }),
      );
    },
  },
  {
    name: 'metrics-report',
    summary: 'The sales-summary figures, and by route mix, provider/model and day; cap actions, top requests',
    options: [
      ...windowOptions(),
      {
        flags: '--top-n <n>',
        description: 'most expensive requests to list (default 10)',
        parse: parseBoundedInteger(MAX_TOP_N),
      },
      { flags: '--include-benchmark', description: 'count benchmark rows too' },
    ],
    render: bothFormats(renderMetrics),
    run: async (options, context) => {
      const { metricsReport } = await import('../../report/metrics-report.js');
      return withWindowedLedger(options, context, (db, window) =>
        metricsReport(db, window, {
          topN: options.topN as number | undefined,
          includeBenchmark: Boolean(options.includeBenchmark),
        }),
      );
    },
  },
  {
    name: 'usage-ledger-report',
    summary: 'Every call, every token, every dollar: a page of the newest calls, or --all',
    options: [
      ...windowOptions(DEFAULT_WINDOW.ledger),
      { flags: '--include-benchmark', description: 'count benchmark rows too' },
      {
        flags: '--limit <n>',
        description: 'calls per page, newest first (default 100, at most 1000)',
        parse: parsePositiveInteger,
      },
      { flags: '--before <cursor>', description: "the previous page's next_cursor: older calls" },
      { flags: '--all', description: 'every call of the window, oldest first, written as it is read (json or csv)' },
    ],
    render: bothFormats(renderLedger),
    ownFormats: ['csv'],
    run: async (options, context) => {
      const [report, { ledgerCsv }] = await Promise.all([
        import('../../report/usage-ledger-report.js'),
        import('../../report/ledger-csv.js'),
      ]);
      const format = options.format === 'csv' ? 'csv' : 'json';
      if (options.all && (options.format === 'text' || options.format === 'markdown'))
        throw new CodeContextError('usage', '--all writes json or csv');
      const includeBenchmark = Boolean(options.includeBenchmark);
      if (options.all) {
        if (options.limit !== undefined || options.before !== undefined)
          throw new CodeContextError('usage', '--all cannot be combined with --limit or --before');
        const { usageLedgerExport } = await import('../../report/usage-ledger-export.js');
        const window = windowFrom(options, DEFAULT_WINDOW.ledger);
        return new StreamOutput(usageLedgerExport(context.config.databasePath, window, { includeBenchmark, format }));
      }
      const page = await withWindowedLedger(
        options,
        context,
        (db, window) =>
          report.usageLedger(db, window, {
            includeBenchmark,
            limit: options.limit as number | undefined,
            before: options.before as string | undefined,
          }),
        DEFAULT_WINDOW.ledger,
      );
      if (format === 'json') return page;
      if (page.next_cursor !== null)
        context.warn(
          `the newest ${page.limit} calls of the window; older ones: --before ${page.next_cursor}, or --all for every call`,
        );
      return new TextOutput(ledgerCsv(page.calls));
    },
  },
];
