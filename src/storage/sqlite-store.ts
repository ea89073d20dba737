import type { Db } from '../indexing/open-database.js';
import { cachedStatement, cachedTransaction } from '../indexing/open-database.js';
import type { SqlOp, Statement } from './sql-op.js';
import type { Store } from './store.js';

/**
 * The default store: the connection the process already holds. An operation runs synchronously from its first
 * statement to its last — a write inside `BEGIN IMMEDIATE` — so no other statement on the connection can land in
 * between, whatever awaits the callers make around it; the returned promise is already settled.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite';

  private constructor(readonly db: Db) {}

  /** The store of a connection: one per connection, so what is kept per store (a snapshot) is kept per file. */
  static of(db: Db): SqliteStore {
    let store = stores.get(db);
    if (!store) stores.set(db, (store = new SqliteStore(db)));
    return store;
  }

  read<T>(op: () => SqlOp<T>): Promise<T> {
    return settle(() => runSync(this.db, op()));
  }

  /** A read of one statement: on SQLite any read is already that cheap. */
  lookup<T>(op: () => SqlOp<T>): Promise<T> {
    return this.read(op);
  }

  write<T>(op: () => SqlOp<T>): Promise<T> {
    return settle(() =>
      cachedTransaction(this.db, 'store.write', (db: Db, run: SqlOp<T>) => runSync(db, run)).immediate(this.db, op()),
    );
  }

  /** The connection belongs to whoever opened it (the index, the gateway runtime): closing the store leaves it. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const stores = new WeakMap<Db, SqliteStore>();

function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * An operation on a SQLite connection, synchronously and outside any transaction of its own: for code that is
 * SQLite's only (a report worker's reads), where a promise would only be in the way.
 */
export function runOnSqlite<T>(db: Db, op: SqlOp<T>): T {
  return runSync(db, op);
}

function runSync<T>(db: Db, op: SqlOp<T>): T {
  let step = op.next();
  while (!step.done) step = op.next(execute(db, step.value));
  return step.value;
}

function execute(db: Db, statement: Statement): unknown {
  if (statement.kind === 'lock') return undefined;
  if (statement.kind === 'script') return void db.exec(statement.text);
  const prepared = cachedStatement(db, statement.text);
  if (statement.kind === 'all') return prepared.all(...statement.params);
  if (statement.kind === 'get') return prepared.get(...statement.params);
  const { changes } = prepared.run(...statement.params);
  return statement.kind === 'change' ? undefined : { changes };
}
