import type { CommandSpec } from '../command-spec.js';
import { parsePositiveInteger } from '../option-parsers.js';

export const retrieveCommands: CommandSpec[] = [
  {
    name: 'search-project',
    summary: 'Rank the chunks (or files) of the index for a query',
    options: [
      { flags: '--query <text>', description: 'what to look for (raw text; never FTS syntax)', required: true },
      { flags: '--top-k <n>', description: 'how many results (default: default_top_k)', parse: parsePositiveInteger },
      { flags: '--files', description: 'rank files instead of chunks' },
    ],
    run: async (options, context) => {
      const { searchProject } = await import('../../retrieve/search-project.js');
      return searchProject(context.config, {
        query: options.query as string,
        topK: options.topK as number | undefined,
        files: Boolean(options.files),
        onWarning: (message) => context.warn(message),
      });
    },
  },
  {
    name: 'prepare-context-pack',
    summary: 'Pack the code that matters for a goal into a token budget',
    options: [
      { flags: '--goal <text>', description: 'the task in your own words', required: true },
      { flags: '--top-k <n>', description: 'chunks to consider (default: default_top_k)', parse: parsePositiveInteger },
      {
        flags: '--token-budget <n>',
        description: 'hard budget of the rendered context (default: default_context_budget_tokens)',
        parse: parsePositiveInteger,
      },
      { flags: '--encoding <name>', description: "token encoding (o200k_base | cl100k_base; default: the model's)" },
    ],
    run: async (options, context) => {
      const { prepareContextPack } = await import('../../pack/prepare-context-pack.js');
      return prepareContextPack(context.config, {
        goal: options.goal as string,
        topK: options.topK as number | undefined,
        tokenBudget: options.tokenBudget as number | undefined,
        encoding: options.encoding as string | undefined,
        onWarning: (message) => context.warn(message),
      });
    },
  },
];
