import { scanProject } from '../../scan/scan-project.js';
import type { CommandSpec } from '../command-spec.js';

export const scanCommands: CommandSpec[] = [
  {
    name: 'scan-project',
    summary: 'List the files codecontext would index and why every other path is skipped',
    options: [],
    run: async (_options, context) => {
      const { config } = context;
      const result = await scanProject(
        {
          root: config.root,
          maxFileBytes: config.values.maxFileBytes,
          include: config.values.include,
          exclude: config.values.exclude,
          includeDeclarationFiles: config.values.includeDeclarationFiles,
        },
        (progress) => context.progress.update(`scanning: ${progress.files} files, ${progress.skipped} skipped`),
      );
      context.progress.done();
      return result;
    },
  },
];
