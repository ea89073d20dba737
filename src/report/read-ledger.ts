import { openDatabase, openExistingDatabase, type Db } from '../indexing/open-database.js';

/**
 * The ledger of a database path: the file when one of ours is there (migrated if it is older), else an empty
 * in-memory ledger — a report never creates a database, and a zero-length file counts as none (it is left as it
 * is). A file that is not ours, or is from a newer codecontext, is refused untouched. The caller closes it.
 */
export function openLedgerAt(databasePath: string): Db {
  return openExistingDatabase(databasePath) ?? openDatabase(':memory:');
}

/** Run a read against the ledger of a database path (see openLedgerAt). Shared by the CLI's reports and the gateway's. */
export function readLedgerAt<T>(databasePath: string, read: (db: Db) => T): T {
  const db = openLedgerAt(databasePath);
  try {
    return read(db);
  } finally {
    db.close();
  }
}
