/**
 * Embedding throughput with a model of all-MiniLM-L6-v2's shape (see minilm-shaped-model.ts), random weights,
 * on real chunks: a tree is indexed (BM25 only), each chunk's embedding text (signature + doc + head of body, as
 * index-project embeds it) truncated to 256 tokens, and embedded by the product's own pass (embedMissingChunks,
 * loader, int8 `model_quantized.onnx`). References in the same run: the batches in index order, and the same
 * graph in float32.
 * Reports chunks/s and tokens/s (real tokens, padding excluded).
 * Usage: node --import tsx bench/embed/run-embed-bench.ts [--root DIR] [--chunks 400]
 */
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddingText, embedMissingChunks } from '../../src/indexing/embed-chunks.js';
import { loadEmbedder, type Embedder } from '../../src/indexing/embedder.js';
import { openDatabase } from '../../src/indexing/open-database.js';
import { refreshIndex } from '../../src/indexing/refresh-index.js';
import { SPECIAL_TOKENS, writeBertModelDirectory } from '../../test/helpers/tiny-embedding-model.js';
import { buildMiniLmShapedModel, MINILM_SHAPE } from './minilm-shaped-model.js';

const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1]! : fallback;
};
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const root = path.resolve(argument('--root', path.join(projectRoot, 'src')));
const chunkLimit = Number(argument('--chunks', '400'));
const BATCH = 8;
const MAX_TOKENS = 256;
const MODEL_ID = 'bench/minilm-shaped';

const work = path.join(os.tmpdir(), `codecontext-embed-bench-${process.pid}`);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

// 1. Real chunks of a real tree, indexed BM25-only first (as index-project does before embedding).
const db = openDatabase(path.join(work, 'index.db'));
await refreshIndex(db, { root, maxFileBytes: 1 << 20 });
const chunks = db
  .prepare(
    'SELECT f.path, c.symbol, c.signature, c.doc, c.content FROM chunks c JOIN files f ON f.id = c.file_id ORDER BY c.id LIMIT ?',
  )
  .all(chunkLimit) as Array<{
  path: string;
  symbol: string | null;
  signature: string | null;
  doc: string | null;
  content: string;
}>;
// Only the first `chunkLimit` chunks are embedded: drop the rest from the bench's own copy of the index.
db.prepare('DELETE FROM chunks WHERE id NOT IN (SELECT id FROM chunks ORDER BY id LIMIT ?)').run(chunkLimit);
const texts = chunks.map(embeddingText);

// 2. A WordPiece vocabulary of MiniLM's size: every character (whole and `##`), then the tree's most frequent
//    words, then `[unusedN]` fillers as in BERT's own vocabulary — so every input tokenizes without [UNK].
const counts = new Map<string, number>();
for (const text of texts)
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
const characters = [...new Set(texts.join('').toLowerCase())].filter((char) => char.trim() !== '');
const vocab: string[] = [...SPECIAL_TOKENS, ...characters, ...characters.map((char) => `##${char}`)];
const known = new Set(vocab);
for (const [word] of [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
  if (vocab.length >= MINILM_SHAPE.vocab) break;
  if (word.length > 1 && !known.has(word)) vocab.push(word);
}
for (let filler = 0; vocab.length < MINILM_SHAPE.vocab; filler++) vocab.push(`[unused${filler}]`);

const started = performance.now();
writeBertModelDirectory(path.join(work, 'models', MODEL_ID), {
  vocab,
  hidden: MINILM_SHAPE.hidden,
  maxLength: MAX_TOKENS,
  onnx: buildMiniLmShapedModel({ quantized: true }),
  unquantizedOnnx: buildMiniLmShapedModel({ quantized: false }),
});
process.stderr.write(`model written in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

// 3. Token counts, with the model's own tokenizer and truncation.
const transformers = await import('@xenova/transformers');
transformers.env.localModelPath = `${path.join(work, 'models')}${path.sep}`;
transformers.env.allowRemoteModels = false;
const tokenizer = await transformers.AutoTokenizer.from_pretrained(MODEL_ID);
const tokenCounts = texts.map((text) => Math.min(MAX_TOKENS, (tokenizer.encode(text) as number[]).length));
const totalTokens = tokenCounts.reduce((a, b) => a + b, 0);

function report(label: string, seconds: number, loadMs: number): Record<string, number | string> {
  const row = {
    model: label,
    load_ms: Math.round(loadMs),
    chunks: texts.length,
    seconds: +seconds.toFixed(2),
    chunks_per_s: +(texts.length / seconds).toFixed(1),
    tokens_per_s: Math.round(totalTokens / seconds),
  };
  process.stderr.write(`${JSON.stringify(row)}\n`);
  return row;
}

/** The product's pass (embedMissingChunks: length-sorted batches of 8, each committed) under another model name. */
async function timeProductPass(
  label: string,
  embedder: Embedder,
  loadMs: number,
): Promise<Record<string, number | string>> {
  await embedder.embed(texts.slice(0, BATCH)); // warm-up: first-call allocations
  const start = performance.now();
  const { embedded } = await embedMissingChunks(db, embedder);
  if (embedded !== texts.length) throw new Error(`embedded ${embedded} of ${texts.length} chunks`);
  return report(label, (performance.now() - start) / 1000, loadMs);
}

// 4. The product's path (int8), the same model batched in index order (what the pass did before sorting by
//    length), and the float32 graph — all in this run.
let loadStart = performance.now();
const loaded = await loadEmbedder({
  model: MODEL_ID,
  modelPath: path.join(work, 'models'),
  dataDir: work,
  timeoutMs: 60_000,
});
if (!loaded.ok) throw new Error(`the bench model did not load: ${loaded.reason}`);
const int8 = await timeProductPass(
  'int8, length-sorted batches (product path)',
  loaded.embedder,
  performance.now() - loadStart,
);
const unsortedStart = performance.now();
for (let offset = 0; offset < texts.length; offset += BATCH)
  await loaded.embedder.embed(texts.slice(offset, offset + BATCH));
const unsorted = report('int8, batches in index order', (performance.now() - unsortedStart) / 1000, 0);
loadStart = performance.now();
const fp32Pipeline = await transformers.pipeline('feature-extraction', MODEL_ID, { quantized: false });
const fp32Embedder: Embedder = {
  model: `${MODEL_ID}:fp32`,
  pooling: 'mean',
  async embed(batch) {
    const output = await fp32Pipeline([...batch], { pooling: 'mean', normalize: true });
    const width = output.dims[output.dims.length - 1]!;
    return batch.map((_, index) => (output.data as Float32Array).slice(index * width, (index + 1) * width));
  },
};
const fp32 = await timeProductPass(
  'float32 (model.onnx), length-sorted batches',
  fp32Embedder,
  performance.now() - loadStart,
);
db.close();

console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model },
      shape: MINILM_SHAPE,
      corpus: {
        root,
        chunks: texts.length,
        mean_tokens: +(totalTokens / texts.length).toFixed(1),
        max_tokens: MAX_TOKENS,
        batch: BATCH,
      },
      results: [int8, unsorted, fp32],
      length_sorting_speedup: +((int8.chunks_per_s as number) / (unsorted.chunks_per_s as number)).toFixed(2),
      int8_speedup_vs_fp32: +((int8.chunks_per_s as number) / (fp32.chunks_per_s as number)).toFixed(2),
    },
    null,
    2,
  ),
);
