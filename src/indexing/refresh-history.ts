import type { AppConfig } from '../config/app-config.js';
import { tokenizeCode } from '../parse/tokenize-code.js';
import { findGitDir } from '../scan/git-context.js';
import { ancestorCommits, readCommits, readHeadCommit, resolveHead } from '../scan/git-history.js';
import { cachedStatement, type Db } from './open-database.js';

/** How much history to index; `false` (index_history = false) keeps none. */
export type HistoryOptions = { maxCommits: number } | false;

export interface HistoryResult {
  /** `indexed` (something changed), `unchanged` (same HEAD), `not_git`, `off`, or `unavailable: <reason>`. */
  status: string;
  commits: number;
  added: number;
  removed: number;
  elapsed_ms: number;
}

/** Commits read from git per `log` call: bounds one call's output on a history of huge commits. */
const READ_BATCH = 2000;

export function historyOptionsFor(config: AppConfig): HistoryOptions {
  return config.values.indexHistory ? { maxCommits: config.values.historyCommits } : false;
}

function storedState(db: Db): { head: string | null; max_commits: number; commits: number } | undefined {
  return cachedStatement(db, 'SELECT head, max_commits, commits FROM history_state WHERE id = 1').get() as
    { head: string | null; max_commits: number; commits: number } | undefined;
}

/**
 * Whether the history index may be behind HEAD — two small file reads (readHeadCommit), for the check every read
 * makes. Off or outside git: never behind (refreshHistory clears what an earlier run kept).
 */
export function historyBehind(db: Db, root: string, options: HistoryOptions): boolean {
  const state = storedState(db);
  if (options === false) return (state?.commits ?? 0) > 0;
  const gitDir = findGitDir(root)?.gitDir;
  if (!gitDir) return (state?.commits ?? 0) > 0;
  const head = readHeadCommit(gitDir);
  return !state || state.max_commits !== options.maxCommits || head === null || head !== state.head;
}

/**
 * Bring the history index in line with HEAD: the newest `maxCommits` non-merge ancestors of HEAD that touched the
 * root (ancestorCommits — never a commit HEAD cannot reach), incrementally: commits already indexed are kept,
 * new ones are read from git, ones no longer in the window (HEAD moved back, or past the bound) are deleted. One
 * transaction, so a reader sees the old history or the new one. A git failure is a result, not an error: the file
 * index is what a reader needs, history only sharpens it.
 */
export function refreshHistory(db: Db, root: string, options: HistoryOptions): HistoryResult {
  const started = Date.now();
  const result = (status: string, added = 0, removed = 0): HistoryResult => ({
    status,
    commits: storedState(db)?.commits ?? 0,
    added,
    removed,
    elapsed_ms: Date.now() - started,
  });
  const gitDir = findGitDir(root)?.gitDir;
  if (options === false || !gitDir) {
    const removed = clearHistory(db);
    return result(options === false ? 'off' : 'not_git', 0, removed);
  }
  const state = storedState(db);
  const head = readHeadCommit(gitDir) ?? resolveHead(root);
  if (head === null) return result('unavailable: no commit at HEAD');
  if (state && state.head === head && state.max_commits === options.maxCommits) return result('unchanged');
  let wanted: string[];
  let fresh: ReturnType<typeof readCommits> = [];
  const known = new Set(cachedStatement(db, 'SELECT sha FROM history_commits').pluck().all() as string[]);
  try {
    wanted = ancestorCommits(root, options.maxCommits);
    const missing = wanted.filter((sha) => !known.has(sha));
    for (let start = 0; start < missing.length; start += READ_BATCH)
      fresh = fresh.concat(readCommits(root, missing.slice(start, start + READ_BATCH)));
  } catch (error) {
    return result(`unavailable: ${firstLine(error)}`);
  }
  const keep = new Set(wanted);
  const stale = [...known].filter((sha) => !keep.has(sha));
  db.transaction(() => {
    removeCommits(db, stale);
    const insertCommit = cachedStatement(
      db,
      'INSERT INTO history_commits (sha, committed_at, file_count) VALUES (?, ?, ?)',
    );
    const insertFile = cachedStatement(db, 'INSERT OR IGNORE INTO history_files (commit_id, path) VALUES (?, ?)');
    const insertFts = cachedStatement(db, 'INSERT INTO history_fts (rowid, message) VALUES (?, ?)');
    for (const commit of fresh) {
      const id = Number(insertCommit.run(commit.sha, commit.committedAt, commit.files.length).lastInsertRowid);
      for (const file of commit.files) insertFile.run(id, file);
      insertFts.run(id, tokenizeCode(commit.message));
    }
    const commits = (cachedStatement(db, 'SELECT COUNT(*) FROM history_commits').pluck().get() as number) ?? 0;
    cachedStatement(
      db,
      `INSERT INTO history_state (id, head, max_commits, commits, elapsed_ms, updated_at) VALUES (1, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET head = excluded.head, max_commits = excluded.max_commits,
         commits = excluded.commits, elapsed_ms = excluded.elapsed_ms, updated_at = excluded.updated_at`,
    ).run(head, options.maxCommits, commits, Date.now() - started, new Date().toISOString());
  })();
  return result('indexed', fresh.length, stale.length);
}

function removeCommits(db: Db, shas: readonly string[]): void {
  if (shas.length === 0) return;
  const ids = cachedStatement(db, 'SELECT id FROM history_commits WHERE sha IN (SELECT value FROM json_each(?))')
    .pluck()
    .all(JSON.stringify(shas)) as number[];
  const deleteFts = cachedStatement(db, 'DELETE FROM history_fts WHERE rowid = ?');
  const deleteFiles = cachedStatement(db, 'DELETE FROM history_files WHERE commit_id = ?');
  const deleteCommit = cachedStatement(db, 'DELETE FROM history_commits WHERE id = ?');
  for (const id of ids) {
    deleteFts.run(id);
    deleteFiles.run(id);
    deleteCommit.run(id);
  }
}

/** Forget all history (index_history turned off, or the root is no longer in a git repository). */
function clearHistory(db: Db): number {
  const count = (cachedStatement(db, 'SELECT COUNT(*) FROM history_commits').pluck().get() as number) ?? 0;
  if (count === 0 && !storedState(db)) return 0;
  db.transaction(() => {
    db.exec(
      "INSERT INTO history_fts (history_fts) VALUES ('delete-all'); DELETE FROM history_files; DELETE FROM history_commits; DELETE FROM history_state;",
    );
  })();
  return count;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? 'git failed'
  );
}
