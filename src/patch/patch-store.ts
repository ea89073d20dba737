import type { Db } from '../indexing/open-database.js';

export interface PatchRow {
  id: number;
  path: string;
  appliedAt: string;
  beforeHash: string;
  afterHash: string;
  offsetBytes: number;
  oldText: Buffer;
  newText: Buffer;
  rolledBackAt: string | null;
}

interface StoredRow {
  id: number;
  path: string;
  applied_at: string;
  before_hash: string;
  after_hash: string;
  offset_bytes: number;
  old_text: Buffer;
  new_text: Buffer;
  rolled_back_at: string | null;
}

/** The `patches` table (migration 9): what apply-patch wrote and what rollback-patch needs to undo it. */
export class PatchStore {
  constructor(private readonly db: Db) {}

  insert(row: Omit<PatchRow, 'id' | 'rolledBackAt'>): number {
    const result = this.db
      .prepare(
        `INSERT INTO patches (path, applied_at, before_hash, after_hash, offset_bytes, old_text, new_text)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(row.path, row.appliedAt, row.beforeHash, row.afterHash, row.offsetBytes, row.oldText, row.newText);
    return Number(result.lastInsertRowid);
  }

  get(id: number): PatchRow | undefined {
    const row = this.db.prepare('SELECT * FROM patches WHERE id = ?').get(id) as StoredRow | undefined;
    return (
      row && {
        id: row.id,
        path: row.path,
        appliedAt: row.applied_at,
        beforeHash: row.before_hash,
        afterHash: row.after_hash,
        offsetBytes: row.offset_bytes,
        oldText: row.old_text,
        newText: row.new_text,
        rolledBackAt: row.rolled_back_at,
      }
    );
  }

  /** Patches applied to the same file after this one and not rolled back: they must be undone first. */
  laterPatches(path: string, id: number): number[] {
    return (
      this.db
        .prepare('SELECT id FROM patches WHERE path = ? AND id > ? AND rolled_back_at IS NULL ORDER BY id')
        .all(path, id) as Array<{ id: number }>
    ).map((row) => row.id);
  }

  markRolledBack(id: number, at: string): void {
    this.db.prepare('UPDATE patches SET rolled_back_at = ? WHERE id = ?').run(at, id);
  }
}
