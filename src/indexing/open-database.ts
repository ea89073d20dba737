import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { CodeContextError } from '../shared/errors.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

const statementsByDb = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * A prepared statement, compiled once per connection and reused: code on a hot path (the gateway writes several
 * ledger rows per request) spent more time in `prepare` than in SQLite's own work (bench/gateway, --cpu-prof).
 */
export function cachedStatement(db: Db, sql: string): Database.Statement {
  let statements = statementsByDb.get(db);
  if (!statements) statementsByDb.set(db, (statements = new Map()));
  let statement = statements.get(sql);
  if (!statement) statements.set(sql, (statement = db.prepare(sql)));
  return statement;
}

const transactionsByDb = new WeakMap<Db, Map<string, Database.Transaction>>();

/**
 * A transaction function, made once per connection and reused: `db.transaction(fn)` prepares its BEGIN, COMMIT and
 * savepoint statements each time it is called, which on the gateway's path cost as much as the writes themselves.
 * `fn` must take everything it uses as arguments (it is made once, for every later call).
 */
export function cachedTransaction<A extends unknown[], R>(
  db: Db,
  name: string,
  fn: (...args: A) => R,
): Database.Transaction<(...args: A) => R> {
  let transactions = transactionsByDb.get(db);
  if (!transactions) transactionsByDb.set(db, (transactions = new Map()));
  let transaction = transactions.get(name);
  if (!transaction) transactions.set(name, (transaction = db.transaction(fn) as unknown as Database.Transaction));
  return transaction as unknown as Database.Transaction<(...args: A) => R>;
}

/**
 * Open (creating if needed) the codecontext database: WAL so readers are never blocked by an index run,
 * a busy timeout so concurrent writers queue instead of failing, foreign keys for cascading deletes, then
 * migrations. A database from a newer codecontext is refused rather than guessed at.
 */
export function openDatabase(databasePath: string, options: { readonly?: boolean } = {}): Db {
  let db: Db;
  try {
    if (!options.readonly) mkdirSync(path.dirname(databasePath), { recursive: true });
    db = new Database(databasePath, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (error) {
    throw new CodeContextError('runtime', `cannot open database ${databasePath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    db.pragma('busy_timeout = 10000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // 64 MiB page cache (default 2 MiB): bulk index writes touch B-tree pages all over the FTS and ref indexes.
      db.pragma('cache_size = -65536');
    }
    db.pragma('foreign_keys = ON');
    if (!options.readonly) migrate(db);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof CodeContextError) throw error;
    throw new CodeContextError('runtime', `database ${databasePath}: ${(error as Error).message}`, { cause: error });
  }
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
  if (current > latest) {
    throw new CodeContextError(
      'runtime',
      `database schema version ${current} is newer than this codecontext supports (${latest}); upgrade codecontext`,
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    // BEGIN IMMEDIATE: two processes opening a fresh database must not both migrate it.
    db.transaction(() => {
      const now = db.pragma('user_version', { simple: true }) as number;
      if (now >= migration.version) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
