import type { CommandSpec } from '../command-spec.js';

export const indexCommands: CommandSpec[] = [
  {
    name: 'index-project',
    summary: 'Index the repository: symbols, chunks and BM25 in SQLite (then embeddings)',
    options: [{ flags: '--no-embeddings', description: 'skip the embedding pass (BM25 and symbols only)' }],
  },
  {
    name: 'refresh-changed-files',
    summary: 'Re-index only added and changed files and drop deleted ones',
    options: [{ flags: '--no-embeddings', description: 'skip embedding the changed chunks' }],
  },
];
