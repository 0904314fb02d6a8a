// A BERT encoder with random weights, written as an ONNX graph by the embed stage's ONNX writer:
// it stands in for a trained transformer in the embedder's tests and the embed bench (no model
// download), running and costing what a trained model of the same shape does.
import { type Attribute, encodeModel, FLOAT, gaussian, type NodeInit, type TensorInit } from '../embed/onnx.ts';

export interface BertShape {
  vocab: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  maxPositions: number;
}

export const MINILM_SHAPE: BertShape = { vocab: 30522, hidden: 384, layers: 6, heads: 12, intermediate: 1536, maxPositions: 512 };

/**
 * A BERT encoder with random weights (N(0, 0.02), LayerNorm γ=1, β=0), opset 17. Its vectors mean
 * nothing, but it runs tokenization, masking, padding, attention and pooling exactly as a trained
 * BERT of the same shape does — and costs the same — so it tests and benchmarks the transformer path.
 */
export function randomBertGraph(shape: BertShape, seed = 1): Uint8Array {
  const { vocab, hidden: h, layers, heads, intermediate, maxPositions } = shape;
  const headDim = h / heads;
  if (!Number.isInteger(headDim)) throw new Error('hidden must be a multiple of heads');
  const rand = gaussian(seed);
  const inits: TensorInit[] = [];
  const weight = (name: string, dims: number[]) => {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = rand() * 0.02;
    inits.push({ name, dims, data });
    return name;
  };
  const constant = (name: string, dims: number[], value: number) => {
    inits.push({ name, dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value) });
    return name;
  };
  const ints = (name: string, values: number[]) => {
    inits.push({ name, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  };
  const scalarInt = (name: string, value: number) => {
    inits.push({ name, dims: [], data: BigInt64Array.of(BigInt(value)) });
    return name;
  };
  const nodes: NodeInit[] = [];
  let counter = 0;
  const op = (type: string, inputs: string[], attributes?: Attribute[]) => {
    const out = `${type.toLowerCase()}_${counter++}`;
    nodes.push({ op: type, inputs, outputs: [out], attributes });
    return out;
  };
  const layerNorm = (x: string, prefix: string) =>
    op(
      'LayerNormalization',
      [x, constant(`${prefix}.gamma`, [h], 1), constant(`${prefix}.beta`, [h], 0)],
      [
        { name: 'axis', i: -1 },
        { name: 'epsilon', f: 1e-12 },
      ],
    );
  const linear = (x: string, prefix: string, inDim: number, outDim: number) => op('Add', [op('MatMul', [x, weight(`${prefix}.weight`, [inDim, outDim])]), constant(`${prefix}.bias`, [outDim], 0)]);

  // Embeddings: word + position + token type, then LayerNorm.
  const seqLen = op('Gather', [op('Shape', ['input_ids']), scalarInt('one_i', 1)], [{ name: 'axis', i: 0 }]);
  const positions = op('Range', [scalarInt('zero_i', 0), seqLen, scalarInt('step_i', 1)]);
  const words = op('Gather', [weight('word_embeddings', [vocab, h]), 'input_ids'], [{ name: 'axis', i: 0 }]);
  const pos = op('Gather', [weight('position_embeddings', [maxPositions, h]), positions], [{ name: 'axis', i: 0 }]);
  const types = op('Gather', [weight('token_type_embeddings', [2, h]), 'token_type_ids'], [{ name: 'axis', i: 0 }]);
  let x = layerNorm(op('Add', [op('Add', [words, pos]), types]), 'embeddings.ln');

  // Additive attention mask: 0 where attended, -10000 on padding; [b, 1, 1, s].
  const maskF = op('Cast', ['attention_mask'], [{ name: 'to', i: FLOAT }]);
  const inverted = op('Sub', [constant('one_f', [], 1), maskF]);
  const maskBias = op('Unsqueeze', [op('Mul', [inverted, constant('neg_big', [], -10000)]), ints('mask_axes', [1, 2])]);
  const splitShape = ints('split_shape', [0, 0, heads, headDim]);
  const mergeShape = ints('merge_shape', [0, 0, h]);
  const scale = constant('attn_scale', [], 1 / Math.sqrt(headDim));

  for (let l = 0; l < layers; l++) {
    const p = `layer${l}`;
    const split = (t: string) => op('Reshape', [t, splitShape]);
    const q = op('Transpose', [split(linear(x, `${p}.q`, h, h))], [{ name: 'perm', ints: [0, 2, 1, 3] }]);
    const k = op('Transpose', [split(linear(x, `${p}.k`, h, h))], [{ name: 'perm', ints: [0, 2, 3, 1] }]);
    const v = op('Transpose', [split(linear(x, `${p}.v`, h, h))], [{ name: 'perm', ints: [0, 2, 1, 3] }]);
    const scores = op('Add', [op('Mul', [op('MatMul', [q, k]), scale]), maskBias]);
    const context = op('MatMul', [op('Softmax', [scores], [{ name: 'axis', i: -1 }]), v]);
    const merged = op('Reshape', [op('Transpose', [context], [{ name: 'perm', ints: [0, 2, 1, 3] }]), mergeShape]);
    x = layerNorm(op('Add', [x, linear(merged, `${p}.o`, h, h)]), `${p}.ln1`);
    const up = linear(x, `${p}.up`, h, intermediate);
    const erf = op('Erf', [op('Mul', [up, constant(`${p}.inv_sqrt2`, [], Math.SQRT1_2)])]);
    const gelu = op('Mul', [op('Mul', [up, constant(`${p}.half`, [], 0.5)]), op('Add', [erf, constant(`${p}.one`, [], 1)])]);
    x = layerNorm(op('Add', [x, linear(gelu, `${p}.down`, intermediate, h)]), `${p}.ln2`);
  }
  nodes.push({ op: 'Identity', inputs: [x], outputs: ['last_hidden_state'] });
  const dims = ['batch_size', 'sequence_length'];
  return encodeModel({
    name: 'paperboy-random-bert',
    opset: 17,
    nodes,
    initializers: inits,
    inputs: [
      { name: 'input_ids', type: 'int64', shape: dims },
      { name: 'attention_mask', type: 'int64', shape: dims },
      { name: 'token_type_ids', type: 'int64', shape: dims },
    ],
    outputs: [{ name: 'last_hidden_state', type: 'float', shape: [...dims, h] }],
  });
}
