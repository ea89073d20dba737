import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { AppConfig } from '../../../src/config/app-config.js';
import { loadEmbedder } from '../../../src/indexing/embedder.js';
import { indexProject } from '../../../src/indexing/index-project.js';
import { searchProject } from '../../../src/retrieve/search-project.js';
import { makeTempDir, writeTree } from '../../helpers/temp-tree.js';
import { writeTinyEmbeddingModel } from '../../helpers/tiny-embedding-model.js';

const MODEL = 'test/tiny-bert';

describe('embeddings fused with BM25 (tiny model generated at test time)', () => {
  const root = makeTempDir();
  const models = makeTempDir('codecontext-models-');
  const dataDir = makeTempDir('codecontext-data-');
  const load = (flags: Record<string, unknown> = {}) =>
    AppConfig.load(root, {
      env: {},
      flags: { data_dir: dataDir, embedding_model: MODEL, embedding_model_path: models, ...flags },
    });
  let indexed: Awaited<ReturnType<typeof indexProject>>;

  before(async () => {
    writeTree(root, {
      'vehicles.py': 'def park_car(spot):\n    """Put the car in a garage spot."""\n    return spot\n',
      'groceries.py': 'def ripen_banana(fruit):\n    """Let the banana fruit ripen."""\n    return fruit\n',
      'billing.py': 'def send_invoice(customer):\n    """Email the invoice to the customer."""\n    return customer\n',
    });
    writeTinyEmbeddingModel(models, MODEL, {
      words: [
        'car',
        'automobile',
        'garage',
        'park',
        'spot',
        'banana',
        'fruit',
        'ripen',
        'invoice',
        'customer',
        'email',
        'send',
      ],
      synonyms: [['car', 'automobile']],
    });
    indexed = await indexProject(load());
  });

  it('index-project embeds every chunk after BM25', () => {
    assert.equal(indexed.embeddings, 'ready');
  });

  it('a synonym BM25 cannot match is found only with embeddings on', async () => {
    const bm25Only = await searchProject(load({ enable_embeddings: false }), { query: 'automobile', topK: 3 });
    assert.ok(!bm25Only.results.some((result) => result.path === 'vehicles.py'), JSON.stringify(bm25Only.results));
    const fused = await searchProject(load(), { query: 'automobile', topK: 3 });
    assert.equal(fused.results[0]?.path, 'vehicles.py');
    assert.ok(fused.results[0]!.why.embedding! > 0);
    assert.equal(fused.results[0]!.why.bm25, 0);
  });

  it('embedding_query_prefix goes before the goal it embeds', async () => {
    // A prefix heavy with one topic pulls the goal's vector there: proof the prefix reached the embedded text.
    const prefixed = await searchProject(load({ embedding_query_prefix: 'banana ripen fruit banana ripen fruit ' }), {
      query: 'automobile',
      topK: 3,
    });
    assert.equal(prefixed.results[0]?.path, 'groceries.py', JSON.stringify(prefixed.results));
  });
});

describe('pooling follows the model folder', () => {
  const words = ['car', 'banana', 'fruit'];
  const vectorsOf = async (clsPooling: boolean) => {
    const models = makeTempDir('codecontext-models-');
    writeTinyEmbeddingModel(models, MODEL, { words, clsPooling });
    const loaded = await loadEmbedder({ model: MODEL, modelPath: models, dataDir: makeTempDir('codecontext-data-') });
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.reason);
    return { pooling: loaded.embedder.pooling, vectors: await loaded.embedder.embed(['car', 'banana fruit']) };
  };

  it('a 1_Pooling/config.json asking for [CLS] pools that token; without one the tokens are averaged', async () => {
    // In the tiny graph a token's vector ignores its neighbours, so [CLS] is the same for every text.
    const cls = await vectorsOf(true);
    assert.equal(cls.pooling, 'cls');
    assert.deepEqual([...cls.vectors[0]!], [...cls.vectors[1]!]);
    const mean = await vectorsOf(false);
    assert.equal(mean.pooling, 'mean');
    assert.notDeepEqual([...mean.vectors[0]!], [...mean.vectors[1]!]);
  });
});

describe('loadEmbedder falls back to BM25-only, quickly, and remembers', () => {
  it('reports an unresolvable package without throwing, and does not retry for 24 h', async () => {
    const dataDir = makeTempDir('codecontext-data-');
    let attempts = 0;
    const importTransformers = async () => {
      attempts++;
      throw new Error("Cannot find package '@xenova/transformers'");
    };
    const first = await loadEmbedder({ model: 'any/model', dataDir, importTransformers, now: () => 1_000 });
    assert.equal(first.ok, false);
    assert.match(!first.ok ? first.reason : '', /not installed/);
    assert.ok(existsSync(path.join(dataDir, 'embeddings-unavailable.json')));
    const second = await loadEmbedder({ model: 'any/model', dataDir, importTransformers, now: () => 1_000 + 60_000 });
    assert.match(!second.ok ? second.reason : '', /remembered/);
    assert.equal(attempts, 1, 'the verdict is remembered');
    const dayLater = await loadEmbedder({
      model: 'any/model',
      dataDir,
      importTransformers,
      now: () => 1_000 + 25 * 3600_000,
    });
    assert.equal(dayLater.ok, false);
    assert.equal(attempts, 2, 'retried after 24 h');
  });

  it('gives up on a download that hangs within the timeout', async () => {
    const dataDir = makeTempDir('codecontext-data-');
    const hanging = async () => ({
      env: { localModelPath: '', allowRemoteModels: true, allowLocalModels: true, cacheDir: '' },
      pipeline: () => new Promise<never>(() => {}),
    });
    const started = Date.now();
    const result = await loadEmbedder({ model: 'slow/model', dataDir, importTransformers: hanging, timeoutMs: 300 });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', /timed out after 300 ms/);
    assert.ok(Date.now() - started < 2000);
  });

  it('index-project warns once and stays BM25-only when the model cannot be loaded', async () => {
    const root = makeTempDir();
    writeTree(root, { 'a.py': 'def alpha():\n    return 1\n' });
    const config = AppConfig.load(root, {
      env: {},
      flags: {
        data_dir: makeTempDir('codecontext-data-'),
        embedding_model: 'missing/model',
        embedding_model_path: makeTempDir('codecontext-models-'),
      },
    });
    const warnings: string[] = [];
    const result = await indexProject(config, { onWarning: (message) => warnings.push(message) });
    assert.match(result.embeddings, /^unavailable: /);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /embeddings unavailable, BM25 only/);
    const search = await searchProject(config, { query: 'alpha', topK: 1 });
    assert.equal(search.results[0]?.symbol, 'alpha');
  });
});
