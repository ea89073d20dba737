/**
 * Just enough ONNX (protobuf) encoding to write inference graphs by hand: no weights can be downloaded here, so the
 * test models and the bench's MiniLM-shaped model are generated. Buffers all the way down, so a 12 MB weight
 * tensor is copied once, not spread into number arrays.
 * Field numbers follow onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto, AttributeProto).
 */

function varint(value: number | bigint): Buffer {
  let rest = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0n);
  return Buffer.from(bytes);
}

const key = (field: number, wireType: number): Buffer => varint((field << 3) | wireType);
export const int = (field: number, value: number | bigint): Buffer => Buffer.concat([key(field, 0), varint(value)]);
export const bytes = (field: number, ...payload: Buffer[]): Buffer => {
  const body = Buffer.concat(payload);
  return Buffer.concat([key(field, 2), varint(body.length), body]);
};
export const str = (field: number, value: string): Buffer => bytes(field, Buffer.from(value, 'utf8'));

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

type Dim = number | string;

function tensorType(elemType: number, dims: readonly Dim[]): Buffer {
  const shape = dims.map((dim) => bytes(1, typeof dim === 'number' ? int(1, dim) : str(2, dim)));
  return bytes(1, int(1, elemType), bytes(2, ...shape));
}

export const valueInfo = (name: string, elemType: number, dims: readonly Dim[]): Buffer =>
  Buffer.concat([str(1, name), bytes(2, tensorType(elemType, dims))]);

/** AttributeProto values: an int (type 2), a float (type 1) or a list of ints (type 7). */
export const intAttribute = (name: string, value: number): Buffer => bytes(5, str(1, name), int(20, 2), int(3, value));
export const floatAttribute = (name: string, value: number): Buffer => {
  const encoded = Buffer.alloc(4);
  encoded.writeFloatLE(value);
  return bytes(5, str(1, name), int(20, 1), key(2, 5), encoded);
};
export const intsAttribute = (name: string, values: readonly number[]): Buffer =>
  bytes(5, str(1, name), int(20, 7), ...values.map((value) => int(8, value)));

let nodeCount = 0;
export function node(
  op: string,
  inputs: readonly string[],
  outputs: readonly string[],
  ...attributes: Buffer[]
): Buffer {
  return bytes(
    1,
    ...inputs.map((input) => str(1, input)),
    ...outputs.map((output) => str(2, output)),
    str(3, `${op}_${nodeCount++}`),
    str(4, op),
    ...attributes,
  );
}

export function tensor(name: string, dataType: number, dims: readonly number[], raw: ArrayBufferView): Buffer {
  return bytes(
    5,
    ...dims.map((dim) => int(1, dim)),
    int(2, dataType),
    str(8, name),
    bytes(9, Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)),
  );
}

export interface GraphParts {
  name: string;
  /** Encoded nodes (from `node`). */
  nodes: Buffer[];
  /** Encoded initializers (from `tensor`). */
  initializers: Buffer[];
  inputs: Buffer[];
  outputs: Buffer[];
}

/** A ModelProto: IR version 8, the default-domain opset given. */
export function onnxModel(graph: GraphParts, opset = 13): Buffer {
  const graphProto = bytes(
    7,
    ...graph.nodes,
    str(2, graph.name),
    ...graph.initializers,
    ...graph.inputs.map((input) => bytes(11, input)),
    ...graph.outputs.map((output) => bytes(12, output)),
  );
  return Buffer.concat([int(1, 8), str(2, 'codecontext'), graphProto, bytes(8, str(1, ''), int(2, opset))]);
}
