/**
 * The ledger check of the gateway benches: every request sent to a codecontext gateway after the warm-up has one
 * `requests` row. A row is written after its reply has gone out, so the count is read once it stops moving.
 */
import Database from 'better-sqlite3';

/** The rows `query` returns from a SQLite ledger file, on a read-only connection of its own. */
export function readSqlite<T>(db: string, query: string): T[] {
  const handle = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return handle.prepare(query).all() as T[];
  } finally {
    handle.close();
  }
}

/** The `requests` rows of a SQLite ledger file. */
export function countSqliteRequestRows(db: string): number {
  return readSqlite<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM requests')[0]!.n;
}

/**
 * `count()` once it stops moving, after at most ~5 s: two equal reads 200 ms apart once it has reached `expected`
 * (when given), and before that from the third read on.
 */
export async function settledRowCount(
  count: () => number | Promise<number>,
  expected = Number.POSITIVE_INFINITY,
): Promise<number> {
  let rows = await count();
  for (let tries = 0; tries < 25; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const again = await count();
    if (again === rows && again >= expected) break;
    if (again === rows && tries >= 2) break;
    rows = again;
  }
  return rows;
}
