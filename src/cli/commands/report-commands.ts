import type { Db } from '../../indexing/open-database.js';
import type { ReportWindow } from '../../report/report-window.js';
import type { CliContext } from '../cli-context.js';
import type { CommandSpec, OptionSpec } from '../command-spec.js';
import { oneOf, parsePositiveInteger } from '../option-parsers.js';
import { TextOutput } from '../write-output.js';

/** Run a report over the window the options name, against the root's ledger (see readLedgerAt). */
async function withWindowedLedger<T>(
  options: Record<string, unknown>,
  context: CliContext,
  read: (db: Db, window: ReportWindow) => T,
): Promise<T> {
  const [{ readLedgerAt }, { parseWindow, reportNow }] = await Promise.all([
    import('../../report/read-ledger.js'),
    import('../../report/report-window.js'),
  ]);
  const window = parseWindow(
    {
      window: options.window as string | undefined,
      since: options.since as string | undefined,
      until: options.until as string | undefined,
    },
    reportNow(),
  );
  return readLedgerAt(context.config.databasePath, (db) => read(db, window));
}

const windowOptions: OptionSpec[] = [
  {
    flags: '--window <window>',
    description: 'rolling window: 24h | 7d | 30d | all',
    parse: oneOf(['24h', '7d', '30d', 'all']),
  },
  { flags: '--since <date>', description: 'start (inclusive), ISO date or time, UTC' },
  { flags: '--until <date>', description: 'end (exclusive), ISO date or time, UTC' },
];

export const reportCommands: CommandSpec[] = [
  {
    name: 'sales-summary',
    summary: 'Requests by status and how they were answered, tokens, spend, and savings by cause',
    options: [
      ...windowOptions,
      { flags: '--format <format>', description: 'json | text', parse: oneOf(['json', 'text']) },
      { flags: '--include-benchmark', description: 'count benchmark rows too' },
    ],
    run: async (options, context) => {
      const { salesSummary } = await import('../../report/sales-summary.js');
      const summary = await withWindowedLedger(options, context, (db, window) =>
        salesSummary(db, window, { includeBenchmark: Boolean(options.includeBenchmark) }),
      );
      return options.format === 'text' ? new TextOutput(`${summary.summary.join('\n')}\n`) : summary;
    },
  },
  {
    name: 'metrics-report',
    summary: 'The sales-summary figures, and by route mix, provider/model and day; cap actions, top requests',
    options: [
      ...windowOptions,
      {
        flags: '--top-n <n>',
        description: 'most expensive requests to list (default 10)',
        parse: parsePositiveInteger,
      },
      { flags: '--include-benchmark', description: 'count benchmark rows too' },
    ],
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
    summary: 'Every call, every token, every dollar',
    options: [
      ...windowOptions,
      { flags: '--format <format>', description: 'json | csv', parse: oneOf(['json', 'csv']) },
      { flags: '--include-benchmark', description: 'count benchmark rows too' },
    ],
    run: async (options, context) => {
      const { usageLedger, ledgerCsv } = await import('../../report/usage-ledger-report.js');
      const defaulted = options.window === undefined && options.since === undefined && options.until === undefined;
      const ledger = await withWindowedLedger(
        defaulted ? { ...options, window: '30d' } : options,
        context,
        (db, window) => usageLedger(db, window, { includeBenchmark: Boolean(options.includeBenchmark) }),
      );
      return options.format === 'csv' ? new TextOutput(ledgerCsv(ledger.calls)) : ledger;
    },
  },
];
