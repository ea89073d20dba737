/**
 * A BERT encoder of all-MiniLM-L6-v2's shape — 6 layers, hidden 384, 12 heads, FFN 1536, vocab 30522, 512
 * positions — with random weights, written as ONNX: no real weights can be downloaded here, and inference cost
 * depends on the shape and the operators, not on the values.
 *
 * `quantized` mirrors what onnxruntime's dynamic quantization produces for Xenova's `model_quantized.onnx`: int8
 * weights, activations quantized per call (DynamicQuantizeLinear → MatMulInteger → rescale), an int8 word-embedding
 * table dequantized after the Gather. Otherwise every weight is float32 (the `model.onnx` reference).
 */
import {
  DataType,
  intAttribute,
  intsAttribute,
  node,
  onnxModel,
  tensor,
  valueInfo,
} from '../../test/helpers/onnx-writer.js';

export const MINILM_SHAPE = {
  layers: 6,
  hidden: 384,
  heads: 12,
  intermediate: 1536,
  vocab: 30522,
  positions: 512,
} as const;

/** Deterministic pseudo-random numbers, so two runs time the same model. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildMiniLmShapedModel(options: { quantized: boolean; seed?: number }): Buffer {
  const { layers, hidden, heads, intermediate, vocab, positions } = MINILM_SHAPE;
  const next = random(options.seed ?? 7);
  const nodes: Buffer[] = [];
  const initializers: Buffer[] = [];
  const scalar = (name: string, value: number): string => {
    initializers.push(tensor(name, DataType.FLOAT, [], new Float32Array([value])));
    return name;
  };
  const int64s = (name: string, values: number[], dims: number[] = [values.length]): string => {
    initializers.push(tensor(name, DataType.INT64, dims, new BigInt64Array(values.map(BigInt))));
    return name;
  };
  // Weights ~ uniform(±0.04): the spread of a trained small BERT's matrices.
  const floats = (name: string, dims: number[], spread = 0.04, offset = 0): string => {
    const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let index = 0; index < values.length; index++) values[index] = offset + (next() * 2 - 1) * spread;
    initializers.push(tensor(name, DataType.FLOAT, dims, values));
    return name;
  };
  const int8s = (name: string, dims: number[]): string => {
    const values = new Int8Array(dims.reduce((a, b) => a * b, 1));
    for (let index = 0; index < values.length; index++) values[index] = Math.round((next() * 2 - 1) * 127);
    initializers.push(tensor(name, DataType.INT8, dims, values));
    return name;
  };
  const add = (op: string, inputs: string[], output: string, ...attributes: Buffer[]): string => {
    nodes.push(node(op, inputs, [output], ...attributes));
    return output;
  };

  const one = scalar('one', 1);
  const half = scalar('half', 0.5);
  const invSqrt2 = scalar('inv_sqrt2', Math.SQRT1_2);
  const epsilon = scalar('epsilon', 1e-12);
  const maskFill = scalar('mask_fill', -10000);
  const attentionScale = scalar('attention_scale', 1 / Math.sqrt(hidden / heads));
  // Per-tensor weight scale and zero point of the int8 graph (the float32 graph has no use for them).
  const weightScale = 'weight_scale';
  const weightZero = 'weight_zero';
  if (options.quantized) {
    scalar(weightScale, 0.04 / 127);
    initializers.push(tensor(weightZero, DataType.INT8, [], new Int8Array([0])));
  }

  const layerNorm = (prefix: string, input: string): string => {
    const axes = intsAttribute('axes', [-1]);
    const mean = add('ReduceMean', [input], `${prefix}_mean`, axes);
    const centred = add('Sub', [input, mean], `${prefix}_centred`);
    const variance = add(
      'ReduceMean',
      [add('Mul', [centred, centred], `${prefix}_square`)],
      `${prefix}_variance`,
      axes,
    );
    const deviation = add('Sqrt', [add('Add', [variance, epsilon], `${prefix}_variance_eps`)], `${prefix}_deviation`);
    const normalized = add('Div', [centred, deviation], `${prefix}_normalized`);
    const scaled = add('Mul', [normalized, floats(`${prefix}_gamma`, [hidden], 0.05, 1)], `${prefix}_scaled`);
    return add('Add', [scaled, floats(`${prefix}_beta`, [hidden], 0.02)], `${prefix}_out`);
  };

  /** x · W + b, with W int8 and x quantized on the fly when `quantized`, float32 otherwise. */
  const linear = (
    prefix: string,
    input: string,
    inputs: number,
    outputs: number,
    quantizedInput?: [string, string, string],
  ): string => {
    const bias = floats(`${prefix}_bias`, [outputs], 0.02);
    if (!options.quantized)
      return add(
        'Add',
        [add('MatMul', [input, floats(`${prefix}_weight`, [inputs, outputs])], `${prefix}_matmul`), bias],
        `${prefix}_out`,
      );
    const [values, scale, zero] = quantizedInput ?? quantize(prefix, input);
    const product = add(
      'MatMulInteger',
      [values, int8s(`${prefix}_weight`, [inputs, outputs]), zero, weightZero],
      `${prefix}_int32`,
    );
    const asFloat = add('Cast', [product], `${prefix}_float`, intAttribute('to', DataType.FLOAT));
    const rescale = add('Mul', [scale, weightScale], `${prefix}_scale`);
    return add('Add', [add('Mul', [asFloat, rescale], `${prefix}_rescaled`), bias], `${prefix}_out`);
  };
  const quantize = (prefix: string, input: string): [string, string, string] => {
    const outputs: [string, string, string] = [`${prefix}_q`, `${prefix}_q_scale`, `${prefix}_q_zero`];
    nodes.push(node('DynamicQuantizeLinear', [input], outputs));
    return outputs;
  };

  // Embeddings: word + position + token type, then LayerNorm.
  let words: string;
  if (options.quantized) {
    const gathered = add('Gather', [int8s('word_embeddings', [vocab, hidden]), 'input_ids'], 'word_gathered');
    words = add('DequantizeLinear', [gathered, weightScale, weightZero], 'word_vectors');
  } else {
    words = add('Gather', [floats('word_embeddings', [vocab, hidden]), 'input_ids'], 'word_vectors');
  }
  const shape = add('Shape', ['input_ids'], 'input_shape');
  const sequence = add('Gather', [shape, int64s('index_one', [1], [])], 'sequence_length');
  const positionIds = add('Range', [int64s('zero_i', [0], []), sequence, int64s('one_i', [1], [])], 'position_ids');
  const positionVectors = add(
    'Gather',
    [floats('position_embeddings', [positions, hidden]), positionIds],
    'position_vectors',
  );
  const typeVectors = add('Gather', [floats('type_embeddings', [2, hidden]), 'token_type_ids'], 'type_vectors');
  const summed = add('Add', [add('Add', [words, positionVectors], 'embeddings_wp'), typeVectors], 'embeddings_sum');
  let hiddenState = layerNorm('embeddings_ln', summed);

  // Additive attention mask: 0 for tokens, -10000 for padding, shaped [batch, 1, 1, sequence].
  const maskFloat = add('Cast', ['attention_mask'], 'mask_float', intAttribute('to', DataType.FLOAT));
  const maskBias = add('Mul', [add('Sub', [one, maskFloat], 'mask_inverted'), maskFill], 'mask_bias');
  const maskExpanded = add('Unsqueeze', [maskBias, int64s('mask_axes', [1, 2])], 'mask_expanded');

  const splitHeads = int64s('split_heads', [0, 0, heads, hidden / heads]);
  const mergeHeads = int64s('merge_heads', [0, 0, hidden]);
  for (let layer = 0; layer < layers; layer++) {
    const p = `layer${layer}`;
    const shared = options.quantized ? quantize(`${p}_qkv`, hiddenState) : undefined;
    const heads4 = (name: string, perm: number[]): string =>
      add(
        'Transpose',
        [
          add(
            'Reshape',
            [linear(`${p}_${name}`, hiddenState, hidden, hidden, shared), splitHeads],
            `${p}_${name}_split`,
          ),
        ],
        `${p}_${name}_heads`,
        intsAttribute('perm', perm),
      );
    const query = heads4('query', [0, 2, 1, 3]);
    const keyT = heads4('key', [0, 2, 3, 1]);
    const value = heads4('value', [0, 2, 1, 3]);
    const scores = add(
      'Add',
      [
        add('Mul', [add('MatMul', [query, keyT], `${p}_scores_raw`), attentionScale], `${p}_scores_scaled`),
        maskExpanded,
      ],
      `${p}_scores`,
    );
    const probabilities = add('Softmax', [scores], `${p}_probabilities`, intAttribute('axis', -1));
    const context = add(
      'Transpose',
      [add('MatMul', [probabilities, value], `${p}_context_heads`)],
      `${p}_context_t`,
      intsAttribute('perm', [0, 2, 1, 3]),
    );
    const merged = add('Reshape', [context, mergeHeads], `${p}_context`);
    const attended = layerNorm(
      `${p}_attention_ln`,
      add('Add', [linear(`${p}_attention_output`, merged, hidden, hidden), hiddenState], `${p}_attention_residual`),
    );
    // GELU (erf form): 0.5 · x · (1 + erf(x / √2)).
    const up = linear(`${p}_intermediate`, attended, hidden, intermediate);
    const erf = add('Erf', [add('Mul', [up, invSqrt2], `${p}_gelu_scaled`)], `${p}_gelu_erf`);
    const gelu = add(
      'Mul',
      [add('Mul', [up, add('Add', [erf, one], `${p}_gelu_shift`)], `${p}_gelu_product`), half],
      `${p}_gelu`,
    );
    const down = linear(`${p}_output`, gelu, intermediate, hidden);
    hiddenState = layerNorm(`${p}_output_ln`, add('Add', [down, attended], `${p}_output_residual`));
  }
  nodes.push(node('Identity', [hiddenState], ['last_hidden_state']));

  return onnxModel({
    name: options.quantized ? 'minilm_shaped_int8' : 'minilm_shaped_fp32',
    nodes,
    initializers,
    inputs: ['input_ids', 'attention_mask', 'token_type_ids'].map((name) =>
      valueInfo(name, DataType.INT64, ['batch', 'sequence']),
    ),
    outputs: [valueInfo('last_hidden_state', DataType.FLOAT, ['batch', 'sequence', hidden])],
  });
}
