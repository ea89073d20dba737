import assert from 'node:assert/strict';
import { once } from 'node:events';
import { closeSync, constants, openSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { AppConfig } from '../../../src/config/app-config.js';
import { indexProject } from '../../../src/indexing/index-project.js';
import { applyPatch, rollbackPatch } from '../../../src/patch/apply-patch.js';
import { canUseHandlePaths } from '../../../src/patch/confined-directory.js';
import { CodeContextError } from '../../../src/shared/errors.js';
import { hashContent } from '../../../src/shared/hash.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';

/**
 * How long the apply/rollback loop races the swapper. At least 60 s by default and always on CI (the bar:
 * the old by-name code lost the race within 10–35 s); CODECONTEXT_RACE_SECONDS may shorten it for a local run.
 */
const MIN_RACE_SECONDS = 60;
const RACE_SECONDS = process.env.CI
  ? Math.max(MIN_RACE_SECONDS, Number(process.env.CODECONTEXT_RACE_SECONDS ?? MIN_RACE_SECONDS))
  : Number(process.env.CODECONTEXT_RACE_SECONDS ?? MIN_RACE_SECONDS);

const BEFORE = 'limit = 10\n';
const AFTER = 'limit = 99999\n';

/**
 * The swapper, at full speed on its own thread: the rename dance that turns `lib` (a real directory inside the root)
 * into a symlink to a directory outside the root and back, until told to stop — always ending with `lib` real.
 * control[0] = stop flag, control[1] = completed swaps.
 */
const SWAPPER = `
const { renameSync } = require('node:fs');
const { workerData } = require('node:worker_threads');
const { lib, parked, spareLink, control } = workerData;
while (Atomics.load(control, 0) === 0) {
  renameSync(lib, parked);      // lib gone
  renameSync(spareLink, lib);   // lib -> outside
  renameSync(lib, spareLink);   // lib gone
  renameSync(parked, lib);      // lib real again
  Atomics.add(control, 1, 1);
}
`;

interface Counts {
  attempts: number;
  applied: number;
  rolledBack: number;
  refusals: Map<string, number>;
}

function countRefusal(counts: Counts, error: unknown): void {
  if (!(error instanceof CodeContextError) || error.kind !== 'usage') throw error;
  assert.ok(!error.message.includes('\n'), `a refusal is one line: ${error.message}`);
  const reason = error.message.replace(/^refused: lib\/target\.txt /, '').replace(/^no such file: .*/, 'no such file');
  counts.refusals.set(reason, (counts.refusals.get(reason) ?? 0) + 1);
}

describe('confinement of apply-patch / rollback-patch under races', () => {
  it(
    `a parent directory swapped for a symlink at full speed for ${RACE_SECONDS} s never redirects a write, leaves no temp file outside and records only writes that happened`,
    { skip: !canUseHandlePaths() && 'needs /proc/self/fd (Linux)' },
    async (t) => {
      const root = makeTempDir('codecontext-race-root-');
      const outside = makeTempDir('codecontext-race-outside-');
      writeTree(root, { 'lib/target.txt': BEFORE });
      // The file a redirected write would hit holds the very text the patch matches, so a redirect would succeed.
      writeTree(outside, { 'target.txt': BEFORE });
      const lib = path.join(root, 'lib');
      symlinkSync(outside, path.join(root, 'lib.link'));
      const config = AppConfig.load(root, {
        env: {},
        flags: { data_dir: makeTempDir('codecontext-race-data-'), enable_embeddings: false },
      });
      await indexProject(config); // so each patch refreshes the file's index entry (a read through the handle)
      const outsideBytes = readFileSync(path.join(outside, 'target.txt'));
      const outsideFile = statSync(path.join(outside, 'target.txt'));
      const outsideDir = statSync(outside);

      // The real lib directory, whatever it is called at the moment: the test reads the file through this handle.
      const libFd = openSync(lib, constants.O_RDONLY | constants.O_DIRECTORY);
      const realFile = (): string => readFileSync(`/proc/self/fd/${libFd}/target.txt`, 'utf8');

      const control = new Int32Array(new SharedArrayBuffer(8));
      const swapper = new Worker(SWAPPER, {
        eval: true,
        workerData: { lib, parked: path.join(root, 'lib.parked'), spareLink: path.join(root, 'lib.link'), control },
      });
      const swapperExit = once(swapper, 'exit');
      const counts: Counts = { attempts: 0, applied: 0, rolledBack: 0, refusals: new Map() };
      const recorded = new Map<number, string>(); // patch id → the after_hash the file held when the call returned
      const rolledBack = new Set<number>();
      let pending: number | null = null; // the applied patch not rolled back yet
      const started = Date.now();
      try {
        while (Date.now() - started < RACE_SECONDS * 1000) {
          counts.attempts++;
          try {
            if (pending === null) {
              const result = applyPatch(config, {
                path: 'lib/target.txt',
                oldText: Buffer.from(BEFORE),
                newText: Buffer.from(AFTER),
              });
              assert.equal(realFile(), AFTER, `patch ${result.patch_id} returned, so the real file holds its content`);
              assert.equal(hashContent(Buffer.from(realFile())), result.after_hash);
              recorded.set(result.patch_id!, result.after_hash);
              pending = result.patch_id;
              counts.applied++;
            } else {
              const result = rollbackPatch(config, { patchId: pending });
              assert.equal(realFile(), BEFORE, `rollback of ${pending} returned, so the real file holds the original`);
              assert.equal(hashContent(Buffer.from(realFile())), result.restored_hash);
              rolledBack.add(pending);
              pending = null;
              counts.rolledBack++;
            }
          } catch (error) {
            countRefusal(counts, error);
            // A refusal changes nothing: the file is in the state it was before the call.
            assert.equal(realFile(), pending === null ? BEFORE : AFTER, 'a refused call left the file as it was');
          }
          if (counts.attempts % 64 === 0) await yieldToEventLoop(); // let the test runner's timers breathe
        }
      } finally {
        Atomics.store(control, 0, 1);
        await Promise.race([swapperExit, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
        await swapper.terminate();
        closeSync(libFd);
      }
      const swaps = Atomics.load(control, 1);
      const refusals = [...counts.refusals.values()].reduce((sum, n) => sum + n, 0);
      t.diagnostic(
        `${RACE_SECONDS} s: ${counts.attempts} attempts (${counts.applied} applied, ${counts.rolledBack} rolled back, ${refusals} refused), ${swaps} swaps`,
      );
      for (const [reason, n] of counts.refusals) t.diagnostic(`  refused ${n}×: ${reason}`);

      assert.ok(swaps > counts.attempts, `the swapper ran at full speed (${swaps} swaps)`);
      assert.ok(counts.applied > 0 && refusals > 0, 'the race was really run: some writes went through, some refused');
      assert.deepEqual(readFileSync(path.join(outside, 'target.txt')), outsideBytes, 'no write outside the root');
      const outsideAfter = statSync(path.join(outside, 'target.txt'));
      assert.equal(outsideAfter.mtimeMs, outsideFile.mtimeMs, 'the outside file was never written');
      assert.equal(outsideAfter.ino, outsideFile.ino, 'the outside file was never replaced');
      assert.deepEqual(readdirSync(outside), ['target.txt'], 'no temp file left outside the root');
      assert.equal(statSync(outside).mtimeMs, outsideDir.mtimeMs, 'no entry was ever created or removed outside');
      assert.deepEqual(readdirSync(lib), ['target.txt'], 'no temp file left inside the root either');

      // Every row is one of the calls that returned, with the hash the file held then; nothing else was recorded.
      const db = new Database(config.databasePath, { readonly: true });
      try {
        const rows = db.prepare('SELECT id, path, after_hash, rolled_back_at FROM patches ORDER BY id').all() as Array<{
          id: number;
          path: string;
          after_hash: string;
          rolled_back_at: string | null;
        }>;
        assert.equal(rows.length, counts.applied, 'one row per write that happened');
        for (const row of rows) {
          assert.equal(row.path, 'lib/target.txt');
          assert.equal(row.after_hash, recorded.get(row.id), `patch ${row.id} recorded the content the file held`);
          assert.equal(row.rolled_back_at !== null, rolledBack.has(row.id), `patch ${row.id}'s rollback mark`);
        }
      } finally {
        db.close();
      }
    },
  );
});
