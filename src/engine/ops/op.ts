/**
 * What every op file provides. An op file holds everything about one op: its shape rule, its cost,
 * its forward semantics and (added by the compiler) its gradient rule, so adding an op touches one file.
 */
import type { Graph, Node, OpType } from '../ir/graph.ts';
import type { DType, Tensor, TypedArray } from '../ir/tensor.ts';
import type { GradContext } from '../train/grad-context.ts';

export interface OpDef<T extends OpType = OpType> {
  type: T;
  /** The dtype of every output; int8 outputs must carry a scale and zero point. */
  outputDType: DType;
  /**
   * Checks the node's inputs (count, dtypes, shapes, quantization) and returns its outputs' shapes.
   * Throws GraphError naming the node and the problem.
   */
  inferShapes(node: Node<T>, inputs: Tensor[]): number[][];
  /** Multiply-accumulates of one forward pass. */
  macs(node: Node<T>, g: Graph): number;
  /** Reference forward kernel: reads `ins` (in node.inputs order), writes `outs`. */
  forward(node: Node<T>, g: Graph, ins: TypedArray[], outs: TypedArray[]): void;
  /**
   * The gradient rule: given the gradient of the node's output (ctx.gradOf), emit the backward
   * kernels the scheme needs and pass gradients to the inputs that need them (ctx.contribute).
   */
  gradient?(node: Node<T>, ctx: GradContext): void;
}
