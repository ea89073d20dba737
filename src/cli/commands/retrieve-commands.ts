import type { CommandSpec } from '../command-spec.js';
import { parsePositiveInteger } from '../option-parsers.js';
import { renderSearch } from '../render/render-search.js';
import { bothFormats } from '../render/render-table.js';
import { GOAL_INPUT, QUERY_INPUT, readTextInput, textInputOptions } from '../text-input.js';

export const retrieveCommands: CommandSpec[] = [
  {
    name: 'search-project',
    summary: 'Rank the chunks (or files) of the index for a query',
    options: [
      ...textInputOptions(QUERY_INPUT),
      { flags: '--top-k <n>', description: 'how many results (default: default_top_k)', parse: parsePositiveInteger },
      { flags: '--files', description: 'rank files instead of chunks' },
    ],
    render: bothFormats(renderSearch),
    run: async (options, context) => {
      const query = (await readTextInput(options, QUERY_INPUT)) as string;
      const { searchProject } = await import('../../retrieve/search-project.js');
      return searchProject(context.config, {
        query,
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
      ...textInputOptions(GOAL_INPUT),
      { flags: '--top-k <n>', description: 'chunks to consider (default: default_top_k)', parse: parsePositiveInteger },
      {
        flags: '--token-budget <n>',
        description: 'hard budget of the rendered context (default: default_context_budget_tokens)',
        parse: parsePositiveInteger,
      },
      { flags: '--encoding <name>', description: "token encoding (o200k_base | cl100k_base; default: the model's)" },
    ],
    run: async (options, context) => {
      const goal = (await readTextInput(options, GOAL_INPUT)) as string;
      const { prepareContextPack } = await import('../../pack/prepare-context-pack.js');
      return prepareContextPack(context.config, {
        goal,
        topK: options.topK as number | undefined,
        tokenBudget: options.tokenBudget as number | undefined,
        encoding: options.encoding as string | undefined,
        onWarning: (message) => context.warn(message),
      });
    },
  },
];
