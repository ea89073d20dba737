import type { AppConfig } from '../config/app-config.js';
import { openDatabase, type Db } from '../indexing/open-database.js';
import { refreshOneFile, type OneFileRefresh } from '../indexing/refresh-one-file.js';
import { CodeContextError } from '../shared/errors.js';
import { hashContent } from '../shared/hash.js';
import { locateOldText, type OldTextLocation } from './locate-old-text.js';
import { openPatchTarget, type OpenedPatchTarget } from './open-patch-target.js';
import { PatchStore } from './patch-store.js';
import type { PatchTarget } from './resolve-patch-target.js';
import { unifiedDiff } from './unified-diff.js';

export interface ApplyPatchOptions {
  /** Relative to the root. */
  path: string;
  oldText: Buffer;
  newText: Buffer;
  dryRun?: boolean;
  now?: () => Date;
  onWarning?: (message: string) => void;
}

export interface ApplyPatchResult {
  patch_id: number | null;
  path: string;
  diff: string;
  dry_run: boolean;
  /** 1-based line where the old text started. */
  line: number;
  before_hash: string;
  after_hash: string;
  /** `crlf` when the file uses CRLF and the texts were given with LF (they were converted to match). */
  line_endings: 'as_given' | 'crlf';
  /** What happened to the file's entry in the index (the DB is not touched by a dry run). */
  index: OneFileRefresh | 'not_touched';
}

const toCrlf = (text: Buffer): Buffer => Buffer.from(text.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');

/** Match as given; if that finds nothing in a CRLF file and the texts use bare LF, match with CRLF line ends. */
function locate(
  content: Buffer,
  oldText: Buffer,
  newText: Buffer,
): { location: OldTextLocation; oldText: Buffer; newText: Buffer; crlf: boolean } {
  const location = locateOldText(content, oldText);
  const bareLf = oldText.includes(10) && !oldText.includes(13);
  if (location.kind === 'none' && bareLf && content.includes('\r\n')) {
    const crlfOld = toCrlf(oldText);
    const converted = locateOldText(content, crlfOld);
    if (converted.kind !== 'none')
      return {
        location: converted,
        oldText: crlfOld,
        newText: newText.includes(13) ? newText : toCrlf(newText),
        crlf: true,
      };
  }
  return { location, oldText, newText, crlf: false };
}

function notUnique(target: PatchTarget, location: Exclude<OldTextLocation, { kind: 'unique' }>): CodeContextError {
  if (location.kind === 'several') {
    const lines = location.lines.join(', ');
    return new CodeContextError(
      'negative',
      `old text occurs ${location.count} times in ${target.relativePath} (lines ${lines}${location.count > location.lines.length ? ', …' : ''}); give more surrounding text so it occurs once`,
      {
        details: { path: target.relativePath, matches: location.count, lines: location.lines },
      },
    );
  }
  const nearest = location.nearest;
  const hint = nearest
    ? `; nearest: line ${nearest.line} (${Math.round(nearest.similarity * 100)}% similar): ${nearest.text}`
    : '';
  return new CodeContextError('negative', `old text not found in ${target.relativePath} (0 matches)${hint}`, {
    details: {
      path: target.relativePath,
      matches: 0,
      nearest_line: nearest?.line ?? null,
      nearest_similarity: nearest?.similarity ?? null,
    },
  });
}

/** The file's index entry, read back through the still-open directory handle (never by name through the root). */
function refreshIndex(
  db: Db,
  config: AppConfig,
  opened: OpenedPatchTarget,
  onWarning?: (message: string) => void,
): OneFileRefresh {
  const { relativePath } = opened.target;
  try {
    return refreshOneFile(db, config.root, relativePath, opened.readPath);
  } catch (error) {
    onWarning?.(
      `${relativePath}: patched, but the index entry was not refreshed (${(error as Error).message}); run refresh-changed-files`,
    );
    return 'unreadable';
  }
}

/**
 * Replace the one occurrence of `oldText` in a file under the root, atomically, and record a patch row that
 * rollback-patch can undo. Zero or several occurrences are a negative verdict (exit 1) with the count and the
 * nearest line. The read–match–write–record sequence holds the database's write lock (BEGIN IMMEDIATE), so two
 * patch commands on one repository never interleave. Reads and writes go through directory handles
 * (open-patch-target.ts), so a path component swapped meanwhile cannot redirect them. The row is inserted after
 * the rename succeeded, in the same transaction: a refused or failed write never leaves one. A crash (or a failed
 * commit) between the rename and the commit leaves the file patched without a row (microseconds wide); a crash
 * anywhere else leaves the original file and no row.
 */
export function applyPatch(config: AppConfig, options: ApplyPatchOptions): ApplyPatchResult {
  if (options.oldText.length === 0)
    throw new CodeContextError('usage', 'the old text is empty: give the text to replace');
  if (options.oldText.equals(options.newText))
    throw new CodeContextError('usage', 'the old and new text are identical: nothing to change');
  const now = options.now ?? (() => new Date());

  type Shown = Omit<ApplyPatchResult, 'patch_id' | 'dry_run' | 'index'>;
  const plan = (
    opened: OpenedPatchTarget,
  ): { shown: Shown; offset: number; after: Buffer; oldText: Buffer; newText: Buffer } => {
    const { target, content: before } = opened;
    const found = locate(before, options.oldText, options.newText);
    if (found.location.kind !== 'unique') throw notUnique(target, found.location);
    const { offset, line } = found.location;
    const after = Buffer.concat([
      before.subarray(0, offset),
      found.newText,
      before.subarray(offset + found.oldText.length),
    ]);
    const shown: Shown = {
      path: target.relativePath,
      diff: unifiedDiff(target.relativePath, before.toString('utf8'), after.toString('utf8')),
      line,
      before_hash: hashContent(before),
      after_hash: hashContent(after),
      line_endings: found.crlf ? 'crlf' : 'as_given',
    };
    return { shown, offset, after, oldText: found.oldText, newText: found.newText };
  };

  const open = (): OpenedPatchTarget => openPatchTarget(config.root, options.path, config.dataDir);
  if (options.dryRun) {
    const opened = open();
    try {
      return { patch_id: null, dry_run: true, ...plan(opened).shown, index: 'not_touched' };
    } finally {
      opened.close();
    }
  }

  const db = openDatabase(config.databasePath);
  let opened: OpenedPatchTarget | undefined;
  try {
    const store = new PatchStore(db);
    const applied = db
      .transaction(() => {
        opened = open();
        const planned = plan(opened);
        opened.replace(planned.after);
        // Only now, after the rename: a row stands for a write that happened.
        const patchId = store.insert({
          path: planned.shown.path,
          appliedAt: now().toISOString(),
          beforeHash: planned.shown.before_hash,
          afterHash: planned.shown.after_hash,
          offsetBytes: planned.offset,
          oldText: planned.oldText,
          newText: planned.newText,
        });
        return { opened, result: { patch_id: patchId, ...planned.shown } };
      })
      .immediate();
    return { ...applied.result, dry_run: false, index: refreshIndex(db, config, applied.opened, options.onWarning) };
  } finally {
    opened?.close();
    db.close();
  }
}

export interface RollbackPatchResult {
  patch_id: number;
  path: string;
  diff: string;
  rolled_back_at: string;
  restored_hash: string;
  index: OneFileRefresh;
}

/**
 * Restore what a patch replaced, only if the file still holds exactly the patched content (by hash); otherwise a
 * conflict (exit 1) and nothing changes. A patch rolls back once; later patches to the same file come first.
 */
export function rollbackPatch(
  config: AppConfig,
  options: { patchId: number; now?: () => Date; onWarning?: (message: string) => void },
): RollbackPatchResult {
  const now = options.now ?? (() => new Date());
  const db = openDatabase(config.databasePath);
  let opened: OpenedPatchTarget | undefined;
  try {
    const store = new PatchStore(db);
    const done = db
      .transaction(() => {
        const patch = store.get(options.patchId);
        if (!patch) throw new CodeContextError('usage', `no patch with id ${options.patchId}`);
        if (patch.rolledBackAt) {
          throw new CodeContextError('negative', `patch ${patch.id} was already rolled back at ${patch.rolledBackAt}`, {
            details: { patch_id: patch.id, rolled_back_at: patch.rolledBackAt },
          });
        }
        opened = openPatchTarget(config.root, patch.path, config.dataDir);
        const current = opened.content;
        const conflict = (why: string): CodeContextError =>
          new CodeContextError('negative', `rollback conflict: ${why}; nothing changed`, {
            details: { patch_id: patch.id, path: patch.path, conflict: true },
          });
        if (hashContent(current) !== patch.afterHash) {
          const later = store.laterPatches(patch.path, patch.id);
          throw conflict(
            later.length > 0
              ? `${patch.path} was patched again since patch ${patch.id} (patch ${later.join(', ')}); roll back the later patches first`
              : `${patch.path} has changed since patch ${patch.id} was applied`,
          );
        }
        const restored = Buffer.concat([
          current.subarray(0, patch.offsetBytes),
          patch.oldText,
          current.subarray(patch.offsetBytes + patch.newText.length),
        ]);
        if (hashContent(restored) !== patch.beforeHash)
          throw conflict(`the patch record of ${patch.path} does not reproduce the original content`);
        opened.replace(restored);
        const at = now().toISOString(); // marked after the rename, as apply-patch records after it
        store.markRolledBack(patch.id, at);
        return {
          opened,
          result: {
            patch_id: patch.id,
            path: patch.path,
            diff: unifiedDiff(patch.path, current.toString('utf8'), restored.toString('utf8')),
            rolled_back_at: at,
            restored_hash: patch.beforeHash,
          },
        };
      })
      .immediate();
    return { ...done.result, index: refreshIndex(db, config, done.opened, options.onWarning) };
  } finally {
    opened?.close();
    db.close();
  }
}
