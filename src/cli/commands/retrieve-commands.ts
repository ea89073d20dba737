import type { ContextPack } from '../../pack/pack-context.js';
import type { CommandSpec } from '../command-spec.js';
import { oneOf, parsePositiveInteger } from '../option-parsers.js';

/** A pack as printed: the whole pack, or with `-o` its metadata and where the context went. */
type PrintedPack = ContextPack | (Omit<ContextPack, 'context'> & { output: string });

const FENCE_OF_STYLE = { markdown: '', xml: 'xml', plain: 'text' } as const;

/** A fence longer than any backtick run in the text, so the text cannot close it. */
function fenced(text: string, language: string): string {
  const fence = '`'.repeat(Math.max(2, ...[...text.matchAll(/`+/g)].map((run) => run[0].length)) + 1);
  return `${fence}${language}\n${text}${fence}\n`;
}

/** On a terminal the context itself (what one pastes); with `-o`, one line saying where it went. */
function packText(pack: PrintedPack): string {
  if ('output' in pack)
    return `wrote ${pack.tokens_used} of ${pack.budget} tokens (${pack.chunks.length} blocks) to ${pack.output}`;
  return pack.context === '' ? '(nothing in the index matched the goal)' : pack.context;
}

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
      {
        flags: '--style <style>',
        description: 'how the context is written: markdown | xml | plain (default markdown)',
        parse: oneOf(['markdown', 'xml', 'plain']),
      },
      { flags: '-o, --output <file>', description: 'write the context to FILE; stdout gets the metadata only' },
    ],
    render: {
      text: packText,
      markdown: (pack: PrintedPack) =>
        'output' in pack || (pack.style ?? 'markdown') === 'markdown'
          ? packText(pack)
          : fenced(pack.context, FENCE_OF_STYLE[pack.style!]),
    },
    run: async (options, context) => {
      const [{ prepareContextPack }, { checkOutputFile, writeOutputFile }] = await Promise.all([
        import('../../pack/prepare-context-pack.js'),
        import('../../shared/write-output-file.js'),
      ]);
      const output = options.output as string | undefined;
      if (output !== undefined) checkOutputFile(output, '--output');
      const pack = await prepareContextPack(context.config, {
        goal: options.goal as string,
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
