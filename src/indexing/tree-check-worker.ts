/**
 * Worker-thread entry: the stat pass of `treeUnchanged`, on its own connection, so that a large tree is checked on
 * the second core while the calling thread reads the index (readFresh in keep-index-fresh.ts). One worker serves a
 * process: each message is one check, answered with its verdict; a check that throws answers "changed" (the caller
 * then checks again itself, and reports what it finds).
 */
import { parentPort } from 'node:worker_threads';
import type { WalkOptions } from '../scan/walk-repo.js';
import { openDatabase } from './open-database.js';
import { treeUnchanged } from './tree-snapshot.js';

export interface TreeCheck {
  id: number;
  databasePath: string;
  scan: WalkOptions;
}

parentPort?.on('message', ({ id, databasePath, scan }: TreeCheck) => {
  let unchanged = false;
  try {
    const db = openDatabase(databasePath, { readonly: true });
    try {
      unchanged = treeUnchanged(db, scan);
    } finally {
      db.close();
    }
  } catch {
    unchanged = false;
  }
  parentPort?.postMessage({ id, unchanged });
});
