import type { ParsedFile } from '../parse/parsed-file.js';
import { tokenizeCode } from '../parse/tokenize-code.js';
import { cachedStatement, type Db } from './open-database.js';

/** Bump when parsing or chunking changes: every file indexed by an older version is re-parsed on the next refresh. */
export const PARSER_VERSION = 2;

export interface CatalogEntry {
  id: number;
  contentHash: string;
  mtimeMs: number;
  size: number;
  parserVersion: number;
}

export interface IndexedFile {
  path: string;
  language: string;
  contentHash: string;
  mtimeMs: number;
  size: number;
  parsed: ParsedFile;
}

export type IndexStatus = 'empty' | 'building' | 'ready';

export interface IndexState {
  generation: number;
  status: IndexStatus;
  filesTotal: number;
  filesDone: number;
  /** `building 43%` while an index runs, `ready` after. */
  label: string;
}

/**
 * The index tables behind one database handle: the file catalog, atomic per-file replacement of a file's chunks,
 * symbols, references and FTS rows, and the generation/status record.
 */
export class IndexStore {
  private readonly statements;

  constructor(private readonly db: Db) {
    this.statements = {
      fileByPath: db.prepare('SELECT id FROM files WHERE path = ?'),
      fileEntry: db.prepare('SELECT language, content_hash, parser_version FROM files WHERE path = ?'),
      deleteFts: db.prepare('DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE file_id = ?)'),
      deleteVectors: db.prepare(
        'DELETE FROM chunk_vectors WHERE chunk_id IN (SELECT id FROM chunks WHERE file_id = ?)',
      ),
      chunkRefs: db.prepare('SELECT id, refs FROM chunks WHERE file_id = ?'),
      deleteRef: db.prepare('DELETE FROM refs WHERE name = ? AND chunk_id = ?'),
      deleteFile: db.prepare('DELETE FROM files WHERE id = ?'),
      insertFile: db.prepare(
        `INSERT INTO files (path, content_hash, mtime_ms, size, language, parse_status, parser_version, generation)
         VALUES (@path, @contentHash, @mtimeMs, @size, @language, @status, ${PARSER_VERSION}, @generation)`,
      ),
      touchFile: db.prepare('UPDATE files SET mtime_ms = ?, size = ? WHERE path = ?'),
      insertChunk: db.prepare(
        `INSERT INTO chunks (file_id, ordinal, start_line, end_line, kind, symbol, symbol_kind, signature, doc, content, content_hash, refs)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertFts: db.prepare('INSERT INTO chunks_fts (rowid, name, path, signature, body) VALUES (?, ?, ?, ?, ?)'),
      insertSymbol: db.prepare(
        `INSERT INTO symbols (file_id, chunk_id, name, qualified_name, kind, start_line, end_line, signature, doc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertRef: db.prepare('INSERT INTO refs (name, chunk_id) VALUES (?, ?)'),
      state: db.prepare('SELECT generation, status, files_total, files_done FROM index_state WHERE id = 1'),
      setProgress: db.prepare('UPDATE index_state SET status = ?, files_total = ?, files_done = ? WHERE id = 1'),
      startRun: db.prepare(
        "UPDATE index_state SET status = 'building', files_total = ?, files_done = 0, started_at = ? WHERE id = 1",
      ),
      finishRun: db.prepare(
        "UPDATE index_state SET status = 'ready', files_done = files_total, finished_at = ? WHERE id = 1",
      ),
      bumpGeneration: db.prepare(
        'UPDATE index_state SET generation = generation + 1 WHERE id = 1 RETURNING generation',
      ),
    };
  }

  catalog(): Map<string, CatalogEntry> {
    return readCatalog(this.db);
  }

  /** What the catalog knows of one path, or undefined when the path is not indexed. */
  fileEntry(path: string): { language: string; contentHash: string; parserVersion: number } | undefined {
    const row = this.statements.fileEntry.get(path) as
      { language: string; content_hash: string; parser_version: number } | undefined;
    return row && { language: row.language, contentHash: row.content_hash, parserVersion: row.parser_version };
  }

  state(): IndexState {
    const row = this.statements.state.get() as {
      generation: number;
      status: IndexStatus;
      files_total: number;
      files_done: number;
    };
    const percent = row.files_total > 0 ? Math.floor((100 * row.files_done) / row.files_total) : 0;
    return {
      generation: row.generation,
      status: row.status,
      filesTotal: row.files_total,
      filesDone: row.files_done,
      label: row.status === 'building' ? `building ${percent}%` : row.status,
    };
  }

  startRun(filesTotal: number, now: Date): void {
    this.statements.startRun.run(filesTotal, now.toISOString());
  }

  setProgress(filesDone: number, filesTotal: number): void {
    this.statements.setProgress.run('building', filesTotal, filesDone);
  }

  finishRun(now: Date): void {
    this.statements.finishRun.run(now.toISOString());
  }

  /** A new generation id: called once per run, before its first change is written. */
  nextGeneration(): number {
    return (this.statements.bumpGeneration.get() as { generation: number }).generation;
  }

  /** Replace everything stored for these files, and drop the deleted paths, in one transaction. */
  writeBatch(
    files: readonly IndexedFile[],
    touched: ReadonlyArray<{ path: string; mtimeMs: number; size: number }>,
    deleted: readonly string[],
    generation: number,
    progress?: { done: number; total: number },
  ): void {
    this.db.transaction(() => {
      for (const path of deleted) this.removeFile(path);
      const refs: Array<[string, number]> = [];
      for (const file of files) this.replaceFile(file, generation, refs);
      // Inserting in key order keeps the refs B-tree writes local: measured ~2x faster than arrival order.
      refs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
      for (const [name, chunkId] of refs) this.statements.insertRef.run(name, chunkId);
      for (const file of touched) this.statements.touchFile.run(file.mtimeMs, file.size, file.path);
      if (progress) this.setProgress(progress.done, progress.total);
    })();
  }

  private removeFile(path: string): void {
    const existing = this.statements.fileByPath.get(path) as { id: number } | undefined;
    if (!existing) return;
    for (const chunk of this.statements.chunkRefs.all(existing.id) as Array<{ id: number; refs: string }>) {
      for (const name of chunk.refs ? chunk.refs.split(' ') : []) this.statements.deleteRef.run(name, chunk.id);
    }
    this.statements.deleteFts.run(existing.id);
    this.statements.deleteVectors.run(existing.id);
    this.statements.deleteFile.run(existing.id);
  }

  private replaceFile(file: IndexedFile, generation: number, refs: Array<[string, number]>): void {
    this.removeFile(file.path);
    const fileId = Number(
      this.statements.insertFile.run({
        path: file.path,
        contentHash: file.contentHash,
        mtimeMs: file.mtimeMs,
        size: file.size,
        language: file.language,
        status: file.parsed.status,
        generation,
      }).lastInsertRowid,
    );
    const pathTokens = tokenizeCode(file.path);
    const chunkIds: number[] = [];
    file.parsed.chunks.forEach((chunk, ordinal) => {
      const chunkId = Number(
        this.statements.insertChunk.run(
          fileId,
          ordinal,
          chunk.startLine,
          chunk.endLine,
          chunk.kind,
          chunk.symbol,
          chunk.symbolKind,
          chunk.signature,
          chunk.doc,
          chunk.content,
          chunk.contentHash,
          chunk.references.join(' '),
        ).lastInsertRowid,
      );
      chunkIds.push(chunkId);
      this.statements.insertFts.run(chunkId, chunk.nameTokens, pathTokens, chunk.signatureTokens, chunk.contentTokens);
      for (const name of chunk.references) refs.push([name, chunkId]);
    });
    for (const symbol of file.parsed.symbols) {
      this.statements.insertSymbol.run(
        fileId,
        chunkIds[symbol.chunkIndex] ?? null,
        symbol.name,
        symbol.qualifiedName,
        symbol.kind,
        symbol.startLine,
        symbol.endLine,
        symbol.signature,
        symbol.doc,
      );
    }
  }

  /** Totals for index-project's output. */
  /** Whether any file is indexed: a run that committed no batch yet leaves a `building` index with none. */
  hasFiles(): boolean {
    return this.db.prepare('SELECT EXISTS (SELECT 1 FROM files) AS any').pluck().get() === 1;
  }

  totals(): { files: number; chunks: number; symbols: number; languages: Record<string, number> } {
    const count = (sql: string): number => (this.db.prepare(sql).get() as { n: number }).n;
    const languages = this.db
      .prepare('SELECT language, COUNT(*) AS n FROM files GROUP BY language ORDER BY language')
      .all() as Array<{ language: string; n: number }>;
    return {
      files: count('SELECT COUNT(*) AS n FROM files'),
      chunks: count('SELECT COUNT(*) AS n FROM chunks'),
      symbols: count('SELECT COUNT(*) AS n FROM symbols'),
      languages: Object.fromEntries(languages.map((row) => [row.language, row.n])),
    };
  }
}

/** The index generation alone, for hot paths: one cached statement, not an IndexStore (it prepares many). */
export function indexGeneration(db: Db): number {
  const row = cachedStatement(db, 'SELECT generation FROM index_state WHERE id = 1').get() as
    { generation: number } | undefined;
  return row?.generation ?? 0;
}

/**
 * The file catalog by path. A function of its own (not only `IndexStore.catalog`) so a read-only caller
 * (`checkIndexFreshness`) needs no statement on tables an older schema may not have yet.
 */
export function readCatalog(db: Db): Map<string, CatalogEntry> {
  const rows = cachedStatement(
    db,
    'SELECT id, path, content_hash, mtime_ms, size, parser_version FROM files',
  ).all() as Array<{
    id: number;
    path: string;
    content_hash: string;
    mtime_ms: number;
    size: number;
    parser_version: number;
  }>;
  return new Map(
    rows.map((row) => [
      row.path,
      {
        id: row.id,
        contentHash: row.content_hash,
        mtimeMs: row.mtime_ms,
        size: row.size,
        parserVersion: row.parser_version,
      },
    ]),
  );
}
