import { CodeContextError } from '../shared/errors.js';
import { vectorToBlob, type Embedder } from './embedder.js';
import type { Db } from './open-database.js';

export interface EmbedProgress {
  phase: 'embed';
  done: number;
  total: number;
}

/** Chunks embedded per model call: measured faster than 32 on two cores (ENVIRONMENT.md). */
const BATCH = 8;
/** What is embedded: where the chunk is, what it is called, its signature and doc, and the head of its body. */
const BODY_CHARS = 800;

export function embeddingText(chunk: {
  path: string;
  symbol: string | null;
  signature: string | null;
  doc: string | null;
  content: string;
}): string {
  return [chunk.path, chunk.symbol ?? '', chunk.signature ?? '', chunk.doc ?? '', chunk.content.slice(0, BODY_CHARS)]
    .filter(Boolean)
    .join('\n');
}

/**
 * Embed every chunk that has no vector for this model yet, in batches, each batch committed on its own: the pass
 * runs after BM25 is committed (the index is usable meanwhile) and resumes where it stopped.
 */
export async function embedMissingChunks(
  db: Db,
  embedder: Embedder,
  options: { signal?: AbortSignal; onProgress?: (progress: EmbedProgress) => void } = {},
): Promise<{ embedded: number }> {
  const pending = db
    .prepare(
      `SELECT c.id, f.path, c.symbol, c.signature, c.doc, c.content FROM chunks c JOIN files f ON f.id = c.file_id
     LEFT JOIN chunk_vectors v ON v.chunk_id = c.id AND v.model = ? WHERE v.chunk_id IS NULL ORDER BY c.id`,
    )
    .all(embedder.model) as Array<{
    id: number;
    path: string;
    symbol: string | null;
    signature: string | null;
    doc: string | null;
    content: string;
  }>;
  // A batch is padded to its longest text: embedding texts of similar length together wastes little of it.
  const texts = new Map(pending.map((chunk) => [chunk.id, embeddingText(chunk)]));
  pending.sort((a, b) => texts.get(a.id)!.length - texts.get(b.id)!.length || a.id - b.id);
  const insert = db.prepare('INSERT OR REPLACE INTO chunk_vectors (chunk_id, model, vector) VALUES (?, ?, ?)');
  const stillThere = db.prepare('SELECT 1 FROM chunks WHERE id = ?');
  let embedded = 0;
  for (let start = 0; start < pending.length; start += BATCH) {
    if (options.signal?.aborted)
      throw new CodeContextError('interrupted', 'interrupted: embeddings resume on the next index run');
    const batch = pending.slice(start, start + BATCH);
    const vectors = await embedder.embed(batch.map((chunk) => texts.get(chunk.id)!));
    db.transaction(() => {
      batch.forEach((chunk, index) => {
        // A refresh in another process may have replaced the file meanwhile.
        if (stillThere.get(chunk.id)) insert.run(chunk.id, embedder.model, vectorToBlob(vectors[index]!));
      });
    })();
    embedded += batch.length;
    options.onProgress?.({ phase: 'embed', done: embedded, total: pending.length });
  }
  return { embedded };
}
