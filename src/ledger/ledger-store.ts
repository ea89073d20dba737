import type { Db } from '../indexing/open-database.js';
import { migrateStore } from '../storage/migrate-store.js';
import { SqliteStore } from '../storage/sqlite-store.js';
import type { Store } from '../storage/store.js';
import { LEDGER_MIGRATIONS } from './ledger-migrations.js';

const migrated = new WeakMap<Store, Promise<Store>>();

/**
 * A store with the ledger's tables at this build's version: its migrations run once per store (per connection, per
 * pool) before the first use. Every front door that writes the ledger gets its store here.
 */
export function migratedLedgerStore(store: Store): Promise<Store> {
  let ready = migrated.get(store);
  if (!ready) {
    ready = migrateStore(store, 'ledger', LEDGER_MIGRATIONS).then(() => store);
    migrated.set(store, ready);
    // A failed migration is retried by the next caller rather than remembered.
    ready.catch(() => migrated.delete(store));
  }
  return ready;
}

/** The ledger's store on the SQLite connection a process already holds (the index's file), migrated. */
export function ledgerStoreOf(db: Db): Promise<Store> {
  return migratedLedgerStore(SqliteStore.of(db));
}
