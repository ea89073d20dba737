import type { CommandSpec } from '../command-spec.js';
import { renderIndex, renderRefresh } from '../render/render-scan.js';
import { bothFormats } from '../render/render-table.js';

const indexOperations = () => import('../../operations/index-operations.js');

export const indexCommands: CommandSpec[] = [
  {
    name: 'index-project',
    summary: 'Index the repository: symbols, chunks and BM25 in SQLite (then embeddings)',
    options: [],
    operation: { load: async () => (await indexOperations()).indexProjectOperation },
    render: bothFormats(renderIndex),
  },
  {
    name: 'refresh-changed-files',
    summary: 'Re-index only added and changed files and drop deleted ones',
    options: [],
    operation: { load: async () => (await indexOperations()).refreshChangedFilesOperation },
    render: bothFormats(renderRefresh),
  },
];
