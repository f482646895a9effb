/**
 * The graph validator: every node's op exists, its inputs are defined before use, and every output's
 * declared shape and dtype equal what the op's shape rule infers. A malformed graph is refused with a
 * message naming the op and the problem.
 */
import { OPS } from '../ops/index.ts';
import { GraphError, describeNode } from './errors.ts';
import type { Graph, Node, ParamStore } from './graph.ts';
import { dtypeOf, numel } from './tensor.ts';

const PRODUCED_BY_NOBODY = new Set(['input', 'label', 'weight', 'bias', 'scales']);

export function validateGraph(g: Graph): void {
  const defined = new Set<string>();
  for (const t of Object.values(g.tensors)) {
    if (PRODUCED_BY_NOBODY.has(t.kind)) defined.add(t.name);
    if (t.shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new GraphError(`tensor "${t.name}": shape ${t.shape.join('x')} must be positive integers`);
    }
  }
  if (!g.tensors[g.input]) throw new GraphError(`the graph's input "${g.input}" is not a tensor`);
  const names = new Set<string>();
  for (const node of g.nodes) {
    if (!(node.op in OPS)) throw new GraphError(`node "${node.name}": unknown op "${node.op}"`);
    if (names.has(node.name)) throw new GraphError(`${describeNode(node)}: the name is used twice`);
    names.add(node.name);
    const inputs = node.inputs.map((name) => {
      const t = g.tensors[name];
      if (!t) throw new GraphError(`${describeNode(node)}: input "${name}" does not exist`);
      if (!defined.has(name)) throw new GraphError(`${describeNode(node)}: input "${name}" is used before it is computed`);
      return t;
    });
    const op = OPS[node.op] as { inferShapes(n: Node, i: typeof inputs): number[][]; outputDType: string };
    const shapes = op.inferShapes(node, inputs);
    if (node.outputs.length !== shapes.length) {
      throw new GraphError(`${describeNode(node)}: lists ${node.outputs.length} outputs but the op produces ${shapes.length}`);
    }
    node.outputs.forEach((name, i) => {
      const t = g.tensors[name];
      if (!t) throw new GraphError(`${describeNode(node)}: output "${name}" does not exist`);
      if (defined.has(name)) throw new GraphError(`${describeNode(node)}: output "${name}" is written twice`);
      if (t.shape.join('x') !== shapes[i].join('x')) {
        throw new GraphError(`${describeNode(node)}: output "${name}" is declared ${t.shape.join('x')} but the op produces ${shapes[i].join('x')}`);
      }
      if (t.dtype !== op.outputDType) throw new GraphError(`${describeNode(node)}: output "${name}" is declared ${t.dtype} but the op produces ${op.outputDType}`);
      if (t.dtype === 'int8' && !(t.q && t.q.scale > 0 && Number.isFinite(t.q.scale) && Number.isInteger(t.q.zeroPoint))) {
        throw new GraphError(`${describeNode(node)}: int8 output "${name}" needs a positive scale and an integer zero point`);
      }
      defined.add(name);
    });
  }
  if (!defined.has(g.logits)) throw new GraphError(`the logits tensor "${g.logits}" is never computed`);
}

/** Checks that every parameter tensor has a value of the right dtype and size. */
export function validateParams(g: Graph, params: ParamStore): void {
  for (const t of Object.values(g.tensors)) {
    if (t.kind !== 'weight' && t.kind !== 'bias' && t.kind !== 'scales') continue;
    const v = params[t.name];
    if (!v) throw new GraphError(`parameter "${t.name}" has no value`);
    if (dtypeOf(v) !== t.dtype || v.length !== numel(t.shape)) {
      throw new GraphError(`parameter "${t.name}" is ${dtypeOf(v)}[${v.length}] but the graph expects ${t.dtype} ${t.shape.join('x')}`);
    }
  }
}
