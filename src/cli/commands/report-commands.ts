import type { CommandSpec, OptionSpec } from '../command-spec.js';
import { oneOf, parsePositiveInteger } from '../option-parsers.js';

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
  },
  {
    name: 'metrics-report',
    summary: 'Totals by route, tier, provider, model and day; latency, errors, cap actions, cache hits',
    options: [...windowOptions, { flags: '--top-n <n>', description: 'most expensive requests to list', parse: parsePositiveInteger }],
  },
  {
    name: 'usage-ledger-report',
    summary: 'Every call, every token, every dollar',
    options: [...windowOptions, { flags: '--format <format>', description: 'json | csv', parse: oneOf(['json', 'csv']) }],
  },
];
