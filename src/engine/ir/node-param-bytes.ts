/** Bytes of one node's parameters (weights, biases, per-channel scales), as they sit in Flash. */
import type { Graph, Node } from './graph.ts';
import { tensorBytes } from './tensor.ts';

export function nodeParamBytes(g: Graph, node: Node): number {
  let bytes = 0;
  for (const name of node.inputs) {
    const t = g.tensors[name];
    if (t.kind === 'weight' || t.kind === 'bias' || t.kind === 'scales') bytes += tensorBytes(t);
  }
  return bytes;
}
