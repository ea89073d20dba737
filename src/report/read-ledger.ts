import { existsSync } from 'node:fs';
import { openDatabase, type Db } from '../indexing/open-database.js';

/**
 * The ledger of a database path: the file when it exists (migrated if it is older), else an empty in-memory
 * ledger — a report never creates a database. The caller closes it.
 */
export function openLedgerAt(databasePath: string): Db {
  return existsSync(databasePath) ? openDatabase(databasePath) : openDatabase(':memory:');
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
