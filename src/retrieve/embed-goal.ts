import type { AppConfig } from '../config/app-config.js';
import { embeddingsWarning, loadEmbedder } from '../indexing/embedder.js';
import type { Db } from '../indexing/open-database.js';
import { analysedPart } from './analyze-goal.js';
import { IndexReader } from './index-reader.js';

/**
 * The goal's embedding, when embeddings are on and the index holds vectors for the configured model; otherwise
 * undefined and the query stays BM25-only without ever loading the model. A failure warns when it is reached (not
 * while remembered) and falls back. `embedding_query_prefix` goes before the goal only: chunks are embedded bare.
 */
export async function embedGoal(
  config: AppConfig,
  db: Db,
  goal: string,
  onWarning: (message: string) => void = () => {},
): Promise<{ model: string; vector: Float32Array } | undefined> {
  const model = config.values.embeddingModel;
  if (!config.values.enableEmbeddings || !new IndexReader(db).hasVectors(model)) return undefined;
  const embedderOptions = { model, modelPath: config.values.embeddingModelPath, dataDir: config.dataDir };
  const loaded = await loadEmbedder(embedderOptions);
  if (!loaded.ok) {
    const warning = embeddingsWarning(loaded, embedderOptions);
    if (warning) onWarning(warning);
    return undefined;
  }
  const [vector] = await loaded.embedder.embed([config.values.embeddingQueryPrefix + analysedPart(goal)]);
  return vector ? { model, vector } : undefined;
}
