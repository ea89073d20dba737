import Database from 'better-sqlite3';
import { createDataDirectory } from '../shared/create-data-directory.js';
import path from 'node:path';
import { CodeContextError } from '../shared/errors.js';
import { diskFullError, isDiskFull } from './disk-full.js';
import { inspectDatabaseFile, newerSchemaError, refusalFor } from './inspect-database-file.js';
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

/** The schema version this build writes (the last migration's). */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Open (creating if needed) the codecontext database: WAL so readers are never blocked by an index run,
 * a busy timeout so concurrent writers queue instead of failing, foreign keys for cascading deletes, then
 * migrations. A missing or zero-length file is initialised; a file that is not ours, or from a newer codecontext,
 * is refused before anything is written to it (inspect-database-file.ts).
 */
export function openDatabase(databasePath: string, options: { readonly?: boolean } = {}): Db {
  if (databasePath === ':memory:') return openChecked(databasePath, options, 0);
  const file = inspectDatabaseFile(databasePath, LATEST_SCHEMA_VERSION);
  const refusal = refusalFor(databasePath, file);
  if (refusal) throw refusal;
  return openChecked(databasePath, options, file.kind === 'ours' ? file.version : 0);
}

/**
 * For readers: the database when one of ours is there (migrated if older), null when there is none yet (no file,
 * or a zero-length one) — a reader never creates or initialises a database. Foreign or newer files are refused.
 */
export function openExistingDatabase(databasePath: string): Db | null {
  const file = inspectDatabaseFile(databasePath, LATEST_SCHEMA_VERSION);
  const refusal = refusalFor(databasePath, file);
  if (refusal) throw refusal;
  if (file.kind !== 'ours') return null;
  return openChecked(databasePath, {}, file.version);
}

function openChecked(databasePath: string, options: { readonly?: boolean }, versionBefore: number): Db {
  let db: Db;
  try {
    if (!options.readonly) createDataDirectory(path.dirname(databasePath));
    db = new Database(databasePath, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (error) {
    if (isDiskFull(error)) throw diskFullError(databasePath, error, false);
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
    if (!options.readonly) migrate(db, databasePath);
    return db;
  } catch (error) {
    // Each migration is its own transaction: a full disk leaves the schema at the last one that committed.
    const changed = isDiskFull(error) && schemaVersion(db) !== versionBefore;
    db.close();
    if (isDiskFull(error)) throw diskFullError(databasePath, error, changed);
    if (error instanceof CodeContextError) throw error;
    throw new CodeContextError('runtime', `database ${databasePath}: ${(error as Error).message}`, { cause: error });
  }
}

function schemaVersion(db: Db): number | null {
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } catch {
    return null;
  }
}

/**
 * Whether this file's ledger tables came from the index's migrations (a release before the ledger owned them). The
 * ledger's own list runs only on a file at this build's index version, so before that its `requests` table can
 * only be the index's.
 */
function hasIndexMadeLedger(db: Db): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'requests'").get() !== undefined;
}

function migrate(db: Db, databasePath: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  // Checked again here: another process may have upgraded the file since it was inspected.
  if (current > LATEST_SCHEMA_VERSION) throw newerSchemaError(databasePath, current, LATEST_SCHEMA_VERSION);
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    // BEGIN IMMEDIATE: two processes opening a fresh database must not both migrate it.
    db.transaction(() => {
      const now = db.pragma('user_version', { simple: true }) as number;
      if (now >= migration.version) return;
      if (migration.ledgerSql && hasIndexMadeLedger(db)) db.exec(migration.ledgerSql);
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
