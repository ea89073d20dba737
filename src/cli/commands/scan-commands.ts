import type { CommandSpec } from '../command-spec.js';
import { renderScan } from '../render/render-scan.js';
import { bothFormats } from '../render/render-table.js';

export const scanCommands: CommandSpec[] = [
  {
    name: 'scan-project',
    summary: 'List the files codecontext would index and why every other path is skipped',
    options: [],
    render: bothFormats(renderScan),
    run: async (_options, context) => {
      const [{ scanOptionsFor }, { scanProject }] = await Promise.all([
        import('../../scan/scan-options.js'),
        import('../../scan/scan-project.js'),
      ]);
      const result = await scanProject(scanOptionsFor(context.config), (progress) =>
        context.progress.update(`scanning: ${progress.files} files, ${progress.skipped} skipped`),
      );
      context.progress.done();
      return result;
    },
  },
];
