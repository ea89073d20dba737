/**
 * A storage operation written once for both backends: a generator that yields its SQL statements one at a time
 * and gets each one's result back. The SQLite store runs it synchronously inside one better-sqlite3 transaction,
 * so nothing else on the connection can interleave; the PostgreSQL store runs it asynchronously inside one
 * transaction on a pooled client. The SQL is the portable subset both accept (`?` placeholders, `ON CONFLICT`,
 * `RETURNING`, `CASE` instead of the two-argument `MAX`/`GREATEST`).
 *
 *   function* countOf(provider: string): SqlOp<number> {
 *     const row = yield* sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM cooldowns WHERE provider = ?', provider);
 *     return row?.n ?? 0;
 *   }
 */
export type SqlValue = string | number | null;

export type Statement =
  | { kind: 'all' | 'get' | 'run'; text: string; params: readonly SqlValue[] }
  /**
   * A write whose result the operation does not read (`sql.change`): the PostgreSQL store sends a run of them as one
   * statement (a WITH of data-modifying statements), and one that is all an operation does without BEGIN/COMMIT.
   */
  | { kind: 'change'; text: string; params: readonly SqlValue[] }
  /** A script of statements without parameters (a migration's DDL). */
  | { kind: 'script'; text: string }
  /**
   * Serialise with every other holder of `name` until the operation ends: on PostgreSQL a transaction-scoped
   * advisory lock (every replica on the database waits for it), on SQLite nothing more than the write
   * transaction the operation already runs in (one writer at a time per file).
   */
  | { kind: 'lock'; name: string };

export type SqlOp<T> = Generator<Statement, T, unknown>;

export interface RunResult {
  changes: number;
}

export const sql = {
  *all<Row>(text: string, ...params: SqlValue[]): Generator<Statement, Row[], unknown> {
    return (yield { kind: 'all', text, params }) as Row[];
  },
  *get<Row>(text: string, ...params: SqlValue[]): Generator<Statement, Row | undefined, unknown> {
    return (yield { kind: 'get', text, params }) as Row | undefined;
  },
  *run(text: string, ...params: SqlValue[]): Generator<Statement, RunResult, unknown> {
    return (yield { kind: 'run', text, params }) as RunResult;
  },
  /**
   * A write the operation needs no result of, which may travel with the changes next to it: on PostgreSQL
   * consecutive changes are one statement, and the statements of one see the same snapshot. So a change must not
   * read what another change of its run wrote, nor touch a row another one touches (an INSERT's new row, an upsert
   * of a day's total, the request's own row, its reservations: each once). The same text twice is sent apart, so a
   * loop of one change is safe. Any other statement after changes sees them, as always.
   */
  *change(text: string, ...params: SqlValue[]): Generator<Statement, void, unknown> {
    yield { kind: 'change', text, params };
  },
  *script(text: string): Generator<Statement, void, unknown> {
    yield { kind: 'script', text };
  },
  *lock(name: string): Generator<Statement, void, unknown> {
    yield { kind: 'lock', name };
  },
};
