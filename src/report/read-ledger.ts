import { openDatabase, openExistingDatabase, type Db } from '../indexing/open-database.js';

/**
 * Run a read against the ledger of a database path: the file when one of ours is there (migrated if it is older),
 * else an empty in-memory ledger — a report never creates a database, and a zero-length file counts as none (it is
 * left as it is). A file that is not ours, or is from a newer codecontext, is refused untouched. Shared by the CLI's
 * reports and the gateway's.
 */
export function readLedgerAt<T>(databasePath: string, read: (db: Db) => T): T {
  const db = openExistingDatabase(databasePath) ?? openDatabase(':memory:');
  try {
    return read(db);
  } finally {
    db.close();
  }
}
