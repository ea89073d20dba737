import { CONTEXT_STYLES } from '../../pack/render-context.js';
import type { CommandSpec } from '../command-spec.js';
import { oneOf, parseBoundedInteger } from '../option-parsers.js';
import { MAX_TOKEN_BUDGET, MAX_TOP_K } from '../../shared/input-limits.js';
import { renderPack } from '../render/render-pack.js';
import { renderSearch } from '../render/render-search.js';
import { bothFormats } from '../render/render-table.js';
import { GOAL_INPUT, QUERY_INPUT, readTextInput, textInputOptions } from '../text-input.js';

export const retrieveCommands: CommandSpec[] = [
  {
    name: 'search-project',
    summary: 'Rank the chunks (or files) of the index for a query',
    options: [
      ...textInputOptions(QUERY_INPUT),
      {
        flags: '--top-k <n>',
        description: 'how many results (default: default_top_k)',
        parse: parseBoundedInteger(MAX_TOP_K),
      },
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
      {
        flags: '--top-k <n>',
        description: 'chunks to consider (default: default_top_k)',
        parse: parseBoundedInteger(MAX_TOP_K),
      },
      {
        flags: '--token-budget <n>',
        description: 'hard budget of the rendered context (default: default_context_budget_tokens)',
        parse: parseBoundedInteger(MAX_TOKEN_BUDGET),
      },
      { flags: '--encoding <name>', description: "token encoding (o200k_base | cl100k_base; default: the model's)" },
      {
        flags: '--style <style>',
        description: `how the context is written: ${CONTEXT_STYLES.join(' | ')} (default markdown)`,
        parse: oneOf(CONTEXT_STYLES),
      },
      { flags: '-o, --output <file>', description: 'write the context to FILE; stdout gets the metadata only' },
    ],
    render: renderPack,
    run: async (options, context) => {
      const [{ prepareContextPack }, { checkOutputFile, writeOutputFile }] = await Promise.all([
        import('../../pack/prepare-context-pack.js'),
        import('../../shared/write-output-file.js'),
      ]);
      const output = options.output as string | undefined;
      if (output !== undefined) checkOutputFile(output, '--output');
      const pack = await prepareContextPack(context.config, {
        goal: (await readTextInput(options, GOAL_INPUT)) as string,
        topK: options.topK as number | undefined,
        tokenBudget: options.tokenBudget as number | undefined,
        encoding: options.encoding as string | undefined,
        style: options.style as string | undefined,
        onWarning: (message) => context.warn(message),
      });
      if (output === undefined) return pack;
      const { context: text, ...metadata } = pack;
      return { ...metadata, output: writeOutputFile(output, text, '--output') };
    },
  },
];
