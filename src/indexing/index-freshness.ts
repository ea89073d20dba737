import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config/app-config.js';
import { scanOptionsFor } from '../scan/scan-options.js';
import { walkRepo, type ScannedFile } from '../scan/walk-repo.js';
import { CodeContextError } from '../shared/errors.js';
import { hashContent } from '../shared/hash.js';
import { compareWithCatalog } from './compare-catalog.js';
import { inspectDatabaseFile, refusalFor } from './inspect-database-file.js';
import { readCatalog } from './index-store.js';
import { LATEST_SCHEMA_VERSION, openDatabase } from './open-database.js';

/** How far the index is behind the tree; `indexed: false` when there is no index yet (all counts 0). */
export interface IndexFreshness {
  indexed: boolean;
  added: number;
  changed: number;
  deleted: number;
  /** Up to 5 of the paths counted above: added first, then changed, then deleted. */
  examples: string[];
}

const MAX_EXAMPLES = 5;

/**
 * What a refresh would do, without doing it: scan the tree, compare it with the catalog exactly as `refreshIndex`
 * does (compare-catalog.ts), and read the files whose size or mtime moved to tell an edit from a mere touch. Never
 * writes: the database is opened read-only and not migrated (the catalog's columns are those of the first schema),
 * and a missing or empty database is reported as `indexed: false` rather than created. A foreign or newer file is
 * refused as every reader refuses it.
 */
export async function checkIndexFreshness(
  config: AppConfig,
  options: { signal?: AbortSignal } = {},
): Promise<IndexFreshness> {
  const notIndexed: IndexFreshness = { indexed: false, added: 0, changed: 0, deleted: 0, examples: [] };
  const file = inspectDatabaseFile(config.databasePath, LATEST_SCHEMA_VERSION);
  const refusal = refusalFor(config.databasePath, file);
  if (refusal) throw refusal;
  if (file.kind !== 'ours') return notIndexed;
  const db = openDatabase(config.databasePath, { readonly: true });
  let catalog;
  try {
    // Plain queries on tables of the first schema: IndexStore prepares statements an older file may not support.
    const status = db.prepare('SELECT status FROM index_state WHERE id = 1').pluck().get();
    if (status === 'empty' || db.prepare('SELECT EXISTS (SELECT 1 FROM files)').pluck().get() !== 1) return notIndexed;
    catalog = readCatalog(db);
  } finally {
    db.close();
  }

  const files: ScannedFile[] = [];
  for await (const event of walkRepo(scanOptionsFor(config))) {
    if (event.kind === 'file') files.push(event.file);
    if (options.signal?.aborted) throw new CodeContextError('interrupted', 'interrupted: freshness check stopped');
  }
  const { tasks, deleted } = compareWithCatalog(files, catalog);
  const added: string[] = [];
  const changed: string[] = [];
  for (const task of tasks) {
    if (task.isNew) added.push(task.path);
    else if (task.knownHash === null || !sameContent(task.absolutePath, task.knownHash)) changed.push(task.path);
  }
  added.sort();
  changed.sort();
  return {
    indexed: true,
    added: added.length,
    changed: changed.length,
    deleted: deleted.length,
    examples: [...added, ...changed, ...deleted].slice(0, MAX_EXAMPLES),
  };
}

/** Whether a file still has the catalog's hash (a touch or a checkout that restored the bytes is no change). */
function sameContent(absolutePath: string, knownHash: string): boolean {
  try {
    return hashContent(readFileSync(absolutePath)) === knownHash;
  } catch {
    return false;
  }
}
