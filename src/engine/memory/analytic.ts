/**
 * The paper's analytic memory model (the cost inside its scheme search), in bytes:
 * the classifier's input activation; for each of the last k convs a 1-bit mask per output element and
 * its int32 bias; for a weight-updated conv with n trained channels, the saved input activation
 * (n channels) and the trained weights. Head weights and momentum count 0.
 * Generalised to any graph of the IR's ops: the classifier's input is whatever the head reads (the
 * pooled features in the family), and a max-pool the backward pass goes through keeps its whole
 * input for the argmax (counted with the saved activations; the family has no max-pool, so its
 * figure is the paper's). Concatenations and reshapes keep nothing.
 */
import { backboneConvs, type Graph } from '../ir/graph.ts';
import { numel } from '../ir/tensor.ts';
import type { ResolvedScheme } from '../train/scheme.ts';

export interface AnalyticBreakdown {
  classifierInput: number;
  masks: number;
  biases: number;
  savedActivations: number;
  weights: number;
  total: number;
}

export function analyticMemory(g: Graph, rs: ResolvedScheme): AnalyticBreakdown {
  const convs = new Map(backboneConvs(g).map((c) => [c.attrs.convIndex!, c]));
  const head = g.nodes.find((n) => n.name === 'classifier' || n.op === 'linear');
  if (!head) throw new Error(`internal: graph "${g.name}" has no classifier`);
  let masks = 0, biases = 0, saved = 0, weights = 0;
  // Tensors whose gradient the step computes: outputs of trained convs and of anything after them.
  const trained = new Set(rs.convs.filter((u) => u.bias || u.channels > 0).map((u) => u.node));
  const needs = new Set<string>();
  for (const n of g.nodes) {
    if (trained.has(n.name) || n.inputs.some((i) => needs.has(i))) n.outputs.forEach((o) => needs.add(o));
    if (n.op === 'maxpool' && needs.has(n.outputs[0]) && n.inputs.some((i) => needs.has(i))) saved += 8 * numel(g.tensors[n.inputs[0]].shape);
  }
  for (const u of rs.convs) {
    if (!u.bias) continue;
    const node = convs.get(u.convIndex)!;
    const [cout, ho, wo] = g.tensors[node.outputs[0]].shape;
    const [, hi, wi] = g.tensors[node.inputs[0]].shape;
    const k = node.attrs.kernel;
    masks += cout * ho * wo;
    biases += 32 * cout;
    if (u.channels > 0) {
      saved += 8 * hi * wi * u.channels;
      weights += node.attrs.groups > 1 ? 8 * u.channels * k * k : 8 * cout * u.channels * k * k;
    }
  }
  const classifierInput = 8 * numel(g.tensors[head.inputs[0]].shape);
  const bits = { classifierInput, masks, biases, savedActivations: saved, weights };
  const bytes = Object.fromEntries(Object.entries(bits).map(([k, v]) => [k, v / 8])) as Omit<AnalyticBreakdown, 'total'>;
  return { ...bytes, total: (classifierInput + masks + biases + saved + weights) / 8 };
}
