import Database from 'better-sqlite3';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { CodeContextError, errnoCode } from '../shared/errors.js';
import { diskFullError, isDiskFull } from './disk-full.js';

/**
 * What is at a database path, found without writing to it: a file that is not ours must never be created over,
 * migrated or truncated, and a reader must tell "nothing indexed yet" from "someone else's file".
 * - `missing`: no file; `empty`: zero bytes, or an SQLite file with no schema and user_version 0 (what a first run
 *   stopped before its first migration leaves) — nothing in it can be lost by initialising it;
 * - `foreign`: not SQLite, unreadable as SQLite, or SQLite without our `index_state` table;
 * - `newer`: ours, from a schema this build does not know; `ours`: ours, at or below `latest`.
 */
export type DatabaseFile =
  | { kind: 'missing' }
  | { kind: 'empty' }
  | { kind: 'foreign'; reason: string }
  | { kind: 'newer'; version: number; latest: number }
  | { kind: 'ours'; version: number };

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** Created by migration 1 and kept by every schema since: the mark of a codecontext database. */
const MARKER_TABLE = 'index_state';

/** Classify the file at `databasePath` (see DatabaseFile); opens it read-only at most, never changes it. */
export function inspectDatabaseFile(databasePath: string, latest: number): DatabaseFile {
  let size: number;
  try {
    const stats = statSync(databasePath);
    if (!stats.isFile()) return { kind: 'foreign', reason: 'not a regular file' };
    size = stats.size;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { kind: 'missing' };
    throw cannotRead(databasePath, error);
  }
  // A zero-length file beside a write-ahead log still has content (the log's); SQLite reads it below.
  if (size === 0 && walSize(databasePath) === 0) return { kind: 'empty' };
  if (size > 0 && !startsWithSqliteMagic(databasePath)) return { kind: 'foreign', reason: 'not an SQLite file' };
  return inspectSchema(databasePath, latest);
}

function inspectSchema(databasePath: string, latest: number): DatabaseFile {
  let db: Database.Database | undefined;
  try {
    db = new Database(databasePath, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view')").pluck().all();
    if (tables.length === 0 && version === 0) return { kind: 'empty' };
    if (!tables.includes(MARKER_TABLE)) {
      return { kind: 'foreign', reason: `an SQLite database without codecontext's tables (user_version ${version})` };
    }
    return version > latest ? { kind: 'newer', version, latest } : { kind: 'ours', version };
  } catch (error) {
    const code = errnoCode(error) ?? '';
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
      return { kind: 'foreign', reason: (error as Error).message };
    throw cannotRead(databasePath, error);
  } finally {
    db?.close();
  }
}

function walSize(databasePath: string): number {
  try {
    return statSync(`${databasePath}-wal`).size;
  } catch {
    return 0;
  }
}

function startsWithSqliteMagic(databasePath: string): boolean {
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  const fd = openSync(databasePath, 'r');
  try {
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(SQLITE_MAGIC);
  } finally {
    closeSync(fd);
  }
}

function cannotRead(databasePath: string, error: unknown): CodeContextError {
  if (isDiskFull(error)) return diskFullError(databasePath, error, false);
  return new CodeContextError('runtime', `cannot read database ${databasePath}: ${(error as Error).message}`, {
    cause: error,
  });
}

/** The one-line refusal for a file that is not ours or is too new, or null when the file may be opened. */
export function refusalFor(databasePath: string, file: DatabaseFile): CodeContextError | null {
  if (file.kind === 'foreign') {
    return new CodeContextError(
      'runtime',
      `${databasePath} is not a codecontext database (${file.reason}); it was left untouched: move it away or set data_dir to another directory`,
      { details: { database: databasePath } },
    );
  }
  if (file.kind === 'newer') return newerSchemaError(databasePath, file.version, file.latest);
  return null;
}

export function newerSchemaError(databasePath: string, version: number, latest: number): CodeContextError {
  return new CodeContextError(
    'runtime',
    `${databasePath} was written by a newer codecontext (schema ${version} > ${latest}); upgrade codecontext to use it`,
    { details: { database: databasePath, schema_version: version, supported_version: latest } },
  );
}
