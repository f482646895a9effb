/**
 * The reference executor: runs a graph's forward pass with one separate buffer per tensor.
 * Plain and obviously correct; the arena executor and the generated C are checked against it.
 */
import type { Graph, Model, Node } from '../ir/graph.ts';
import { allocate, numel, type TypedArray } from '../ir/tensor.ts';
import { OPS } from '../ops/index.ts';
import { nodeForward } from './backend.ts';

export type TensorValues = Record<string, TypedArray>;

/** Runs every node in order and returns all tensor values (parameters included). */
export function runForward(model: Model, input: Int8Array, label?: number): TensorValues {
  const g: Graph = model.graph;
  const values: TensorValues = { ...model.params, [g.input]: input };
  if (g.label) values[g.label] = Int32Array.of(label ?? 0);
  if (input.length !== numel(g.tensors[g.input].shape)) {
    throw new Error(`input has ${input.length} values, the model expects ${g.tensors[g.input].shape.join('x')}`);
  }
  const fast = nodeForward();
  for (const node of g.nodes) {
    const ins = node.inputs.map((n) => values[n]);
    const outs = node.outputs.map((n) => (values[n] = allocate(g.tensors[n].dtype, numel(g.tensors[n].shape))));
    if (fast?.(node, g, ins, outs)) continue;
    (OPS[node.op] as { forward(n: Node, g: Graph, i: TypedArray[], o: TypedArray[]): void }).forward(node, g, ins, outs);
  }
  return values;
}
