// A minimal ONNX writer: just enough protobuf (varints and length-delimited fields) to emit the
// graphs Paperboy generates itself — the static-embedding Gather graph of the offline model here,
// and the random-weight BERT encoder of the tests and benches (pipeline/testing/embed-random-bert.ts). No npm package does this from JS
// without pulling in a full protobuf toolchain, and the schema subset we need is tiny.
import { seededRandom } from '../util/random.ts';

type Field = Uint8Array;

export const FLOAT = 1;
const INT64 = 7;

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function tag(field: number, wire: number): number[] {
  return varint((field << 3) | wire);
}

function intField(field: number, value: number | bigint): Field {
  return Uint8Array.from([...tag(field, 0), ...varint(value)]);
}

function bytesField(field: number, payload: Uint8Array): Field {
  return concat([Uint8Array.from([...tag(field, 2), ...varint(payload.length)]), payload]);
}

function stringField(field: number, s: string): Field {
  return bytesField(field, new TextEncoder().encode(s));
}

function message(...fields: Field[]): Uint8Array {
  return concat(fields);
}

export interface TensorInit {
  name: string;
  dims: number[];
  /** float32 or int64 contents. */
  data: Float32Array | BigInt64Array;
}

function tensorProto(t: TensorInit): Uint8Array {
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return message(...t.dims.map((d) => intField(1, d)), intField(2, t.data instanceof Float32Array ? FLOAT : INT64), stringField(8, t.name), bytesField(9, raw));
}

interface ValueInfo {
  name: string;
  type: 'float' | 'int64';
  /** Numbers are fixed sizes, strings symbolic (`batch_size`). */
  shape: (number | string)[];
}

function valueInfo(v: ValueInfo): Uint8Array {
  const dims = v.shape.map((d) => bytesField(1, typeof d === 'number' ? intField(1, d) : stringField(2, d)));
  const tensorType = message(intField(1, v.type === 'float' ? FLOAT : INT64), bytesField(2, message(...dims)));
  return message(stringField(1, v.name), bytesField(2, bytesField(1, tensorType)));
}

export type Attribute = { name: string } & ({ i: number } | { f: number } | { ints: number[] });

function attribute(a: Attribute): Uint8Array {
  if ('i' in a) return message(stringField(1, a.name), intField(3, a.i), intField(20, 2));
  if ('f' in a) {
    const f = new Uint8Array(4);
    new DataView(f.buffer).setFloat32(0, a.f, true);
    return message(stringField(1, a.name), concat([Uint8Array.from(tag(2, 5)), f]), intField(20, 1));
  }
  return message(stringField(1, a.name), ...a.ints.map((x) => intField(8, x)), intField(20, 7));
}

export interface NodeInit {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Attribute[];
}

function node(n: NodeInit, index: number): Uint8Array {
  return message(
    ...n.inputs.map((s) => stringField(1, s)),
    ...n.outputs.map((s) => stringField(2, s)),
    stringField(3, `${n.op}_${index}`),
    stringField(4, n.op),
    ...(n.attributes ?? []).map((a) => bytesField(5, attribute(a))),
  );
}

interface GraphInit {
  name: string;
  opset: number;
  nodes: NodeInit[];
  initializers: TensorInit[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

/** Serializes a ModelProto (IR version 8) with one graph. */
export function encodeModel(g: GraphInit): Uint8Array {
  const graph = message(
    ...g.nodes.map((n, i) => bytesField(1, node(n, i))),
    stringField(2, g.name),
    ...g.initializers.map((t) => bytesField(5, tensorProto(t))),
    ...g.inputs.map((v) => bytesField(11, valueInfo(v))),
    ...g.outputs.map((v) => bytesField(12, valueInfo(v))),
  );
  return message(intField(1, 8), stringField(2, 'paperboy'), bytesField(7, graph), bytesField(8, message(stringField(1, ''), intField(2, g.opset))));
}

/**
 * The static-embedding model: `last_hidden_state = embeddings[input_ids]`. Mean pooling over
 * the attention mask (done by the caller) then averages the token vectors of each text.
 */
export function staticEmbeddingGraph(embeddings: Float32Array, vocab: number, dim: number): Uint8Array {
  return encodeModel({
    name: 'paperboy-static-embedding',
    opset: 13,
    nodes: [{ op: 'Gather', inputs: ['embeddings', 'input_ids'], outputs: ['last_hidden_state'], attributes: [{ name: 'axis', i: 0 }] }],
    initializers: [{ name: 'embeddings', dims: [vocab, dim], data: embeddings }],
    inputs: [{ name: 'input_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] }],
    outputs: [{ name: 'last_hidden_state', type: 'float', shape: ['batch_size', 'sequence_length', dim] }],
  });
}

/** Walks the fields of one protobuf message: (field number, wire type, value or payload). */
function* fields(buf: Uint8Array): Generator<{ field: number; wire: number; payload: Uint8Array }> {
  let off = 0;
  const readVarint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[off++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (off < buf.length) {
    const key = Number(readVarint());
    const wire = key & 7;
    const start = off;
    if (wire === 0) readVarint();
    else if (wire === 1) off += 8;
    else if (wire === 5) off += 4;
    else if (wire === 2) {
      const len = Number(readVarint());
      yield { field: key >> 3, wire, payload: buf.subarray(off, off + len) };
      off += len;
      continue;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    yield { field: key >> 3, wire, payload: buf.subarray(start, off) };
  }
}

/**
 * The float32 contents of one initializer of a model `encodeModel` wrote (raw data, little
 * endian), e.g. the `embeddings` of the offline model; undefined when there is none by that name.
 */
export function readFloatInitializer(model: Uint8Array, name: string): Float32Array | undefined {
  for (const g of fields(model)) {
    if (g.field !== 7) continue;
    for (const init of fields(g.payload)) {
      if (init.field !== 5) continue;
      let tensorName = '';
      let raw: Uint8Array | undefined;
      for (const f of fields(init.payload)) {
        if (f.field === 8) tensorName = new TextDecoder().decode(f.payload);
        if (f.field === 9) raw = f.payload;
      }
      if (tensorName === name && raw) return new Float32Array(new Uint8Array(raw).buffer); // a copy: aligned, and not a view of a pooled Buffer
    }
  }
  return undefined;
}

/** Deterministic standard-normal generator (mulberry32 + Box–Muller). */
export function gaussian(seed: number): () => number {
  const uniform = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-300)) * Math.cos(2 * Math.PI * uniform());
}
