import type { CliContext } from '../cli-context.js';
import type { CommandSpec, OptionSpec } from '../command-spec.js';
import { oneOf, parsePositiveInteger } from '../option-parsers.js';
import { TextOutput } from '../write-output.js';

/** The ledger and the window for a report: the database if it exists (migrated if older; never created), else empty. */
async function openLedger(options: Record<string, unknown>, context: CliContext) {
  const [{ existsSync }, { openDatabase }, { parseWindow, reportNow }] = await Promise.all([
    import('node:fs'), import('../../indexing/open-database.js'), import('../../report/report-window.js'),
  ]);
  const window = parseWindow({ window: options.window as string | undefined, since: options.since as string | undefined, until: options.until as string | undefined }, reportNow());
  const path = context.config.databasePath;
  return { db: existsSync(path) ? openDatabase(path) : openDatabase(':memory:'), window };
}

const windowOptions: OptionSpec[] = [
  { flags: '--window <window>', description: 'rolling window: 24h | 7d | 30d | all', parse: oneOf(['24h', '7d', '30d', 'all']) },
  { flags: '--since <date>', description: 'start (inclusive), ISO date or time, UTC' },
  { flags: '--until <date>', description: 'end (exclusive), ISO date or time, UTC' },
];

export const reportCommands: CommandSpec[] = [
  {
    name: 'sales-summary',
    summary: 'Requests, local vs external, tokens vs the naive baseline, spend and savings',
    options: [
      ...windowOptions,
      { flags: '--format <format>', description: 'json | text', parse: oneOf(['json', 'text']) },
      { flags: '--include-benchmark', description: 'count benchmark rows too' },
    ],
    run: async (options, context) => {
      const { salesSummary } = await import('../../report/sales-summary.js');
      const { db, window } = await openLedger(options, context);
      try {
        const summary = salesSummary(db, window, { includeBenchmark: Boolean(options.includeBenchmark) });
        return options.format === 'text' ? new TextOutput(`${summary.summary.join('\n')}\n`) : summary;
      } finally {
        db.close();
      }
    },
  },
  {
    name: 'metrics-report',
    summary: 'Totals by route, tier, provider, model and day; latency, errors, cap actions, cache hits',
    options: [
      ...windowOptions,
      { flags: '--top-n <n>', description: 'most expensive requests to list (default 10)', parse: parsePositiveInteger },
      { flags: '--include-benchmark', description: 'count benchmark rows too' },
    ],
    run: async (options, context) => {
      const { metricsReport } = await import('../../report/metrics-report.js');
      const { db, window } = await openLedger(options, context);
      try {
        return metricsReport(db, window, { topN: options.topN as number | undefined, includeBenchmark: Boolean(options.includeBenchmark) });
      } finally {
        db.close();
      }
    },
  },
  {
    name: 'usage-ledger-report',
    summary: 'Every call, every token, every dollar',
    options: [...windowOptions, { flags: '--format <format>', description: 'json | csv', parse: oneOf(['json', 'csv']) }],
    run: async (options, context) => {
      const { usageLedger, ledgerCsv } = await import('../../report/usage-ledger-report.js');
      const defaulted = options.window === undefined && options.since === undefined && options.until === undefined;
      const { db, window } = await openLedger(defaulted ? { ...options, window: '30d' } : options, context);
      try {
        const ledger = usageLedger(db, window);
        return options.format === 'csv' ? new TextOutput(ledgerCsv(ledger.calls)) : ledger;
      } finally {
        db.close();
      }
    },
  },
];
