import type { CommandSpec } from '../command-spec.js';
import { renderPack } from '../render/render-pack.js';
import { renderSearch } from '../render/render-search.js';
import { bothFormats } from '../render/render-table.js';

const retrieveOperations = () => import('../../operations/retrieve-operations.js');

export const retrieveCommands: CommandSpec[] = [
  {
    name: 'search-project',
    summary: 'Rank the chunks (or files) of the index for a query',
    options: [],
    operation: {
      load: async () => (await retrieveOperations()).searchProjectOperation,
      texts: { query: { dashIsStdin: true } },
    },
    render: bothFormats(renderSearch),
  },
  {
    name: 'prepare-context-pack',
    summary: 'Pack the code that matters for a goal into a token budget',
    options: [
      { flags: '-o, --output <file>', description: 'write the context to FILE; stdout gets the metadata only' },
    ],
    operation: {
      load: async () => (await retrieveOperations()).prepareContextPackOperation,
      texts: { goal: { dashIsStdin: true } },
      around: async (run, input, options) => {
        const { checkOutputFile, writeOutputFile } = await import('../../shared/write-output-file.js');
        const output = options.output as string | undefined;
        // Before the pack is made: a path that cannot be written should not cost a ranking first.
        if (output !== undefined) checkOutputFile(output, '--output');
        const pack = (await run(input)) as { context: string };
        if (output === undefined) return pack;
        const { context: text, ...metadata } = pack;
        return { ...metadata, output: writeOutputFile(output, text, '--output') };
      },
    },
    render: renderPack,
  },
];
