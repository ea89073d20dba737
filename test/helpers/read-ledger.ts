import path from 'node:path';
import Database from 'better-sqlite3';

/** Every ledger row of a data dir, read straight from the SQLite file (the way a user would inspect it). */
export function readLedger(dataDir: string): { requests: any[]; calls: any[] } {
  const db = new Database(path.join(dataDir, 'codecontext.db'), { readonly: true });
  try {
    return {
      requests: db.prepare('SELECT * FROM requests ORDER BY id').all(),
      calls: db.prepare('SELECT * FROM calls ORDER BY id').all(),
    };
  } finally {
    db.close();
  }
}
