import type { CliContext } from '../cli-context.js';
import type { CommandSpec } from '../command-spec.js';
import { renderIndex, renderRefresh } from '../render/render-scan.js';
import { bothFormats } from '../render/render-table.js';
import type { IndexOptions } from '../../indexing/index-project.js';

function refreshOptions(context: CliContext, options: Record<string, unknown>): IndexOptions {
  return {
    embeddings: options.embeddings !== false,
    onEmbedProgress: (progress) => {
      context.progress.update(`embedding: ${progress.done}/${progress.total} chunks`);
      if (progress.done === progress.total) context.progress.done();
    },
    signal: context.signal,
    onWarning: (message) => context.warn(message),
    onProgress: (progress) => {
      if (progress.phase === 'scan') context.progress.update(`scanning: ${progress.done} files`);
      else if (progress.phase === 'parse' && progress.total > 0) {
        const percent = Math.floor((100 * progress.done) / progress.total);
        context.progress.update(`indexing: ${progress.done}/${progress.total} files (${percent}%)`);
      } else context.progress.done();
    },
  };
}

export const indexCommands: CommandSpec[] = [
  {
    name: 'index-project',
    summary: 'Index the repository: symbols, chunks and BM25 in SQLite (then embeddings)',
    options: [{ flags: '--no-embeddings', description: 'skip the embedding pass (BM25 and symbols only)' }],
    render: bothFormats(renderIndex),
    run: async (options, context) => {
      // Imported on use: tree-sitter and SQLite stay out of the start-up path of every other command.
      const { indexProject } = await import('../../indexing/index-project.js');
      return indexProject(context.config, refreshOptions(context, options));
    },
  },
  {
    name: 'refresh-changed-files',
    summary: 'Re-index only added and changed files and drop deleted ones',
    options: [{ flags: '--no-embeddings', description: 'skip embedding the changed chunks' }],
    render: bothFormats(renderRefresh),
    run: async (options, context) => {
      const { refreshChangedFiles } = await import('../../indexing/index-project.js');
      return refreshChangedFiles(context.config, refreshOptions(context, options));
    },
  },
];
