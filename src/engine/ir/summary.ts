/** The layer table of a graph: what `tinytrain info` prints and the app lists. */
import { OPS } from '../ops/index.ts';
import { convWindow, type Graph, type Node } from './graph.ts';
import { numel } from './tensor.ts';

export interface LayerRow {
  name: string;
  op: Node['op'];
  /** The paper's conv index (stem = 0), a general graph's conv order; null for non-conv ops and the classifier. */
  convIndex: number | null;
  role: string;
  /** The family's block (-1 for the stem); null outside blocks and for every node of a general graph. */
  block: number | null;
  inputShape: number[];
  outputShape: number[];
  /** A conv's kernel, rows and columns. */
  kernel: [number, number] | null;
  stride: number | null;
  groups: number | null;
  macs: number;
  /** Weights plus biases. */
  params: number;
  residual: boolean;
}

export interface GraphSummary {
  name: string;
  inputShape: number[];
  classes: number;
  convs: number;
  layers: LayerRow[];
  /** Backbone totals: every conv with a paper index (classifier excluded), as MODELS.md counts them. */
  backboneMacs: number;
  backboneParams: number;
  classifierMacs: number;
  classifierParams: number;
  totalMacs: number;
  totalParams: number;
}

/** The role column of a node that is not a conv. */
const ROLE_OF_OP: Record<Exclude<Node['op'], 'conv2d'>, string> = {
  linear: 'classifier', add: 'residual', avgpool: 'pool', maxpool: 'maxpool', pad: 'pad', concat: 'concat', reshape: 'reshape', softmax_ce: 'loss',
};

function paramCount(g: Graph, n: Node): number {
  return n.inputs.filter((i) => g.tensors[i].kind === 'weight' || g.tensors[i].kind === 'bias')
    .reduce((s, i) => s + numel(g.tensors[i].shape), 0);
}

export function summarize(g: Graph): GraphSummary {
  const residualInputs = new Set(g.nodes.filter((n) => n.op === 'add').map((n) => n.inputs[1]));
  const layers: LayerRow[] = g.nodes.filter((n) => n.op !== 'softmax_ce').map((n) => {
    const conv = n.op === 'conv2d' ? (n as Node<'conv2d'>).attrs : null;
    return {
      name: n.name,
      op: n.op,
      convIndex: conv?.convIndex ?? null,
      role: conv ? conv.role : ROLE_OF_OP[n.op as Exclude<Node['op'], 'conv2d'>],
      block: (conv ? conv.block : n.op === 'add' ? (n as Node<'add'>).attrs.block : null) ?? null,
      inputShape: g.tensors[n.inputs[0]].shape,
      outputShape: g.tensors[n.outputs[0]].shape,
      kernel: conv ? kernelOf(conv) : null,
      stride: conv?.stride ?? null,
      groups: conv?.groups ?? null,
      macs: (OPS[n.op] as { macs(n: Node, g: Graph): number }).macs(n, g),
      params: paramCount(g, n),
      residual: residualInputs.has(n.outputs[0]),
    };
  });
  const backbone = layers.filter((l) => l.convIndex !== null);
  const head = layers.filter((l) => l.role === 'classifier');
  const sum = (rows: LayerRow[], k: 'macs' | 'params') => rows.reduce((s, r) => s + r[k], 0);
  return {
    name: g.name,
    inputShape: g.tensors[g.input].shape,
    classes: numel(g.tensors[g.logits].shape),
    convs: backbone.length,
    layers,
    backboneMacs: sum(backbone, 'macs'),
    backboneParams: sum(backbone, 'params'),
    classifierMacs: sum(head, 'macs'),
    classifierParams: sum(head, 'params'),
    totalMacs: sum(layers, 'macs'),
    totalParams: sum(layers, 'params'),
  };
}

function kernelOf(a: Parameters<typeof convWindow>[0]): [number, number] {
  const { kh, kw } = convWindow(a);
  return [kh, kw];
}
