import { statSync } from 'node:fs';
import path from 'node:path';
import type { ScanFs } from '../scan/scan-fs.js';
import type { WalkOptions } from '../scan/walk-repo.js';
import { cachedStatement, type Db } from './open-database.js';
import { PARSER_VERSION } from './index-store.js';

/** An absolute path, its mtime, its size (0 for a directory) and whether it is a directory (1) or a file (0). */
export type SnapshotEntry = [absolutePath: string, mtimeMs: number, size: number, directory: 0 | 1];

/**
 * What a scan looked at besides the files it kept: every directory it listed (a file added or removed there changes
 * the directory's mtime), every ignore file it read, and every file it stat'ed but left out (too large, minified, unreadable — not
 * binary ones), which an in-place edit can bring back in. With the catalog's own mtimes this covers every input of the scan, so
 * "all of these still stat the same" means "a scan would find what the catalog holds".
 */
export interface TreeSnapshot {
  /** The scan settings and parser version the snapshot was taken under: another value means "scan again". */
  scanOptions: string;
  entries: SnapshotEntry[];
}

/** The key a snapshot is valid for: include/exclude, size limit and parser version all change what a scan yields. */
export function snapshotKey(scan: WalkOptions): string {
  return JSON.stringify([
    PARSER_VERSION,
    path.resolve(scan.root),
    scan.maxFileBytes,
    scan.include ?? [],
    scan.exclude ?? [],
    scan.includeDeclarationFiles ?? false,
  ]);
}

/**
 * A ScanFs that remembers what the walk looked at. A directory is stat'ed before it is listed, so a file added
 * while the walk runs moves the mtime past the recorded one and is caught by the next check.
 */
export function recordingScanFs(base: ScanFs): { fs: ScanFs; entries: Map<string, SnapshotEntry> } {
  const entries = new Map<string, SnapshotEntry>();
  const fs: ScanFs = {
    ...base,
    readdirSync: (directory, options) => {
      const stats = base.statSync(directory);
      entries.set(directory, [directory, stats.mtimeMs, 0, 1]);
      return base.readdirSync(directory, options);
    },
    lstatSync: (target) => {
      const stats = base.lstatSync(target);
      entries.set(target, [target, stats.mtimeMs, stats.size, 0]);
      return stats;
    },
    readFileSync: (target, encoding) => {
      const text = base.readFileSync(target, encoding);
      const stats = base.statSync(target);
      entries.set(target, [target, stats.mtimeMs, stats.size, 0]);
      return text;
    },
  };
  return { fs, entries };
}

export function saveTreeSnapshot(db: Db, snapshot: TreeSnapshot): void {
  cachedStatement(
    db,
    'INSERT INTO tree_snapshot (id, scan_options, entries) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET scan_options = excluded.scan_options, entries = excluded.entries',
  ).run(snapshot.scanOptions, JSON.stringify(snapshot.entries));
}

export function loadTreeSnapshot(db: Db): TreeSnapshot | undefined {
  const row = cachedStatement(db, 'SELECT scan_options, entries FROM tree_snapshot WHERE id = 1').get() as
    { scan_options: string; entries: string } | undefined;
  return row && { scanOptions: row.scan_options, entries: JSON.parse(row.entries) as SnapshotEntry[] };
}

/**
 * Whether the tree still stats as the last scan saw it: every catalog file with its size, mtime and the current
 * parser, every snapshot entry with its mtime (and size for files). Stat calls only, nothing is read; the first
 * difference ends the check. No snapshot, or one taken under other scan settings, is "changed".
 */
export function treeUnchanged(db: Db, scan: WalkOptions): boolean {
  const snapshot = loadTreeSnapshot(db);
  if (!snapshot || snapshot.scanOptions !== snapshotKey(scan)) return false;
  // Directories first: an added or removed file shows there, before a stat per catalog file.
  for (const [absolutePath, mtimeMs, size, directory] of snapshot.entries) {
    const stats = statSync(absolutePath, { throwIfNoEntry: false });
    if (!stats || stats.mtimeMs !== mtimeMs || (directory === 0 && stats.size !== size)) return false;
  }
  const root = path.resolve(scan.root);
  const catalog = cachedStatement(db, 'SELECT path, mtime_ms, size, parser_version FROM files')
    .raw(true)
    .all() as Array<[string, number, number, number]>;
  for (const [relative, mtimeMs, size, parserVersion] of catalog) {
    if (parserVersion !== PARSER_VERSION) return false;
    const stats = statSync(`${root}${path.sep}${relative}`, { throwIfNoEntry: false });
    if (!stats || stats.mtimeMs !== mtimeMs || stats.size !== size) return false;
  }
  return true;
}
