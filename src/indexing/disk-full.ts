import { CodeContextError, errnoCode } from '../shared/errors.js';

/**
 * Codes of a write that failed for want of space. better-sqlite3 puts SQLite's extended result code in `code`: the
 * unix VFS maps a short write with ENOSPC to SQLITE_FULL, and a WAL index (`-shm`) that cannot grow is
 * SQLITE_IOERR_SHMSIZE (seen on a 16 KiB tmpfs, where the database file itself still fitted).
 */
const DISK_FULL_CODES = new Set(['SQLITE_FULL', 'SQLITE_IOERR_SHMSIZE', 'ENOSPC', 'EDQUOT']);

/** Whether an error (or its cause) is a write that failed for want of space. */
export function isDiskFull(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    if (DISK_FULL_CODES.has(errnoCode(current) ?? '')) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The one line a full disk ends with. SQLite rolled back the transaction that failed, so what is on disk is what
 * was committed before it: nothing (`changed` false) or whole batches of files, which the next run keeps and skips.
 */
export function diskFullError(databasePath: string, error: unknown, changed: boolean): CodeContextError {
  const reason = innermostMessage(error);
  const outcome = changed
    ? 'the index is left consistent: free some space and re-run to resume'
    : 'the index is unchanged';
  return new CodeContextError('runtime', `disk full while writing ${databasePath}: ${reason}; ${outcome}`, {
    cause: error,
    details: { database: databasePath, reason: 'disk_full' },
  });
}

function innermostMessage(error: unknown): string {
  let current = error as { message?: string; cause?: unknown } | undefined;
  while (current?.cause instanceof Error) current = current.cause;
  return (current?.message ?? String(error)).split('\n')[0]!;
}
