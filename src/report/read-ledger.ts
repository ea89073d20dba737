import type { AppConfig } from '../config/app-config.js';
import { openDatabase, openExistingDatabase, type Db } from '../indexing/open-database.js';
import { ledgerStoreFor } from '../ledger/ledger-store.js';
import type { Store } from '../storage/store.js';
import { reportOp, type ReportJob } from './gateway-reports.js';

/**
 * The ledger of a database path: the file when one of ours is there (migrated if it is older), else an empty
 * in-memory ledger — a report never creates a database, and a zero-length file counts as none (it is left as it
 * is). A file that is not ours, or is from a newer codecontext, is refused untouched. The caller closes it.
 */
export function openLedgerAt(databasePath: string): Db {
  return openExistingDatabase(databasePath) ?? openDatabase(':memory:');
}

/** Run a read against the ledger of a database path (see openLedgerAt): the benchmark's own tables. */
export function readLedgerAt<T>(databasePath: string, read: (db: Db) => T): T {
  const db = openLedgerAt(databasePath);
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/**
 * The ledger's store a report reads (ledgerStoreFor): the team's PostgreSQL (`[storage] url`; the process's pool)
 * or the SQLite file of openLedgerAt, which `release` closes — either migrated to this build's ledger version
 * first (a file an older codecontext wrote has no key columns yet).
 */
async function openLedgerStore(config: AppConfig): Promise<{ store: Store; release: () => void }> {
  const db = config.values.storage.url === undefined ? openLedgerAt(config.databasePath) : undefined;
  try {
    return { store: await ledgerStoreFor(config, db), release: () => db?.close() };
  } catch (error) {
    db?.close();
    throw error;
  }
}

/** A report in this process (the CLI's, the library's): the same operation the gateway's runner reads. */
export async function readReport(config: AppConfig, job: ReportJob): Promise<unknown> {
  const { store, release } = await openLedgerStore(config);
  try {
    return await store.read(() => reportOp(job, store.dialect));
  } finally {
    release();
  }
}

/** A stream read from the ledger's store (a whole-window export); the store is released however the stream ends. */
export async function* streamFromLedger(
  config: AppConfig,
  stream: (store: Store) => AsyncGenerator<string>,
): AsyncGenerator<string> {
  const { store, release } = await openLedgerStore(config);
  try {
    yield* stream(store);
  } finally {
    release();
  }
}
