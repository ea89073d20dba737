import type { Db } from '../indexing/open-database.js';
import { CodeContextError } from '../shared/errors.js';
import { sql, type SqlOp, type SqlValue } from '../storage/sql-op.js';
import { runOnSqlite, SqliteStore } from '../storage/sqlite-store.js';
import type { Store } from '../storage/store.js';
import { migratedLedgerStore } from './ledger-store.js';
import { BUDGET_LOCK, recoverInterrupted } from './spend-budget.js';

/**
 * The ledger's tables in the order a copy writes them (a call after its request), each with the columns whose
 * sums a copy must keep: the figures every report is built from.
 */
const TABLES: ReadonlyArray<{ table: string; key: string; sums: readonly string[] }> = [
  {
    table: 'requests',
    key: 'id',
    sums: ['cost_usd', 'unreported_cost_usd', 'estimated_cost_usd', 'packed_tokens', 'naive_baseline_tokens'],
  },
  { table: 'calls', key: 'id', sums: ['input_tokens', 'output_tokens', 'cached_input_tokens', 'cost_usd'] },
  { table: 'spend_by_day', key: 'day', sums: ['usd'] },
  { table: 'session_chunks', key: 'session, content_hash', sums: [] },
  { table: 'spend_by_scope_day', key: 'scope, day', sums: ['usd'] },
  { table: 'api_keys', key: 'id', sums: ['budget_usd_day', 'budget_usd_month'] },
  { table: 'team_budgets', key: 'team', sums: ['budget_usd_day', 'budget_usd_month'] },
  { table: 'cooldowns', key: 'provider, model', sums: ['until_ms'] },
  { table: 'response_cache', key: 'key', sums: ['cost_usd'] },
];

/** Rows per INSERT: well under PostgreSQL's 65,535 parameters for the widest table (requests, ~50 columns). */
const ROWS_PER_INSERT = 200;

export interface TableCopy {
  table: string;
  rows: number;
  /** Each summed column: the source's total and the target's after the copy (equal, or the copy rolled back). */
  sums: Record<string, { source: number; target: number }>;
}

export interface LedgerCopy {
  from: string;
  to: string;
  tables: TableCopy[];
}

function* totalsOp(table: string, sums: readonly string[]): SqlOp<Record<string, number>> {
  const select = ['COUNT(*) AS n', ...sums.map((column) => `COALESCE(SUM(${column}), 0) AS ${column}`)].join(', ');
  return (yield* sql.get<Record<string, number>>(`SELECT ${select} FROM ${table}`))!;
}

function sourceColumns(db: Db, table: string): string[] {
  return (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>).map(
    (row) => row.name,
  );
}

function* targetColumnsOp(table: string): SqlOp<string[]> {
  const rows = yield* sql.all<{ name: string }>(
    'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?',
    table,
  );
  return rows.map((row) => row.name);
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * `storage migrate --to postgres://…`: the SQLite ledger (requests, calls, spend per day and per key and team,
 * session chunks, API keys and team budgets, cooldowns, the cache) copied into an empty PostgreSQL ledger in one transaction, ids kept (so a run id, a
 * request and its calls still match), then the counts and sums compared on both sides inside that transaction —
 * a difference rolls everything back, and the SQLite file is never written but for the recovery every process
 * runs at start (what dead processes left in flight becomes interrupted spend first, so nothing is copied half
 * open). Refused: a target that already holds requests (a second copy would double the account) and a source
 * with requests still in flight in a live process (stop the gateway first).
 */
export async function copyLedger(source: Db, target: Store, names: { from: string; to: string }): Promise<LedgerCopy> {
  if (target.dialect !== 'postgres') throw new Error('copyLedger copies into PostgreSQL');
  const sourceStore = await migratedLedgerStore(SqliteStore.of(source));
  await recoverInterrupted(sourceStore);
  const inFlight = runOnSqlite(source, totalsOp('budget_reservations', []));
  if (inFlight.n! > 0)
    throw new CodeContextError(
      'usage',
      `${inFlight.n} requests are in flight in a running codecontext process on ${names.from}: stop it (serve-api, mcp) and migrate again`,
    );
  await migratedLedgerStore(target);
  const tables = await target.write(function* () {
    // Every replica's reservations wait while the account is filled.
    yield* sql.lock(BUDGET_LOCK);
    for (const table of ['requests', 'calls', 'spend_by_day', 'session_chunks', 'api_keys', 'team_budgets']) {
      const present = yield* totalsOp(table, []);
      if (present.n! > 0)
        throw new CodeContextError(
          'usage',
          `${names.to} already holds a ledger (${present.n} rows in ${table}): migrate into an empty database, or it would count that spend twice`,
        );
    }
    // What an unused store may hold already is transient (a replica started against it set a cooldown): replaced.
    yield* sql.run('DELETE FROM cooldowns');
    yield* sql.run('DELETE FROM response_cache');
    const copied: TableCopy[] = [];
    for (const { table, key, sums } of TABLES) {
      const targetColumns = new Set(yield* targetColumnsOp(table));
      const columns = sourceColumns(source, table).filter((column) => targetColumns.has(column));
      if (columns.length === 0) continue;
      const rows = source
        .prepare(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY ${key}`)
        .raw()
        .iterate() as IterableIterator<SqlValue[]>;
      const row = `(${columns.map(() => '?').join(', ')})`;
      let batch: SqlValue[][] = [];
      const flush = function* (): SqlOp<void> {
        if (batch.length === 0) return;
        yield* sql.run(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${batch.map(() => row).join(', ')}`,
          ...batch.flat(),
        );
        batch = [];
      };
      for (const values of rows) {
        batch.push(values);
        if (batch.length === ROWS_PER_INSERT) yield* flush();
      }
      yield* flush();
      if (key === 'id')
        // The identity goes on from the largest id copied: the next request the team makes gets a new one.
        yield* sql.get(
          `SELECT setval(pg_get_serial_sequence('${table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM ${table}`,
        );
      const before = runOnSqlite(source, totalsOp(table, sums));
      const after = yield* totalsOp(table, sums);
      const copy: TableCopy = { table, rows: after.n!, sums: {} };
      for (const column of sums) copy.sums[column] = { source: before[column]!, target: after[column]! };
      const differs = !close(before.n!, after.n!) || sums.some((column) => !close(before[column]!, after[column]!));
      if (differs)
        throw new CodeContextError(
          'runtime',
          `${table}: the copy does not match the source (${JSON.stringify({ source: before, target: after })}); nothing was kept`,
        );
      copied.push(copy);
    }
    return copied;
  });
  return { ...names, tables };
}
