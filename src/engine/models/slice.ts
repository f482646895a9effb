/**
 * The part of a graph after a cut: everything computed from one activation onwards, with that
 * activation as the new input. Contribution analysis trains many schemes that share a frozen front;
 * the front runs once per image, and each job trains the suffix from the cached activation.
 */
import type { Graph, Node, ParamStore } from '../ir/graph.ts';
import type { Tensor } from '../ir/tensor.ts';
import { validateGraph } from '../ir/validate.ts';

/**
 * Tensors where the graph can be cut: activations that are the only value carried from the nodes
 * before them to the nodes after (block outputs), in execution order.
 */
export function cutPoints(g: Graph): string[] {
  const cuts: string[] = [];
  const lastUse = new Map<string, number>();
  g.nodes.forEach((n, i) => n.inputs.forEach((t) => lastUse.set(t, i)));
  g.nodes.forEach((n, i) => {
    const out = n.outputs[0];
    if (g.tensors[out].kind !== 'activation') return;
    // Every other activation made so far must be dead once this node has run.
    const live = g.nodes.slice(0, i + 1).flatMap((m) => m.outputs).filter((t) => t !== out && (lastUse.get(t) ?? -1) > i);
    if (live.length === 0) cuts.push(out);
  });
  return cuts;
}

/** The suffix graph that starts at `from` (a cut point), and the parameters it uses. */
export function suffixGraph(g: Graph, from: string, params?: ParamStore): { graph: Graph; params: ParamStore } {
  if (!cutPoints(g).includes(from)) throw new Error(`"${from}" is not a tensor the graph can be cut at`);
  const start = g.nodes.findIndex((n) => n.outputs.includes(from)) + 1;
  const nodes: Node[] = g.nodes.slice(start);
  const used = new Set(nodes.flatMap((n) => [...n.inputs, ...n.outputs]));
  const tensors: Record<string, Tensor> = {};
  for (const name of used) tensors[name] = name === from ? { ...g.tensors[name], kind: 'input' } : g.tensors[name];
  const graph: Graph = { ...g, name: `${g.name}[${from}:]`, tensors, nodes, input: from };
  validateGraph(graph);
  const sub: ParamStore = {};
  if (params) for (const name of used) if (params[name]) sub[name] = params[name];
  return { graph, params: sub };
}
