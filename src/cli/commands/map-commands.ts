import type { RepoMapResult } from '../../pack/repo-map.js';
import type { CommandSpec } from '../command-spec.js';
import { parseBoundedInteger } from '../option-parsers.js';
import { MAX_TOKEN_BUDGET } from '../../shared/input-limits.js';

export const mapCommands: CommandSpec[] = [
  {
    name: 'repo-map',
    summary: 'Files and their top symbols, ranked by the reference graph, fitted to a token budget',
    options: [
      {
        flags: '--token-budget <n>',
        description: 'hard budget of the rendered map (default 1024)',
        parse: parseBoundedInteger(MAX_TOKEN_BUDGET),
      },
      { flags: '--encoding <name>', description: "token encoding (o200k_base | cl100k_base; default: the model's)" },
    ],
    render: {
      text: (map: RepoMapResult) => map.text,
      markdown: (map: RepoMapResult) =>
        `# Repository map\n\n${map.lines_shown} of ${map.lines_total} lines, ${map.tokens} of ${map.budget} tokens (${map.encoding})\n\n\`\`\`\n${map.text}\`\`\`\n`,
    },
    run: async (options, context) => {
      const { buildRepoMap } = await import('../../pack/repo-map.js');
      return buildRepoMap(context.config, {
        tokenBudget: options.tokenBudget as number | undefined,
        encoding: options.encoding as string | undefined,
        signal: context.signal,
      });
    },
  },
];
