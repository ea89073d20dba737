/**
 * A tiny BERT-shaped embedding model, written at test time (no weights can be downloaded here): an ONNX graph
 * `input_ids, attention_mask, token_type_ids → last_hidden_state` that is a Gather from a small embedding table
 * times the mask, plus a WordPiece tokenizer. It loads through transformers.js's real
 * `pipeline('feature-extraction', …)` path. Words listed together in `synonyms` share one embedding row, so a
 * query for one finds text containing the other — which BM25 cannot.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// --- minimal protobuf encoding (varints, length-delimited fields) -------------------------------------------
function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return bytes;
}
const key = (field: number, wireType: number): number[] => varint((field << 3) | wireType);
const int = (field: number, value: number | bigint): number[] => [...key(field, 0), ...varint(value)];
const bytes = (field: number, payload: Uint8Array | number[]): number[] => [...key(field, 2), ...varint(payload.length), ...payload];
const str = (field: number, value: string): number[] => bytes(field, [...Buffer.from(value, 'utf8')]);

const FLOAT = 1;
const INT64 = 7;

function tensorType(elemType: number, dims: Array<number | string>): number[] {
  const shape = dims.flatMap((dim) => bytes(1, typeof dim === 'number' ? int(1, dim) : str(2, dim)));
  return bytes(1, [...int(1, elemType), ...bytes(2, shape)]);
}
const valueInfo = (name: string, elemType: number, dims: Array<number | string>): number[] => [...str(1, name), ...bytes(2, tensorType(elemType, dims))];
const node = (op: string, inputs: string[], outputs: string[], extra: number[] = []): number[] => [
  ...inputs.flatMap((input) => str(1, input)), ...outputs.flatMap((output) => str(2, output)), ...str(3, `${op}_${outputs[0]}`), ...str(4, op), ...extra,
];
function tensor(name: string, dataType: number, dims: number[], raw: Buffer): number[] {
  return [...dims.flatMap((dim) => int(1, dim)), ...int(2, dataType), ...str(8, name), ...bytes(9, raw)];
}

function onnxModel(table: Float32Array, vocabSize: number, hidden: number): Buffer {
  const toAttribute = bytes(5, [...str(1, 'to'), ...int(20, 2), ...int(3, FLOAT)]); // AttributeProto: name, type INT, i
  const graph = [
    ...bytes(1, node('Gather', ['embeddings', 'input_ids'], ['gathered'])),
    ...bytes(1, node('Cast', ['attention_mask'], ['mask_float'], toAttribute)),
    ...bytes(1, node('Unsqueeze', ['mask_float', 'unsqueeze_axes'], ['mask_expanded'])),
    ...bytes(1, node('Mul', ['gathered', 'mask_expanded'], ['last_hidden_state'])),
    ...str(2, 'tiny_bert'),
    ...bytes(5, tensor('embeddings', FLOAT, [vocabSize, hidden], Buffer.from(table.buffer))),
    ...bytes(5, tensor('unsqueeze_axes', INT64, [1], Buffer.from(new BigInt64Array([-1n]).buffer))),
    ...bytes(11, valueInfo('input_ids', INT64, ['batch', 'sequence'])),
    ...bytes(11, valueInfo('attention_mask', INT64, ['batch', 'sequence'])),
    ...bytes(11, valueInfo('token_type_ids', INT64, ['batch', 'sequence'])),
    ...bytes(12, valueInfo('last_hidden_state', FLOAT, ['batch', 'sequence', hidden])),
  ];
  const model = [...int(1, 8), ...str(2, 'codecontext-tests'), ...bytes(7, graph), ...bytes(8, [...str(1, ''), ...int(2, 13)])];
  return Buffer.from(model);
}

export interface TinyModelOptions {
  /** Lowercase words the tokenizer knows; anything else is [UNK]. */
  words: string[];
  /** Groups of words that share one embedding. */
  synonyms?: string[][];
  hidden?: number;
}

/** Write `<directory>/<modelId>/…` and return nothing; load it with `embedding_model_path = directory`. */
export function writeTinyEmbeddingModel(directory: string, modelId: string, options: TinyModelOptions): void {
  const hidden = options.hidden ?? 16;
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const vocabList = [...special, ...new Set(options.words.map((word) => word.toLowerCase()))];
  const vocab = Object.fromEntries(vocabList.map((word, index) => [word, index]));
  const table = new Float32Array(vocabList.length * hidden);
  // Deterministic pseudo-random rows; special tokens stay zero so they do not move the mean.
  let seed = 12345;
  const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  for (let row = special.length; row < vocabList.length; row++) for (let col = 0; col < hidden; col++) table[row * hidden + col] = next();
  for (const group of options.synonyms ?? []) {
    const [first, ...others] = group.map((word) => vocab[word.toLowerCase()]!);
    for (const other of others) table.copyWithin(other * hidden, first! * hidden, first! * hidden + hidden);
  }
  const modelDir = path.join(directory, modelId);
  mkdirSync(path.join(modelDir, 'onnx'), { recursive: true });
  const onnx = onnxModel(table, vocabList.length, hidden);
  writeFileSync(path.join(modelDir, 'onnx', 'model.onnx'), onnx);
  writeFileSync(path.join(modelDir, 'onnx', 'model_quantized.onnx'), onnx);
  writeFileSync(path.join(modelDir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: hidden, vocab_size: vocabList.length, architectures: ['BertModel'] }));
  writeFileSync(path.join(modelDir, 'tokenizer_config.json'), JSON.stringify({
    tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 512,
    cls_token: '[CLS]', sep_token: '[SEP]', unk_token: '[UNK]', pad_token: '[PAD]', mask_token: '[MASK]',
  }));
  const specialToken = (content: string) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  writeFileSync(path.join(modelDir, 'tokenizer.json'), JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special.map(specialToken),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((token) => [token, { id: token, ids: [vocab[token]], tokens: [token] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  }));
}
