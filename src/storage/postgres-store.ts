import pg from 'pg';
import { CodeContextError } from '../shared/errors.js';
import { PostgresTransaction, preparedQuery } from './postgres-transaction.js';
import type { SqlOp } from './sql-op.js';
import type { Store } from './store.js';

/** PostgreSQL type ids whose text form the operations want as numbers (SQLite returns numbers for both). */
const INT8_OID = 20;
const NUMERIC_OID = 1700;

const shared = new Map<string, PostgresStore>();

/**
 * The team store: one pool per process, handed to everything that needs it. An operation runs on one pooled
 * client inside one transaction (a read in a read-only REPEATABLE READ one, so its statements see one snapshot;
 * postgres-transaction.ts says how it keeps the round trips few); a statement that fails rolls the whole
 * operation back. Counts and sums come back as numbers, as on SQLite.
 */
export class PostgresStore implements Store {
  readonly dialect = 'postgres';
  private readonly pool: pg.Pool;

  /**
   * The process's one pool for a URL, made on first use: the gateway, its request paths and a CLI command all use
   * this one rather than opening their own. Idle connections do not keep a CLI process alive.
   */
  static shared(url: string): PostgresStore {
    let store = shared.get(url);
    if (!store) shared.set(url, (store = new PostgresStore(url)));
    return store;
  }

  constructor(
    private readonly url: string,
    options: { max?: number } = {},
  ) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 10,
      allowExitOnIdle: true,
      // A host that drops packets must not hang a request or a command forever.
      connectionTimeoutMillis: 10_000,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID || oid === NUMERIC_OID
            ? (value: string) => Number(value)
            : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client whose server went away must not crash the process; the next operation reconnects.
    this.pool.on('error', () => {});
  }

  read<T>(op: () => SqlOp<T>): Promise<T> {
    return this.run(op, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  /**
   * One SELECT on its own, no BEGIN/COMMIT around it (a statement sees one snapshot by itself): one round trip
   * instead of three for the gateway's per-request reads — a key, a cache entry, the cooldowns, the access log's
   * row. An operation that yields anything else, or a second statement, is a bug in its caller: refused.
   */
  async lookup<T>(op: () => SqlOp<T>, again = true): Promise<T> {
    const client = await this.connect();
    let broken: Error | undefined;
    try {
      const generator = op();
      let step = generator.next();
      if (!step.done) {
        const statement = step.value;
        if ((statement.kind !== 'get' && statement.kind !== 'all') || !/^\s*SELECT\b/i.test(statement.text))
          throw new Error('PostgresStore.lookup: one SELECT only (use read for anything else)');
        const { rows } = await preparedQuery(client, statement.text, statement.params);
        step = generator.next(statement.kind === 'all' ? rows : rows[0]);
      }
      if (!step.done) throw new Error('PostgresStore.lookup: one statement only (use read for more)');
      return step.value;
    } catch (error) {
      // As in run: a plan prepared before a migration; this connection goes, the SELECT runs once more.
      if (!planChanged(error)) throw error;
      broken = error as Error;
      if (!again) throw error;
    } finally {
      client.release(broken);
    }
    return this.lookup(op, false);
  }

  write<T>(op: () => SqlOp<T>): Promise<T> {
    return this.run(op, 'BEGIN');
  }

  async close(): Promise<void> {
    if (shared.get(this.url) === this) shared.delete(this.url);
    await this.pool.end();
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw new CodeContextError('runtime', `cannot reach the PostgreSQL store: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private async run<T>(op: () => SqlOp<T>, begin: string, again = true): Promise<T> {
    const client = await this.connect();
    let broken: Error | undefined;
    let released = false;
    const release = () => {
      if (!released) client.release(broken);
      released = true;
    };
    const transaction = new PostgresTransaction(client, begin);
    try {
      const generator = op();
      let step = generator.next();
      while (!step.done) step = generator.next(await transaction.execute(step.value));
      await transaction.commit();
      return step.value;
    } catch (error) {
      await transaction.rollback().catch((rollbackError: Error) => (broken = rollbackError));
      // A statement this connection prepared before another process migrated a table it reads: the connection
      // goes (its prepared statements with it) and the operation, rolled back whole, runs once more on another.
      if (planChanged(error)) {
        broken = error as Error;
        if (again) {
          release();
          return this.run(op, begin, false);
        }
      }
      throw error;
    } finally {
      release();
    }
  }
}

/** PostgreSQL's "cached plan must not change result type" (a prepared statement over a table that changed). */
const planChanged = (error: unknown): boolean => (error as { code?: string } | null)?.code === '0A000';
