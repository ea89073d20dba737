import path from 'node:path';
import { IndexStore, PARSER_VERSION } from './index-store.js';
import type { Db } from './open-database.js';
import { processFile } from './process-file.js';

export type OneFileRefresh = 'refreshed' | 'unchanged' | 'not_indexed' | 'unreadable';

/**
 * Bring one already-indexed file up to date (after apply-patch or rollback-patch wrote it), without walking the
 * tree. A path the index does not hold is left alone: it may be ignored, and the next refresh decides. The file's
 * chunks lose their vectors until the next `index-project` embeds them again. `absolutePath` is where to read it:
 * apply-patch passes a path through its open directory handle, so the entry holds the bytes it wrote.
 */
export function refreshOneFile(
  db: Db,
  root: string,
  relativePath: string,
  absolutePath = path.join(root, relativePath),
): OneFileRefresh {
  const store = new IndexStore(db);
  const entry = store.fileEntry(relativePath);
  if (!entry) return 'not_indexed';
  const outcome = processFile({
    path: relativePath,
    absolutePath,
    language: entry.language,
    knownHash: entry.parserVersion === PARSER_VERSION ? entry.contentHash : null,
  });
  if (outcome.kind === 'unreadable') return 'unreadable';
  if (outcome.kind === 'unchanged') {
    store.writeBatch([], [outcome], [], 0);
    return 'unchanged';
  }
  store.writeBatch([outcome.file], [], [], store.nextGeneration());
  return 'refreshed';
}
