/**
 * Deterministic synthetic int8 parameters for an architecture that has no weight file: scaled so that
 * activations spread over the int8 range instead of saturating or collapsing to the zero point.
 * They serve shape, memory and speed work; real accuracy needs real or pretrained weights.
 */
import type { Graph, Node, ParamStore } from '../ir/graph.ts';
import { numel } from '../ir/tensor.ts';
import { gaussian, hashString, mulberry32 } from '../util/random.ts';

/** Standard deviation of synthetic int8 weights, in integer steps. */
const W_STD = 40;

export function syntheticParams(g: Graph, seed = 1): ParamStore {
  const params: ParamStore = {};
  for (const node of g.nodes) {
    const normal = gaussian(mulberry32(seed ^ hashString(node.name)));
    if (node.op === 'conv2d') {
      const n = node as Node<'conv2d'>;
      const [wName, bName, sName] = n.inputs.slice(1);
      const [cout, cpg, k] = g.tensors[wName].shape;
      const x = g.tensors[n.inputs[0]].q!;
      const fanIn = cpg * k * k;
      const w = new Int8Array(numel(g.tensors[wName].shape));
      for (let i = 0; i < w.length; i++) w[i] = Math.max(-127, Math.min(127, Math.round(normal() * W_STD)));
      // A real-valued weight std of 1/sqrt(fanIn) keeps activations at about unit scale.
      const wScale = 1 / Math.sqrt(fanIn) / W_STD;
      const scales = new Float32Array(cout).fill(wScale);
      // A small positive bias keeps about half of the ReLU6 outputs active.
      const bias = new Int32Array(cout);
      for (let o = 0; o < cout; o++) bias[o] = Math.round((0.3 + 0.2 * normal()) / (x.scale * wScale));
      params[wName] = w;
      params[bName] = bias;
      params[sName] = scales;
    } else if (node.op === 'linear') {
      const [wName, bName] = node.inputs.slice(1);
      const [classes, features] = g.tensors[wName].shape;
      const w = new Float32Array(classes * features);
      for (let i = 0; i < w.length; i++) w[i] = normal() / Math.sqrt(features);
      params[wName] = w;
      params[bName] = new Float32Array(classes);
    }
  }
  return params;
}
