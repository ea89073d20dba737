import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Db } from '../indexing/open-database.js';
import { openDatabase } from '../indexing/open-database.js';
import { refreshIndex } from '../indexing/refresh-index.js';
import { buildContextPack, type ContextPack } from '../pack/pack-context.js';
import { shortenDocstrings } from '../pack/shorten-docstrings.js';
import type { EncodingName } from '../pack/token-counter.js';
import { groupInto } from '../shared/group-into.js';
import { resolveCorpus, type BenchTask, type TaskSet } from './task-set.js';

export interface TaskRecall<Extra = undefined> {
  id: string;
  corpus: string;
  names_target: boolean;
  /** Share of gold symbols whose code is in the pack (every line; a long docstring may be cut to its summary). */
  span_recall: number;
  /** Share of gold files the pack drew from. */
  file_recall: number;
  /** Gold symbols the index does not know (a broken task, reported rather than counted as a miss silently). */
  missing_gold: string[];
  pack: ContextPack;
  latency_ms: number;
  /** What `inspect` computed for this task with its corpus's index open. */
  extra: Extra;
}

/** Non-blank lines, right-trimmed: packing may drop blank lines between chunks, never code. */
function normalize(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .join('\n');
}

/** The source of a symbol as the index knows it (file lines start..end), or null when it is not indexed. */
function symbolBody(db: Db, root: string, file: string, qualifiedName: string): string | null {
  const row = db
    .prepare(
      'SELECT s.start_line, s.end_line FROM symbols s JOIN files f ON f.id = s.file_id WHERE f.path = ? AND s.qualified_name = ? ORDER BY s.start_line LIMIT 1',
    )
    .get(file, qualifiedName) as { start_line: number; end_line: number } | undefined;
  if (!row) return null;
  const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
  return lines.slice(row.start_line - 1, row.end_line).join('\n');
}

export interface RecallOptions<Extra = undefined> {
  topK: number;
  tokenBudget: number;
  encoding: EncodingName;
  onTask?: (result: TaskRecall<Extra>) => void;
  /** Per task, with the corpus index open: anything more a caller measures (routes, baselines). */
  inspect?: (context: { db: Db; root: string; task: BenchTask; pack: ContextPack }) => Extra | Promise<Extra>;
}

/**
 * Index each corpus of a task set into a temporary data dir, pack every task's goal, and measure span-level gold
 * recall (the gold symbol's code is in the pack, a long docstring possibly cut to its summary) and file recall. No
 * model is called.
 */
export async function measureRecall<Extra = undefined>(
  taskSet: TaskSet,
  options: RecallOptions<Extra>,
): Promise<Array<TaskRecall<Extra>>> {
  const results: Array<TaskRecall<Extra>> = [];
  const byCorpus = new Map<string, BenchTask[]>();
  for (const task of taskSet.tasks) groupInto(byCorpus, task.corpus, task);
  for (const [name, tasks] of byCorpus) {
    const spec = taskSet.corpora[name];
    if (!spec) throw new Error(`task set ${taskSet.name}: unknown corpus ${name}`);
    const corpus = resolveCorpus(name, spec);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'codecontext-bench-'));
    const db = openDatabase(path.join(dataDir, 'codecontext.db'));
    try {
      await refreshIndex(db, { root: corpus.root, maxFileBytes: 1 << 20, include: corpus.include });
      for (const task of tasks) {
        const started = process.hrtime.bigint();
        const pack = buildContextPack(db, {
          root: corpus.root,
          goal: task.goal,
          topK: options.topK,
          tokenBudget: options.tokenBudget,
          encoding: options.encoding,
        });
        const latency = Number(process.hrtime.bigint() - started) / 1e6;
        const context = normalize(pack.context);
        const missing: string[] = [];
        const found = task.gold_symbols.filter((symbol, index) => {
          const file = task.gold_files[Math.min(index, task.gold_files.length - 1)]!;
          const body = symbolBody(db, corpus.root, file, symbol);
          if (body === null) missing.push(`${file}:${symbol}`);
          // Every line of the symbol's code must be there; a long docstring may be cut to its summary, as packs
          // write it (shorten-docstrings.ts) — prose lines, not code. Measured both ways in the #16 note.
          return (
            body !== null &&
            (context.includes(normalize(body)) || context.includes(normalize(shortenDocstrings(body).code)))
          );
        });
        const packedFiles = new Set(pack.chunks.map((chunk) => chunk.path));
        const fileRecall = task.gold_files.filter((file) => packedFiles.has(file)).length / task.gold_files.length;
        const result: TaskRecall<Extra> = {
          id: task.id,
          corpus: name,
          names_target: task.names_target,
          // Tasks without gold symbols (from git history: files only) are scored at file level.
          span_recall: task.gold_symbols.length === 0 ? fileRecall : found.length / task.gold_symbols.length,
          file_recall: fileRecall,
          missing_gold: missing,
          pack,
          latency_ms: Math.round(latency),
          extra: options.inspect ? await options.inspect({ db, root: corpus.root, task, pack }) : (undefined as Extra),
        };
        results.push(result);
        options.onTask?.(result);
      }
    } finally {
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return results;
}
