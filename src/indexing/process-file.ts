import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { parseFile } from '../parse/parse-file.js';
import { hashContent } from '../shared/hash.js';
import type { IndexedFile } from './index-store.js';

export interface FileTask {
  path: string;
  absolutePath: string;
  language: string;
  /** The catalog's hash: when the content still has it, nothing is parsed. Null forces a parse. */
  knownHash: string | null;
}

export type FileOutcome =
  | { kind: 'unchanged'; path: string; mtimeMs: number; size: number }
  | { kind: 'indexed'; file: IndexedFile }
  | { kind: 'unreadable'; path: string; message: string };

/**
 * Read, hash and (if the hash changed) parse one file. Runs inside a worker thread or inline; never throws.
 * Size and mtime come from the same open file descriptor as the bytes, so the catalog never pairs a new
 * mtime with old content.
 */
export function processFile(task: FileTask): FileOutcome {
  let content: Buffer;
  let mtimeMs: number;
  let size: number;
  try {
    const fd = openSync(task.absolutePath, 'r');
    try {
      const stats = fstatSync(fd);
      mtimeMs = stats.mtimeMs;
      content = readFileSync(fd);
      size = content.length;
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return { kind: 'unreadable', path: task.path, message: (error as Error).message };
  }
  const contentHash = hashContent(content);
  if (contentHash === task.knownHash) return { kind: 'unchanged', path: task.path, mtimeMs, size };
  const parsed = parseFile({ path: task.path, language: task.language, text: content.toString('utf8') });
  return { kind: 'indexed', file: { path: task.path, language: task.language, contentHash, mtimeMs, size, parsed } };
}
