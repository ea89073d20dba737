import type { AppConfig } from '../config/app-config.js';
import type { Db } from '../indexing/open-database.js';
import { migrateStore } from '../storage/migrate-store.js';
import { PostgresStore } from '../storage/postgres-store.js';
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

/**
 * The ledger's store for a configuration: PostgreSQL when `[storage] url` names one (the process's one pool for it,
 * shared by every replica and process using the URL), else the SQLite connection the caller holds (it must hold
 * one then). Migrated.
 */
export function ledgerStoreFor(config: AppConfig, db: Db | undefined): Promise<Store> {
  const url = config.values.storage.url;
  if (url !== undefined) return migratedLedgerStore(PostgresStore.shared(url));
  if (!db) return Promise.reject(new Error('ledgerStoreFor: no SQLite connection for a ledger without [storage] url'));
  return migratedLedgerStore(SqliteStore.of(db));
}
