// Hand-built general CNN graphs (not of the inverted-bottleneck family), for the graph views' tests
// and the UI bench: convs with no block, branches that fork from one tensor and join in an add that is
// no block's residual, as many as asked for (the imported .tflite models are small).
import type { Conv2dAttrs, Graph, Node } from '../src/engine/ir/graph.ts';
import type { Tensor } from '../src/engine/ir/tensor.ts';
import { validateGraph } from '../src/engine/ir/validate.ts';

export interface GeneralGraphOptions {
  /** Fork-join stages after the stem. */
  stages?: number;
  /** Parallel conv branches per stage (2 or more; joined pairwise by adds). */
  branches?: number;
  /** Convs per branch. */
  depth?: number;
  channels?: number;
  resolution?: number;
  classes?: number;
  /** The first branch of each stage is the identity (a skip straight to the add, as in a ResNet). */
  identity?: boolean;
}

/**
 * input -> stem conv -> `stages` times: `branches` chains of `depth` convs from the same tensor,
 * summed by adds -> avgpool -> linear -> loss. Nodes: 2 + stages * (branches * depth + branches - 1) + 3
 * (`depth` fewer a stage with `identity`).
 */
export function generalGraph(opts: GeneralGraphOptions = {}): Graph {
  const { stages = 1, branches = 2, depth = 2, channels = 8, resolution = 8, classes = 4, identity = false } = opts;
  const tensors: Record<string, Tensor> = {};
  const nodes: Node[] = [];
  const q = { scale: 0.05, zeroPoint: 0 };
  const add = (t: Tensor) => (tensors[t.name] = t).name;
  let convIndex = 0;
  const conv = (x: string, kernel: number): string => {
    const name = `conv${convIndex}`;
    const cin = tensors[x].shape[0];
    const out = add({ name: `${name}.out`, kind: 'activation', shape: [channels, resolution, resolution], dtype: 'int8', q });
    const w = add({ name: `${name}.weight`, kind: 'weight', shape: [channels, cin, kernel, kernel], dtype: 'int8' });
    const b = add({ name: `${name}.bias`, kind: 'bias', shape: [channels], dtype: 'int32' });
    const s = add({ name: `${name}.w_scales`, kind: 'scales', shape: [channels], dtype: 'float32' });
    // A general graph's conv: a generic role and no block.
    const attrs: Conv2dAttrs = { kernel, stride: 1, padding: (kernel - 1) >> 1, groups: 1, role: 'conv', convIndex: convIndex++ };
    nodes.push({ name, op: 'conv2d', inputs: [x, w, b, s], outputs: [out], attrs } as Node<'conv2d'>);
    return out;
  };
  let adds = 0;
  const sum = (a: string, b: string): string => {
    const name = `add${adds++}`;
    const out = add({ name: `${name}.out`, kind: 'activation', shape: tensors[a].shape.slice(), dtype: 'int8', q });
    nodes.push({ name, op: 'add', inputs: [a, b], outputs: [out], attrs: {} } as Node<'add'>);
    return out;
  };
  let x = add({ name: 'input', kind: 'input', shape: [3, resolution, resolution], dtype: 'int8', q: { scale: 2 / 255, zeroPoint: 0 } });
  x = conv(x, 3);
  for (let s = 0; s < stages; s++) {
    const ends: string[] = [];
    for (let b = 0; b < branches; b++) {
      let y = x;
      if (!(identity && b === 0)) for (let d = 0; d < depth; d++) y = conv(y, b % 2 ? 1 : 3);
      ends.push(y);
    }
    x = ends.reduce((a, b) => sum(a, b));
  }
  const pooled = add({ name: 'pool.out', kind: 'activation', shape: [channels, 1, 1], dtype: 'int8', q });
  nodes.push({ name: 'pool', op: 'avgpool', inputs: [x], outputs: [pooled], attrs: {} } as Node<'avgpool'>);
  const w = add({ name: 'classifier.weight', kind: 'weight', shape: [classes, channels], dtype: 'float32' });
  const b = add({ name: 'classifier.bias', kind: 'bias', shape: [classes], dtype: 'float32' });
  const logits = add({ name: 'classifier.out', kind: 'output', shape: [classes, 1, 1], dtype: 'float32' });
  nodes.push({ name: 'classifier', op: 'linear', inputs: [pooled, w, b], outputs: [logits], attrs: {} } as Node<'linear'>);
  const label = add({ name: 'label', kind: 'label', shape: [1], dtype: 'int32' });
  const loss = add({ name: 'loss', kind: 'output', shape: [1], dtype: 'float32' });
  nodes.push({ name: 'loss', op: 'softmax_ce', inputs: [logits, label], outputs: [loss], attrs: {} } as Node<'softmax_ce'>);
  const g: Graph = { name: `general-${stages}x${branches}x${depth}`, tensors, nodes, input: 'input', logits, label, loss };
  validateGraph(g);
  return g;
}
