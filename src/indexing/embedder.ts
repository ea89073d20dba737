import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDataDirectory } from '../shared/create-data-directory.js';

/**
 * Sentence embeddings with transformers.js (feature extraction, mean pooling, normalised), loaded with `import()`
 * only when embeddings are wanted: BM25 queries and reports never pay for onnxruntime. The package is an optional
 * dependency; when it or the model is unavailable (no network, no cache), the attempt gives up after 5 s and the
 * verdict is remembered for 24 h in the data dir, so every later command goes BM25-only at once. The warning, with
 * its fix, is given when the verdict is reached, not on every command that reads it: a user who chose to live
 * without embeddings hears it at most once a day (`doctor` shows the remembered verdict any time).
 */
export interface Embedder {
  model: string;
  /** How token vectors become one: the model folder's sentence-transformers `1_Pooling/config.json`, else mean. */
  pooling: Pooling;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/** Why there is no embedder: the optional package is missing, or the model could not be loaded. */
export type EmbeddingsFailure = 'package' | 'model';

export type EmbedderResult =
  | { ok: true; embedder: Embedder }
  | {
      ok: false;
      reason: string;
      cause: EmbeddingsFailure;
      /** read from the data dir, not found just now */ remembered: boolean;
    };

export interface EmbedderOptions {
  model: string;
  /** A directory holding `<model>/…`: load from there, never download. */
  modelPath?: string;
  /** Where the "unavailable" verdict is remembered. */
  dataDir: string;
  timeoutMs?: number;
  now?: () => number;
  /** Replaceable for tests: how the package is imported. */
  importTransformers?: () => Promise<TransformersModule>;
}

interface TransformersModule {
  env: { localModelPath: string; allowRemoteModels: boolean; allowLocalModels: boolean; cacheDir: string };
  pipeline: (
    task: string,
    model: string,
    options: Record<string, unknown>,
  ) => Promise<(texts: string[], options: Record<string, unknown>) => Promise<{ data: Float32Array; dims: number[] }>>;
}

export type Pooling = 'mean' | 'cls';

/**
 * The pooling a model was trained with, as its sentence-transformers folder states it (`pooling_mode_cls_token`:
 * CodeRankEmbed pools the [CLS] token; MiniLM and jina-embeddings-v2 take the mean). Mean when the file is absent
 * (a downloaded model: transformers.js fetches only the graph, config and tokenizer) or unreadable.
 */
export function poolingOf(modelDir: string): Pooling {
  try {
    const config = JSON.parse(readFileSync(path.join(modelDir, '1_Pooling', 'config.json'), 'utf8')) as {
      pooling_mode_cls_token?: unknown;
    };
    return config.pooling_mode_cls_token === true ? 'cls' : 'mean';
  } catch {
    return 'mean';
  }
}

export const EMBEDDING_LOAD_TIMEOUT_MS = 5000;
export const UNAVAILABLE_MEMORY_MS = 24 * 60 * 60 * 1000;
const STATUS_FILE = 'embeddings-unavailable.json';
// One load per process and model: the CLI and the gateway both call this per request.
const loaded = new Map<string, Promise<EmbedderResult>>();

/** The file holding the remembered "unavailable" verdict of a data dir. */
export function embeddingsStatusFile(dataDir: string): string {
  return path.join(dataDir, STATUS_FILE);
}

/** The verdict on record for this model and path while it holds, or null (read only: nothing is loaded). */
export function rememberedFailure(
  options: Pick<EmbedderOptions, 'model' | 'modelPath' | 'dataDir'>,
  now: number,
): { reason: string; cause: EmbeddingsFailure; until: number } | null {
  try {
    const status = JSON.parse(readFileSync(embeddingsStatusFile(options.dataDir), 'utf8')) as {
      model: string;
      model_path: string | null;
      until: number;
      reason: string;
      cause?: EmbeddingsFailure;
    };
    if (status.model === options.model && status.model_path === (options.modelPath ?? null) && status.until > now)
      return { reason: status.reason, cause: status.cause ?? causeOf(status.reason), until: status.until };
  } catch {
    // No verdict on record.
  }
  return null;
}

const PACKAGE = '@xenova/transformers';

function causeOf(reason: string): EmbeddingsFailure {
  return reason.startsWith(PACKAGE) ? 'package' : 'model';
}

/** Whether the optional package resolves from here (nothing is loaded: onnxruntime stays out of `doctor`). */
export function embeddingsPackageInstalled(): boolean {
  try {
    import.meta.resolve(PACKAGE);
    return true;
  } catch {
    return false;
  }
}

/** What to do about a failure, in config keys and commands (the warning and `doctor` both say it). */
export function embeddingsFix(cause: EmbeddingsFailure, options: Pick<EmbedderOptions, 'model' | 'modelPath'>): string {
  const off = 'or set enable_embeddings = false in .codecontext.toml (BM25 only, no warning)';
  if (cause === 'package')
    return `install the optional package ${PACKAGE} beside codecontext (npm install ${PACKAGE}), ${off}`;
  if (options.modelPath)
    return `put ${options.model}/ (config.json, tokenizer.json, onnx/model_quantized.onnx) under embedding_model_path ${options.modelPath}, ${off}`;
  return `${options.model} downloads once into ~/.cache/codecontext/models: run codecontext index-project with network access, or set embedding_model_path to a local copy, ${off}`;
}

/** The one warning for a failure reached just now (a remembered one is silent: it was said when reached). */
export function embeddingsWarning(
  result: Extract<EmbedderResult, { ok: false }>,
  options: Pick<EmbedderOptions, 'model' | 'modelPath'>,
): string | null {
  if (result.remembered) return null;
  return `embeddings unavailable, BM25 only: ${result.reason}; to fix: ${embeddingsFix(result.cause, options)} (not repeated for 24 h)`;
}

function rememberFailure(options: EmbedderOptions, now: number, reason: string, cause: EmbeddingsFailure): void {
  try {
    createDataDirectory(options.dataDir);
    writeFileSync(
      path.join(options.dataDir, STATUS_FILE),
      JSON.stringify({
        model: options.model,
        model_path: options.modelPath ?? null,
        until: now + UNAVAILABLE_MEMORY_MS,
        reason,
        cause,
      }),
    );
  } catch {
    // Not being able to remember only costs another 5 s attempt next time.
  }
}

async function attemptLoad(options: EmbedderOptions): Promise<EmbedderResult> {
  let transformers: TransformersModule;
  try {
    transformers = await (
      options.importTransformers ??
      (() => import('@xenova/transformers') as Promise<unknown> as Promise<TransformersModule>)
    )();
  } catch (error) {
    return {
      ok: false,
      reason: `${PACKAGE} is not installed (${(error as Error).message.split('\n')[0]})`,
      cause: 'package',
      remembered: false,
    };
  }
  if (options.modelPath) {
    transformers.env.localModelPath = `${path.resolve(options.modelPath)}${path.sep}`;
    transformers.env.allowLocalModels = true;
    transformers.env.allowRemoteModels = false;
  } else {
    transformers.env.allowRemoteModels = true;
    transformers.env.cacheDir = path.join(os.homedir(), '.cache', 'codecontext', 'models');
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(`loading ${options.model} timed out after ${options.timeoutMs ?? EMBEDDING_LOAD_TIMEOUT_MS} ms`),
        ),
      options.timeoutMs ?? EMBEDDING_LOAD_TIMEOUT_MS,
    );
  });
  try {
    const extractor = await Promise.race([
      transformers.pipeline('feature-extraction', options.model, { quantized: true }),
      timeout,
    ]);
    const pooling = options.modelPath ? poolingOf(path.join(path.resolve(options.modelPath), options.model)) : 'mean';
    return {
      ok: true,
      embedder: {
        model: options.model,
        pooling,
        async embed(texts) {
          if (texts.length === 0) return [];
          const output = await extractor([...texts], { pooling, normalize: true });
          const width = output.dims[output.dims.length - 1]!;
          return texts.map((_, index) => output.data.slice(index * width, (index + 1) * width));
        },
      },
    };
  } catch (error) {
    return {
      ok: false,
      reason: (error as Error).message.split('\n')[0] ?? 'unknown error',
      cause: 'model',
      remembered: false,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The embedder for a model, or why there is none (remembered for 24 h). Never throws, never hangs past the timeout. */
export function loadEmbedder(options: EmbedderOptions): Promise<EmbedderResult> {
  const now = (options.now ?? Date.now)();
  const remembered = rememberedFailure(options, now);
  if (remembered)
    return Promise.resolve({
      ok: false,
      reason: `${remembered.reason} (remembered; retried after 24 h)`,
      cause: remembered.cause,
      remembered: true,
    });
  const cacheKey = `${options.model}\0${options.modelPath ?? ''}\0${options.importTransformers ? 'injected' : ''}`;
  let pending = loaded.get(cacheKey);
  if (!pending) {
    pending = attemptLoad(options).then((result) => {
      if (!result.ok) rememberFailure(options, now, result.reason, result.cause);
      return result;
    });
    if (!options.importTransformers) loaded.set(cacheKey, pending);
  }
  return pending;
}

/** Float32 vector → SQLite BLOB (read back as a Float32Array view in IndexReader.nearestChunks). */
export function vectorToBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}
