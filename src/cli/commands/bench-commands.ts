import type { Db } from '../../indexing/open-database.js';
import type { CliContext } from '../cli-context.js';
import type { CommandSpec } from '../command-spec.js';
import { parsePositiveInteger } from '../option-parsers.js';
import { renderBenchmark } from '../render/render-benchmark.js';
import { bothFormats } from '../render/render-table.js';

/** Read the root's ledger (see readLedgerAt); with no database, the reports say there is no run yet. */
async function withLedger<T>(context: CliContext, read: (db: Db) => T): Promise<T> {
  const { readLedgerAt } = await import('../../report/read-ledger.js');
  return readLedgerAt(context.config.databasePath, read);
}

export const benchCommands: CommandSpec[] = [
  {
    name: 'benchmark-run',
    summary: 'Measure token reduction and gold recall on a task set (dry run unless a provider is enabled)',
    options: [
      { flags: '--dataset <name>', description: 'task set under bench/datasets', defaultValue: 'default' },
      { flags: '--runs <n>', description: 'repeat and report mean/min/max', parse: parsePositiveInteger },
      {
        flags: '--from-git <n>',
        description: "build the tasks from the repository's last N fix commits",
        parse: parsePositiveInteger,
      },
    ],
    render: bothFormats(renderBenchmark),
    run: async (options, context) => {
      const { runBenchmark } = await import('../../bench/run-benchmark.js');
      if (options.fromGit !== undefined) {
        const { taskSetFromGit } = await import('../../bench/git-task-set.js');
        const built = taskSetFromGit(context.config.root, options.fromGit as number);
        try {
          return await runBenchmark(context.config, {
            taskSet: built.taskSet,
            runs: options.runs as number | undefined,
          });
        } finally {
          built.cleanup();
        }
      }
      return runBenchmark(context.config, {
        dataset: options.dataset as string,
        runs: options.runs as number | undefined,
      });
    },
  },
  {
    name: 'benchmark-report',
    summary: 'The per-task table of a benchmark run',
    options: [{ flags: '--run-id <id>', description: 'which run (default: the last one)' }],
    render: bothFormats(renderBenchmark),
    run: async (options, context) => {
      const { benchmarkReport } = await import('../../report/benchmark-report.js');
      return withLedger(context, (db) => benchmarkReport(db, options.runId as string | undefined));
    },
  },
  {
    name: 'benchmark-sales-summary',
    summary: 'The savings statement of a benchmark run, with its method',
    options: [{ flags: '--run-id <id>', description: 'which run (default: the last one)' }],
    render: { text: (summary: { statement: string; method: string }) => `${summary.statement}\n\n${summary.method}` },
    run: async (options, context) => {
      const { benchmarkSalesSummary } = await import('../../report/benchmark-report.js');
      return withLedger(context, (db) => benchmarkSalesSummary(db, options.runId as string | undefined));
    },
  },
];
