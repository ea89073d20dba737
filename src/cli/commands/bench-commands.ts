import type { CommandSpec } from '../command-spec.js';
import { parsePositiveInteger } from '../option-parsers.js';

export const benchCommands: CommandSpec[] = [
  {
    name: 'benchmark-run',
    summary: 'Measure token reduction and gold recall on a task set (dry run unless a provider is enabled)',
    options: [
      { flags: '--dataset <name>', description: 'task set under bench/datasets', defaultValue: 'default' },
      { flags: '--runs <n>', description: 'repeat and report mean/min/max', parse: parsePositiveInteger },
      { flags: '--from-git <n>', description: "build the tasks from the repository's last N fix commits", parse: parsePositiveInteger },
    ],
  },
  {
    name: 'benchmark-report',
    summary: 'The per-task table of a benchmark run',
    options: [{ flags: '--run-id <id>', description: 'which run (default: the last one)' }],
  },
  {
    name: 'benchmark-sales-summary',
    summary: 'The savings statement of a benchmark run, with its method',
    options: [{ flags: '--run-id <id>', description: 'which run (default: the last one)' }],
  },
];
