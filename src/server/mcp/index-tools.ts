import { indexProject, refreshChangedFiles } from '../../indexing/index-project.js';
import { indexOptions } from './index-progress.js';
import { embeddings } from './input-fields.js';
import type { ToolContext } from './tool-context.js';

/** index_project and refresh_changed_files, with a progress notification per written batch. */
export function registerIndexTools({ server, config, warn, run }: ToolContext): void {
  server.registerTool(
    'index_project',
    {
      title: 'Index the repository',
      description:
        'Index (or incrementally re-index) the repository: symbols and chunks with tree-sitter, BM25 in SQLite, then embeddings if enabled. Respects .gitignore. Sends a progress notification per written batch when given a progress token.',
      inputSchema: { embeddings },
    },
    (args, extra) => run(() => indexProject(config, indexOptions(extra, args.embeddings, warn))),
  );

  server.registerTool(
    'refresh_changed_files',
    {
      title: 'Re-index what changed',
      description:
        'Re-index only the files added or changed since the last index run and drop deleted ones; lists the paths.',
      inputSchema: { embeddings },
    },
    (args, extra) => run(() => refreshChangedFiles(config, indexOptions(extra, args.embeddings, warn))),
  );
}
