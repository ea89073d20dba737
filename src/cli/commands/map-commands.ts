import type { RepoMapResult } from '../../pack/repo-map.js';
import type { CommandSpec } from '../command-spec.js';

export const mapCommands: CommandSpec[] = [
  {
    name: 'repo-map',
    summary: 'Files and their top symbols, ranked by the reference graph, fitted to a token budget',
    options: [],
    operation: { load: async () => (await import('../../operations/retrieve-operations.js')).repoMapOperation },
    render: {
      text: (map: RepoMapResult) => map.text,
      markdown: (map: RepoMapResult) =>
        `# Repository map\n\n${map.lines_shown} of ${map.lines_total} lines, ${map.tokens} of ${map.budget} tokens (${map.encoding})\n\n\`\`\`\n${map.text}\`\`\`\n`,
    },
  },
];
