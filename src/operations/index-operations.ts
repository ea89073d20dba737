import type { IndexOptions, IndexProjectResult, RefreshChangedResult } from '../indexing/index-project.js';
import { flag } from './input-fields.js';
import { defineOperation, type Workspace } from './operation.js';

const embeddings = flag('embed new chunks after indexing (off when the config disables embeddings)', true);

function indexOptions(workspace: Workspace, input: { embeddings: boolean }): IndexOptions {
  return {
    embeddings: input.embeddings,
    signal: workspace.signal,
    onWarning: workspace.warn,
    ...workspace.indexProgress,
  };
}

export const indexProjectOperation = defineOperation({
  name: 'index-project',
  description:
    'Index (or incrementally re-index) the repository: symbols and chunks with tree-sitter, BM25 in SQLite, then embeddings if enabled. Respects .gitignore. Sends a progress notification per written batch when given a progress token.',
  input: { embeddings },
  run: async (workspace, input): Promise<IndexProjectResult> => {
    // Imported on use: tree-sitter and SQLite stay out of the start-up path of every other command.
    const { indexProject } = await import('../indexing/index-project.js');
    return indexProject(workspace.config, indexOptions(workspace, input));
  },
  mcp: { title: 'Index the repository', annotations: {} },
});

export const refreshChangedFilesOperation = defineOperation({
  name: 'refresh-changed-files',
  description:
    'Re-index only the files added or changed since the last index run and drop deleted ones; lists the paths.',
  input: { embeddings },
  run: async (workspace, input): Promise<RefreshChangedResult> => {
    const { refreshChangedFiles } = await import('../indexing/index-project.js');
    return refreshChangedFiles(workspace.config, indexOptions(workspace, input));
  },
  mcp: { title: 'Re-index what changed', annotations: {} },
});
