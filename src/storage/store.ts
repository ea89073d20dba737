import type { SqlOp } from './sql-op.js';

/**
 * Where the shared state of the gateway lives (ledger, budgets, cooldowns, cache): the embedded SQLite file by
 * default, or PostgreSQL for a team (`[storage] url`). Both run the same operations (sql-op.ts).
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Run a read: its statements see one consistent state. */
  read<T>(op: () => SqlOp<T>): Promise<T>;
  /** Run a read of one SELECT, the cheapest way the store has (PostgreSQL: no transaction around it). */
  lookup<T>(op: () => SqlOp<T>): Promise<T>;
  /** Run a write: its statements commit together or not at all, one writer at a time (per file, per lock name). */
  write<T>(op: () => SqlOp<T>): Promise<T>;
  close(): Promise<void>;
}
