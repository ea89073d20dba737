/**
 * A tiny BERT-shaped embedding model, written at test time (no weights can be downloaded here): an ONNX graph
 * `input_ids, attention_mask, token_type_ids → last_hidden_state` that is a Gather from a small embedding table
 * times the mask, plus a WordPiece tokenizer. It loads through transformers.js's real
 * `pipeline('feature-extraction', …)` path. Words listed together in `synonyms` share one embedding row, so a
 * query for one finds text containing the other — which BM25 cannot.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DataType, intAttribute, node, onnxModel, tensor, valueInfo } from './onnx-writer.js';

function tinyGraph(table: Float32Array, vocabSize: number, hidden: number): Buffer {
  return onnxModel({
    name: 'tiny_bert',
    nodes: [
      node('Gather', ['embeddings', 'input_ids'], ['gathered']),
      node('Cast', ['attention_mask'], ['mask_float'], intAttribute('to', DataType.FLOAT)),
      node('Unsqueeze', ['mask_float', 'unsqueeze_axes'], ['mask_expanded']),
      node('Mul', ['gathered', 'mask_expanded'], ['last_hidden_state']),
    ],
    initializers: [
      tensor('embeddings', DataType.FLOAT, [vocabSize, hidden], table),
      tensor('unsqueeze_axes', DataType.INT64, [1], new BigInt64Array([-1n])),
    ],
    inputs: ['input_ids', 'attention_mask', 'token_type_ids'].map((name) =>
      valueInfo(name, DataType.INT64, ['batch', 'sequence']),
    ),
    outputs: [valueInfo('last_hidden_state', DataType.FLOAT, ['batch', 'sequence', hidden])],
  });
}

export interface TinyModelOptions {
  /** Lowercase words the tokenizer knows; anything else is [UNK]. */
  words: string[];
  /** Groups of words that share one embedding. */
  synonyms?: string[][];
  hidden?: number;
  /** Write a sentence-transformers `1_Pooling/config.json` that asks for [CLS] pooling, and give [CLS] a row. */
  clsPooling?: boolean;
}

/** Write `<directory>/<modelId>/…` and return nothing; load it with `embedding_model_path = directory`. */
export function writeTinyEmbeddingModel(directory: string, modelId: string, options: TinyModelOptions): void {
  const hidden = options.hidden ?? 16;
  const special = SPECIAL_TOKENS;
  const vocabList = [...special, ...new Set(options.words.map((word) => word.toLowerCase()))];
  const vocab = Object.fromEntries(vocabList.map((word, index) => [word, index]));
  const table = new Float32Array(vocabList.length * hidden);
  // Deterministic pseudo-random rows; special tokens stay zero so they do not move the mean.
  let seed = 12345;
  const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  for (let row = special.length; row < vocabList.length; row++)
    for (let col = 0; col < hidden; col++) table[row * hidden + col] = next();
  if (options.clsPooling) for (let col = 0; col < hidden; col++) table[vocab['[CLS]']! * hidden + col] = next();
  for (const group of options.synonyms ?? []) {
    const [first, ...others] = group.map((word) => vocab[word.toLowerCase()]!);
    for (const other of others) table.copyWithin(other * hidden, first! * hidden, first! * hidden + hidden);
  }
  writeBertModelDirectory(path.join(directory, modelId), {
    vocab: vocabList,
    hidden,
    onnx: tinyGraph(table, vocabList.length, hidden),
  });
  if (options.clsPooling) {
    mkdirSync(path.join(directory, modelId, '1_Pooling'), { recursive: true });
    writeFileSync(
      path.join(directory, modelId, '1_Pooling', 'config.json'),
      JSON.stringify({
        word_embedding_dimension: hidden,
        pooling_mode_cls_token: true,
        pooling_mode_mean_tokens: false,
      }),
    );
  }
}

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/**
 * The files transformers.js reads for a BERT-style feature extractor: the graph (as both the plain and the
 * quantized file, unless an unquantized one is given), config, and a WordPiece tokenizer over `vocab` (which starts with SPECIAL_TOKENS).
 */
export function writeBertModelDirectory(
  modelDir: string,
  model: { vocab: readonly string[]; hidden: number; onnx: Buffer; unquantizedOnnx?: Buffer; maxLength?: number },
): void {
  const vocab = Object.fromEntries(model.vocab.map((word, index) => [word, index]));
  mkdirSync(path.join(modelDir, 'onnx'), { recursive: true });
  writeFileSync(path.join(modelDir, 'onnx', 'model.onnx'), model.unquantizedOnnx ?? model.onnx);
  writeFileSync(path.join(modelDir, 'onnx', 'model_quantized.onnx'), model.onnx);
  writeFileSync(
    path.join(modelDir, 'config.json'),
    JSON.stringify({
      model_type: 'bert',
      hidden_size: model.hidden,
      vocab_size: model.vocab.length,
      architectures: ['BertModel'],
    }),
  );
  writeFileSync(
    path.join(modelDir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: model.maxLength ?? 512,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      unk_token: '[UNK]',
      pad_token: '[PAD]',
      mask_token: '[MASK]',
    }),
  );
  const specialToken = (content: string) => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  writeFileSync(
    path.join(modelDir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: SPECIAL_TOKENS.map(specialToken),
      normalizer: {
        type: 'BertNormalizer',
        clean_text: true,
        handle_chinese_chars: true,
        strip_accents: null,
        lowercase: true,
      },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [
          { SpecialToken: { id: '[CLS]', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '[SEP]', type_id: 0 } },
        ],
        pair: [
          { SpecialToken: { id: '[CLS]', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '[SEP]', type_id: 0 } },
          { Sequence: { id: 'B', type_id: 1 } },
          { SpecialToken: { id: '[SEP]', type_id: 1 } },
        ],
        special_tokens: Object.fromEntries(
          ['[CLS]', '[SEP]'].map((token) => [token, { id: token, ids: [vocab[token]], tokens: [token] }]),
        ),
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: {
        type: 'WordPiece',
        unk_token: '[UNK]',
        continuing_subword_prefix: '##',
        max_input_chars_per_word: 100,
        vocab,
      },
    }),
  );
}
