import type { Db } from '../indexing/open-database.js';
import { isTemplatePath } from './issue-boilerplate.js';

export interface ChunkRow {
  id: number;
  file_id: number;
  path: string;
  ordinal: number;
  start_line: number;
  end_line: number;
  kind: string;
  symbol: string | null;
  symbol_kind: string | null;
  signature: string | null;
  content: string;
  content_hash: string;
  refs: string;
}

/** A goal word and its query weight (a whole number: FTS5 sums a phrase's BM25 once per occurrence in the query). */
export interface WeightedTerm {
  term: string;
  weight: number;
}

/** FTS5 field weights for bm25(): symbol name ≫ path > signature + doc > body. */
export const FIELD_WEIGHTS = { name: 10, path: 5, signature: 3, body: 1 } as const;

/** What a goal's words are looked up in: the code's chunks, or past commit messages (the history index). */
export type Corpus = 'chunks' | 'history';

const json = (values: readonly unknown[]): string => JSON.stringify(values);

/**
 * An FTS5 query for weighted terms: each term quoted (tokens hold only [a-z0-9_$] and letters, so nothing in a
 * goal can become FTS5 syntax), a term of weight w written w times (bm25() adds each query phrase's contribution).
 */
function matchExpression(terms: readonly WeightedTerm[]): string {
  return terms.flatMap(({ term, weight }) => Array<string>(weight).fill(`"${term.replace(/"/g, '""')}"`)).join(' OR ');
}

/**
 * Read-side queries of the index used by ranking and packing. Lists go to SQLite as one JSON array parameter
 * (`json_each`), so a 50 KB goal never becomes thousands of bound parameters or FTS syntax.
 */
export class IndexReader {
  private readonly statements;
  private fileList: Array<{ id: number; path: string }> | undefined;

  constructor(readonly db: Db) {
    const chunkColumns =
      'c.id, c.file_id, f.path, c.ordinal, c.start_line, c.end_line, c.kind, c.symbol, c.symbol_kind, c.signature, c.content, c.content_hash, c.refs';
    this.statements = {
      chunkCount: db.prepare('SELECT COUNT(*) AS n FROM chunks'),
      commitCount: db.prepare('SELECT COUNT(*) AS n FROM history_commits'),
      documentFrequencies: db.prepare(
        'SELECT term, doc FROM chunks_fts_vocab WHERE term IN (SELECT value FROM json_each(?))',
      ),
      commitFrequencies: db.prepare(
        'SELECT term, doc FROM history_fts_vocab WHERE term IN (SELECT value FROM json_each(?))',
      ),
      bm25: db.prepare(
        `SELECT rowid AS id, -bm25(chunks_fts, ${FIELD_WEIGHTS.name}, ${FIELD_WEIGHTS.path}, ${FIELD_WEIGHTS.signature}, ${FIELD_WEIGHTS.body}) AS score
         FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts, ${FIELD_WEIGHTS.name}, ${FIELD_WEIGHTS.path}, ${FIELD_WEIGHTS.signature}, ${FIELD_WEIGHTS.body}) LIMIT ?`,
      ),
      // `+rowid`: the rowid filter is applied to MATCH's rows, not handed to FTS5 as a rowid lookup — which ran the
      // MATCH once per chunk of the files (2.5 s against 7 ms on sympy).
      bm25InFiles: db.prepare(
        `SELECT rowid AS id, -bm25(chunks_fts, ${FIELD_WEIGHTS.name}, ${FIELD_WEIGHTS.path}, ${FIELD_WEIGHTS.signature}, ${FIELD_WEIGHTS.body}) AS score
         FROM chunks_fts WHERE chunks_fts MATCH ?
           AND +rowid IN (SELECT id FROM chunks WHERE file_id IN (SELECT value FROM json_each(?)))`,
      ),
      similarCommits: db.prepare(
        `SELECT h.rowid AS id, -bm25(history_fts) AS score, c.file_count AS files
         FROM history_fts h JOIN history_commits c ON c.id = h.rowid
         WHERE history_fts MATCH ? ORDER BY bm25(history_fts) LIMIT ?`,
      ),
      filesOfCommits: db.prepare(
        'SELECT commit_id, path FROM history_files WHERE commit_id IN (SELECT value FROM json_each(?))',
      ),
      commitsOfPaths: db.prepare(
        `SELECT f.path, COUNT(*) AS n FROM history_files f JOIN history_commits c ON c.id = f.commit_id
         WHERE f.path IN (SELECT value FROM json_each(?)) AND c.file_count <= ? GROUP BY f.path`,
      ),
      coChanges: db.prepare(
        `SELECT a.path AS path, b.path AS partner, COUNT(*) AS n
         FROM history_files a
         JOIN history_commits c ON c.id = a.commit_id
         JOIN history_files b ON b.commit_id = a.commit_id AND b.path <> a.path
         WHERE a.path IN (SELECT value FROM json_each(?)) AND c.file_count <= ?
         GROUP BY a.path, b.path`,
      ),
      chunksByIds: db.prepare(
        `SELECT ${chunkColumns} FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id IN (SELECT value FROM json_each(?))`,
      ),
      fileIdsOfChunks: db.prepare('SELECT id, file_id FROM chunks WHERE id IN (SELECT value FROM json_each(?))'),
      chunksOfFile: db.prepare(
        `SELECT ${chunkColumns} FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.file_id = ? ORDER BY c.ordinal`,
      ),
      // Both lookups go through an index (symbols_by_name, symbols_by_file): an OR across two columns, or a
      // filter on chunk_id, made SQLite scan all symbols — 50–60 ms each on the stdlib index.
      definitionsNamed: db.prepare(
        'SELECT name, qualified_name, chunk_id FROM symbols WHERE name IN (SELECT value FROM json_each(?))',
      ),
      definitionsInFiles: db.prepare(
        'SELECT chunk_id, name FROM symbols WHERE file_id IN (SELECT value FROM json_each(?))',
      ),
      referrers: db.prepare('SELECT name, chunk_id FROM refs WHERE name IN (SELECT value FROM json_each(?))'),
      referrerCounts: db.prepare(
        'SELECT name, COUNT(*) AS n FROM refs WHERE name IN (SELECT value FROM json_each(?)) GROUP BY name',
      ),
      files: db.prepare('SELECT id, path FROM files'),
      // Every issue or pull-request template path has `_template` in it (isTemplatePath); LIKE ignores ASCII case.
      templateCandidates: db.prepare(`SELECT id, path FROM files WHERE path LIKE '%\\_template%' ESCAPE '\\'`),
      hasVectors: db.prepare('SELECT 1 FROM chunk_vectors WHERE model = ? LIMIT 1'),
      vectors: db.prepare('SELECT chunk_id, vector FROM chunk_vectors WHERE model = ?'),
      fileById: db.prepare('SELECT id, path, content_hash, size FROM files WHERE id = ?'),
    };
  }

  /** Documents of a corpus: the code's chunks, or the history index's commit messages. */
  documentCount(corpus: Corpus): number {
    return ((corpus === 'chunks' ? this.statements.chunkCount : this.statements.commitCount).get() as { n: number }).n;
  }

  /** In how many documents of the corpus each (stemmed) term occurs; terms it lacks are absent. */
  documentFrequencies(terms: readonly string[], corpus: Corpus = 'chunks'): Map<string, number> {
    const statement = corpus === 'chunks' ? this.statements.documentFrequencies : this.statements.commitFrequencies;
    const rows = statement.all(json(terms)) as Array<{ term: string; doc: number }>;
    return new Map(rows.map((row) => [row.term, row.doc]));
  }

  /** Chunks matching any of the terms, best BM25 first; scores are positive (higher is better). */
  bm25(terms: readonly WeightedTerm[], limit: number): Array<{ id: number; score: number }> {
    if (terms.length === 0) return [];
    return this.statements.bm25.all(matchExpression(terms), limit) as Array<{ id: number; score: number }>;
  }

  /** The same BM25 as `bm25`, over the chunks of the given files only (scores comparable with `bm25`'s). */
  bm25InFiles(terms: readonly WeightedTerm[], fileIds: readonly number[]): Array<{ id: number; score: number }> {
    if (terms.length === 0 || fileIds.length === 0) return [];
    return this.statements.bm25InFiles.all(matchExpression(terms), json(fileIds)) as Array<{
      id: number;
      score: number;
    }>;
  }

  /** Past commits whose message matches any of the terms, best BM25 first, with how many files each changed. */
  similarCommits(terms: readonly WeightedTerm[], limit: number): Array<{ id: number; score: number; files: number }> {
    if (terms.length === 0) return [];
    return this.statements.similarCommits.all(matchExpression(terms), limit) as Array<{
      id: number;
      score: number;
      files: number;
    }>;
  }

  /** The files the given commits changed. */
  filesOfCommits(commitIds: readonly number[]): Array<{ commit_id: number; path: string }> {
    if (commitIds.length === 0) return [];
    return this.statements.filesOfCommits.all(json(commitIds)) as Array<{ commit_id: number; path: string }>;
  }

  /** For each of `paths`: how many indexed commits of at most `maxFiles` files changed it (absent: none). */
  commitsTouching(paths: readonly string[], maxFiles: number): Map<string, number> {
    if (paths.length === 0) return new Map();
    const rows = this.statements.commitsOfPaths.all(json(paths), maxFiles) as Array<{ path: string; n: number }>;
    return new Map(rows.map((row) => [row.path, row.n]));
  }

  /**
   * For each of `paths`: how many indexed commits of at most `maxFiles` files changed it, and with which other
   * files how often (co-change counts).
   */
  coChanges(
    paths: readonly string[],
    maxFiles: number,
  ): { commits: Map<string, number>; pairs: Array<{ path: string; partner: string; n: number }> } {
    if (paths.length === 0) return { commits: new Map(), pairs: [] };
    const commits = this.commitsTouching(paths, maxFiles);
    const pairs = this.statements.coChanges.all(json(paths), maxFiles) as Array<{
      path: string;
      partner: string;
      n: number;
    }>;
    return { commits, pairs };
  }

  chunksByIds(ids: readonly number[]): Map<number, ChunkRow> {
    if (ids.length === 0) return new Map();
    const rows = this.statements.chunksByIds.all(json(ids)) as ChunkRow[];
    return new Map(rows.map((row) => [row.id, row]));
  }

  fileIdsOfChunks(ids: readonly number[]): Map<number, number> {
    if (ids.length === 0) return new Map();
    const rows = this.statements.fileIdsOfChunks.all(json(ids)) as Array<{ id: number; file_id: number }>;
    return new Map(rows.map((row) => [row.id, row.file_id]));
  }

  chunksOfFile(fileId: number): ChunkRow[] {
    return this.statements.chunksOfFile.all(fileId) as ChunkRow[];
  }

  /** Symbols whose simple or qualified name is one of `names` (`Class.method` is looked up by `method`). */
  definitionsNamed(names: readonly string[]): Array<{ name: string; qualified_name: string; chunk_id: number | null }> {
    if (names.length === 0) return [];
    const wanted = new Set(names);
    const simple = [...new Set(names.map((name) => name.slice(name.lastIndexOf('.') + 1)))];
    const rows = this.statements.definitionsNamed.all(json(simple)) as Array<{
      name: string;
      qualified_name: string;
      chunk_id: number | null;
    }>;
    return rows.filter((row) => wanted.has(row.name) || wanted.has(row.qualified_name));
  }

  /** Names defined in the given chunks (`chunks` must include their file ids). */
  definitionsIn(chunks: ReadonlyArray<{ id: number; file_id: number }>): Array<{ chunk_id: number; name: string }> {
    if (chunks.length === 0) return [];
    const ids = new Set(chunks.map((chunk) => chunk.id));
    const rows = this.statements.definitionsInFiles.all(
      json([...new Set(chunks.map((chunk) => chunk.file_id))]),
    ) as Array<{ chunk_id: number; name: string }>;
    return rows.filter((row) => ids.has(row.chunk_id));
  }

  referrers(names: readonly string[]): Array<{ name: string; chunk_id: number }> {
    if (names.length === 0) return [];
    return this.statements.referrers.all(json(names)) as Array<{ name: string; chunk_id: number }>;
  }

  referrerCounts(names: readonly string[]): Map<string, number> {
    if (names.length === 0) return new Map();
    const rows = this.statements.referrerCounts.all(json(names)) as Array<{ name: string; n: number }>;
    return new Map(rows.map((row) => [row.name, row.n]));
  }

  hasVectors(model: string): boolean {
    return this.statements.hasVectors.get(model) !== undefined;
  }

  /**
   * The chunks whose vectors are closest (cosine; vectors are normalised) to `query`: an exact scan, measured at
   * ~12 ms per 10k vectors in JS here, which keeps the index free of a native vector extension.
   */
  nearestChunks(model: string, query: Float32Array, limit: number): Array<{ id: number; cosine: number }> {
    const best: Array<{ id: number; cosine: number }> = [];
    for (const row of this.statements.vectors.iterate(model) as Iterable<{ chunk_id: number; vector: Buffer }>) {
      const vector = new Float32Array(row.vector.buffer, row.vector.byteOffset, row.vector.byteLength / 4);
      let dot = 0;
      for (let index = 0; index < vector.length && index < query.length; index++) dot += vector[index]! * query[index]!;
      if (best.length < limit || dot > best[best.length - 1]!.cosine) {
        best.push({ id: row.chunk_id, cosine: dot });
        best.sort((a, b) => b.cosine - a.cosine || a.id - b.id);
        if (best.length > limit) best.pop();
      }
    }
    return best;
  }

  /** The text of the repository's issue and pull-request templates (see issue-boilerplate); SQL narrows the catalog. */
  templateTexts(): string[] {
    const candidates = this.statements.templateCandidates.all() as Array<{ id: number; path: string }>;
    const templates = candidates.filter((file) => isTemplatePath(file.path));
    return templates.map((file) =>
      this.chunksOfFile(file.id)
        .map((chunk) => chunk.content)
        .join('\n'),
    );
  }

  files(): Array<{ id: number; path: string }> {
    this.fileList ??= this.statements.files.all() as Array<{ id: number; path: string }>;
    return this.fileList;
  }

  file(fileId: number): { id: number; path: string; content_hash: string; size: number } | undefined {
    return this.statements.fileById.get(fileId) as
      { id: number; path: string; content_hash: string; size: number } | undefined;
  }
}
