/**
 * Why the index uses SQLite FTS5 and not wink-bm25-text-search (the design card's choice): load the chunks of an
 * existing codecontext index into wink, with the same pre-tokenized text, and record what it costs.
 * Usage: node --max-old-space-size=16000 --import tsx bench/index/wink-bm25-comparison.ts <codecontext.db> [limit]
 * wink is installed into a temp dir (it is not a dependency). Prints one JSON object on stdout.
 */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const [databasePath, limitText] = process.argv.slice(2);
if (!databasePath) throw new Error('usage: wink-bm25-comparison.ts <codecontext.db> [limit]');
const prefix = path.join(os.tmpdir(), 'codecontext-bench-wink-3.1.2');
if (!existsSync(path.join(prefix, 'node_modules', 'wink-bm25-text-search'))) {
  execFileSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', 'wink-bm25-text-search@3.1.2'], {
    stdio: 'ignore',
  });
}
const wink = createRequire(path.join(prefix, 'package.json'))('wink-bm25-text-search') as () => any;

const db = new Database(databasePath, { readonly: true });
const rows = db
  .prepare(
    `SELECT c.id, c.content, COALESCE(c.symbol, '') AS symbol, f.path FROM chunks c JOIN files f ON f.id = c.file_id LIMIT ?`,
  )
  .all(Number(limitText ?? 1e9)) as Array<{ id: number; content: string; symbol: string; path: string }>;
const { tokenizeCode } = await import('../../src/parse/tokenize-code.js');

const rssBefore = process.memoryUsage().rss;
const engine = wink();
engine.defineConfig({ fldWeights: { name: 4, path: 2, body: 1 } });
engine.definePrepTasks([(text: string) => text.split(' ').filter(Boolean)]);
let start = process.hrtime.bigint();
for (const row of rows)
  engine.addDoc(
    { name: tokenizeCode(row.symbol), path: tokenizeCode(row.path), body: tokenizeCode(row.content) },
    row.id,
  );
const addMs = Number(process.hrtime.bigint() - start) / 1e6;
start = process.hrtime.bigint();
engine.consolidate();
const consolidateMs = Number(process.hrtime.bigint() - start) / 1e6;
const rssAfter = process.memoryUsage().rss;
start = process.hrtime.bigint();
engine.search('json decode error', 10);
const searchMs = Number(process.hrtime.bigint() - start) / 1e6;

let addAfterConsolidate = 'allowed';
try {
  engine.addDoc({ name: 'x', path: 'x', body: 'x' }, -1);
} catch (error) {
  addAfterConsolidate = `throws: ${(error as Error).message}`;
}
// A CLI query process would have to load the index from somewhere: time the export and the import of it.
let exportJson: string;
let importMs: number | null = null;
try {
  const json = engine.exportJSON() as string;
  exportJson = `${Math.round(json.length / 1e6)} MB string`;
  start = process.hrtime.bigint();
  const fresh = wink();
  fresh.importJSON(json);
  fresh.definePrepTasks([(text: string) => text.split(' ').filter(Boolean)]);
  importMs = Math.round(Number(process.hrtime.bigint() - start) / 1e6);
} catch (error) {
  exportJson = `fails: ${(error as Error).message}`;
}
process.stdout.write(
  `${JSON.stringify({
    date: new Date().toISOString(),
    chunks: rows.length,
    add_ms: Math.round(addMs),
    consolidate_ms: Math.round(consolidateMs),
    rss_growth_mb: Math.round((rssAfter - rssBefore) / 1e6),
    search_ms: +searchMs.toFixed(1),
    add_after_consolidate: addAfterConsolidate,
    export_json: exportJson,
    import_json_ms: importMs,
    sqlite_db_mb: Math.round(statSync(databasePath).size / 1e6),
  })}\n`,
);
