import path from 'node:path';
import type { Language } from './languages.js';
import type { SkipReason } from './skip-rules.js';
import { walkRepo, type ScannedFile, type SkippedPath, type WalkDeps, type WalkOptions } from './walk-repo.js';

export interface ScanProgress {
  phase: 'scan';
  files: number;
  skipped: number;
}

export interface ScanTotals {
  files: number;
  bytes: number;
  skipped: number;
  /** Files left out because they matched no --include pattern (counted, not listed). */
  not_included: number;
  by_language: Partial<Record<Language, number>>;
  by_reason: Partial<Record<SkipReason, number>>;
}

export interface ScanResult {
  root: string;
  files: Array<{ path: string; language: Language; bytes: number }>;
  skipped: SkippedPath[];
  totals: ScanTotals;
}

const PROGRESS_EVERY = 500;

function byPath<T extends { path: string }>(a: T, b: T): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * Scan a repository: which files codecontext would index, and why every other path is left out.
 * Paths are relative to the root, `/`-separated, sorted by code unit.
 */
export async function scanProject(
  options: WalkOptions,
  onProgress: (progress: ScanProgress) => void = () => {},
  deps: Partial<WalkDeps> = {},
): Promise<ScanResult> {
  const files: ScannedFile[] = [];
  const skipped: SkippedPath[] = [];
  const totals: ScanTotals = { files: 0, bytes: 0, skipped: 0, not_included: 0, by_language: {}, by_reason: {} };
  let seen = 0;
  for await (const event of walkRepo(options, deps)) {
    if (event.kind === 'file') {
      files.push(event.file);
      totals.bytes += event.file.bytes;
      totals.by_language[event.file.language] = (totals.by_language[event.file.language] ?? 0) + 1;
    } else if (event.kind === 'skipped') {
      skipped.push(event.skipped);
      totals.by_reason[event.skipped.reason] = (totals.by_reason[event.skipped.reason] ?? 0) + 1;
    } else totals.not_included++;
    if (++seen % PROGRESS_EVERY === 0) onProgress({ phase: 'scan', files: files.length, skipped: skipped.length });
  }
  onProgress({ phase: 'scan', files: files.length, skipped: skipped.length });
  totals.files = files.length;
  totals.skipped = skipped.length;
  return {
    root: path.resolve(options.root),
    files: files.sort(byPath).map(({ path: filePath, language, bytes }) => ({ path: filePath, language, bytes })),
    skipped: skipped.sort(byPath),
    totals,
  };
}
