/**
 * Builds the forward graph of an architecture at any input resolution and class count, with the
 * paper's conv indices (stem = 0, then every conv of every block in order) as node names `conv<i>`.
 */
import type { Conv2dAttrs, ConvRole, Graph, Node } from '../ir/graph.ts';
import type { QParams, Tensor } from '../ir/tensor.ts';
import { validateGraph } from '../ir/validate.ts';
import { convOutSize } from '../ops/conv2d.ts';
import type { ArchSpec } from './arch.ts';
import { checkArchitecture } from '../limits.ts';

export type HeadKind = 'float32' | 'int8';

/** The scales and zero points of every activation, as a model file gives them. */
export interface ActivationQuant {
  input: QParams;
  /** Output of conv i (the pre-residual output for a pw2 conv). */
  conv: (convIndex: number, role: ConvRole) => QParams;
  /** Output of block b's residual add. */
  residual: (block: number) => QParams;
  /** Logits of an int8 classifier. */
  logits: QParams;
}

export interface BuildOptions {
  resolution?: number;
  classes?: number;
  head?: HeadKind;
  quant?: ActivationQuant;
  /** Adds the label input and the softmax cross-entropy loss, the training graph's root (default on). */
  withLoss?: boolean;
}

/** ReLU6 outputs span [0, 6] with zero point -128; linear outputs are centred. */
export const SYNTHETIC_QUANT: ActivationQuant = {
  input: { scale: 2 / 255, zeroPoint: 0 },
  conv: (_i, role) => (role === 'pw2' ? { scale: 0.05, zeroPoint: 0 } : { scale: 6 / 255, zeroPoint: -128 }),
  residual: () => ({ scale: 0.06, zeroPoint: 0 }),
  logits: { scale: 0.1, zeroPoint: 0 },
};

export function buildGraph(arch: ArchSpec, opts: BuildOptions = {}): Graph {
  const resolution = opts.resolution ?? 128;
  const classes = opts.classes ?? 10;
  const quant = opts.quant ?? SYNTHETIC_QUANT;
  // Bounds and costs first: nothing below allocates before the architecture is known to be sane.
  checkArchitecture(arch, { resolution, classes, head: opts.head });

  const tensors: Record<string, Tensor> = {};
  const nodes: Node[] = [];
  const addTensor = (t: Tensor) => (tensors[t.name] = t).name;
  let convIndex = 0;

  let cur = addTensor({ name: 'input', kind: 'input', shape: [arch.inChannels, resolution, resolution], dtype: 'int8', q: quant.input });
  const conv = (x: string, cout: number, kernel: number, stride: number, groups: number, role: ConvRole, block: number): string => {
    const [cin, h, w] = tensors[x].shape;
    const name = role === 'classifier' ? 'classifier' : `conv${convIndex}`;
    const padding = (kernel - 1) >> 1;
    const out = addTensor({
      name: `${name}.out`, kind: role === 'classifier' ? 'output' : 'activation',
      shape: [cout, convOutSize(h, kernel, stride, padding), convOutSize(w, kernel, stride, padding)],
      dtype: 'int8', q: role === 'classifier' ? quant.logits : quant.conv(convIndex, role),
    });
    const weight = addTensor({ name: `${name}.weight`, kind: 'weight', shape: [cout, cin / groups, kernel, kernel], dtype: 'int8' });
    const bias = addTensor({ name: `${name}.bias`, kind: 'bias', shape: [cout], dtype: 'int32' });
    const scales = addTensor({ name: `${name}.w_scales`, kind: 'scales', shape: [cout], dtype: 'float32' });
    const attrs: Conv2dAttrs = { kernel, stride, padding, groups, role, block };
    if (role !== 'classifier') attrs.convIndex = convIndex++;
    nodes.push({ name, op: 'conv2d', inputs: [x, weight, bias, scales], outputs: [out], attrs } as Node<'conv2d'>);
    return out;
  };

  cur = conv(cur, arch.stem.out, arch.stem.kernel, arch.stem.stride, 1, 'stem', -1);
  arch.blocks.forEach((b, bi) => {
    const blockIn = cur;
    let x = blockIn;
    if (b.expand) x = conv(x, b.mid, 1, 1, 1, 'pw1', bi);
    x = conv(x, b.mid, b.kernel, b.stride, b.mid, 'dw', bi);
    x = conv(x, b.out, 1, 1, 1, 'pw2', bi);
    if (b.residual) {
      const out = addTensor({ name: `block${bi}.out`, kind: 'activation', shape: tensors[x].shape.slice(), dtype: 'int8', q: quant.residual(bi) });
      nodes.push({ name: `block${bi}.add`, op: 'add', inputs: [blockIn, x], outputs: [out], attrs: { block: bi } } as Node<'add'>);
      x = out;
    }
    cur = x;
  });

  const features = tensors[cur].shape[0];
  const pooled = addTensor({ name: 'pool.out', kind: 'activation', shape: [features, 1, 1], dtype: 'int8', q: tensors[cur].q });
  nodes.push({ name: 'pool', op: 'avgpool', inputs: [cur], outputs: [pooled], attrs: arch.pool ? { stages: arch.pool } : {} } as Node<'avgpool'>);

  let logits: string;
  if ((opts.head ?? 'float32') === 'int8') {
    logits = conv(pooled, classes, 1, 1, 1, 'classifier', arch.blocks.length);
  } else {
    const weight = addTensor({ name: 'classifier.weight', kind: 'weight', shape: [classes, features], dtype: 'float32' });
    const bias = addTensor({ name: 'classifier.bias', kind: 'bias', shape: [classes], dtype: 'float32' });
    logits = addTensor({ name: 'classifier.out', kind: 'output', shape: [classes, 1, 1], dtype: 'float32' });
    nodes.push({ name: 'classifier', op: 'linear', inputs: [pooled, weight, bias], outputs: [logits], attrs: {} } as Node<'linear'>);
  }

  const g: Graph = { name: arch.name, tensors, nodes, input: 'input', logits };
  if (opts.withLoss ?? true) {
    g.label = addTensor({ name: 'label', kind: 'label', shape: [1], dtype: 'int32' });
    g.loss = addTensor({ name: 'loss', kind: 'output', shape: [1], dtype: 'float32' });
    nodes.push({ name: 'loss', op: 'softmax_ce', inputs: [logits, g.label], outputs: [g.loss], attrs: {} } as Node<'softmax_ce'>);
  }
  validateGraph(g);
  return g;
}
