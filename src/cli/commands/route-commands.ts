import type { CommandSpec, OptionSpec } from '../command-spec.js';
import { parsePositiveInteger } from '../option-parsers.js';

const requestOptions: OptionSpec[] = [
  { flags: '--goal <text>', description: 'the task in your own words', required: true },
  { flags: '--top-k <n>', description: 'chunks to consider (default: default_top_k)', parse: parsePositiveInteger },
  { flags: '--token-budget <n>', description: 'context budget in tokens (default: default_context_budget_tokens)', parse: parsePositiveInteger },
  { flags: '--session <id>', description: 'do not resend chunks already sent in this session' },
  { flags: '--explain', description: 'print why the request was routed as it was (stderr)' },
];

export const routeCommands: CommandSpec[] = [
  {
    name: 'auto-start-request',
    summary: 'Classify, pack, route, call the chosen model (or dry-run) and log the real cost',
    options: requestOptions,
  },
  {
    name: 'route-request',
    summary: 'Pack and route a goal and print the payload, without calling anything (pending in the ledger)',
    options: requestOptions,
  },
  {
    name: 'handle-remote-response',
    summary: 'Record a response obtained elsewhere against a pending route-request',
    options: [
      { flags: '--response-file <file>', description: 'the reply (an OpenAI/Anthropic JSON body, or plain text)', required: true },
      { flags: '--run-id <id>', description: 'the pending run (default: the newest pending one)' },
    ],
  },
];
