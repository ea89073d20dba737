import type { ScannedFile } from '../scan/walk-repo.js';
import { PARSER_VERSION, type CatalogEntry } from './index-store.js';
import type { FileTask } from './process-file.js';

export interface CatalogComparison {
  /** Files to read: new ones (`isNew`), and known ones whose size or mtime moved (`knownHash` set) or whose parser is old. */
  tasks: Array<FileTask & { isNew: boolean }>;
  /** Same size, same mtime, current parser: not read. */
  unchanged: number;
  /** Catalog paths the scan did not produce, sorted. */
  deleted: string[];
}

/**
 * Step 2 of the refresh algorithm (README.md): the scanned tree against the catalog by size + mtime. Shared by
 * `refreshIndex` (which then parses the tasks) and `checkIndexFreshness` (which only counts them), so "what
 * changed" means the same thing in both. `catalog` is not modified.
 */
export function compareWithCatalog(
  files: readonly ScannedFile[],
  catalog: ReadonlyMap<string, CatalogEntry>,
): CatalogComparison {
  const tasks: CatalogComparison['tasks'] = [];
  const seen = new Set<string>();
  let unchanged = 0;
  for (const file of files) {
    seen.add(file.path);
    const known = catalog.get(file.path);
    const current = known?.parserVersion === PARSER_VERSION;
    if (known && current && known.mtimeMs === file.mtimeMs && known.size === file.bytes) {
      unchanged++;
      continue;
    }
    tasks.push({
      path: file.path,
      absolutePath: file.absolutePath,
      language: file.language,
      knownHash: known && current ? known.contentHash : null,
      isNew: !known,
    });
  }
  const deleted = [...catalog.keys()].filter((path) => !seen.has(path)).sort();
  return { tasks, unchanged, deleted };
}
