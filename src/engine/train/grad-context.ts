/**
 * What an op's gradient rule sees while the compiler builds the backward graph. Rules live beside the
 * forward in each ops/ file; this context lets them emit explicit backward kernels, ask for saved
 * activations and clamp masks, and pass gradients to their inputs.
 */
import type { Graph, Node } from '../ir/graph.ts';
import type { BufDType, Category, Kernel, KernelOp, KernelSpec, Phase } from '../program/types.ts';
import type { ConvUpdate } from './scheme.ts';

/** A kernel a gradient rule emits: its op's fields, with phase (default backward) and params (default none) optional. */
export type EmitSpec = {
  [O in KernelOp]: Omit<KernelSpec<O>, 'name' | 'node' | 'phase' | 'params'> & { phase?: Phase; params?: string[] }
}[KernelOp];

export interface GradContext {
  graph: Graph;
  node: Node;
  /** Whether weight updates run as soon as their gradient exists (operator reordering). */
  reorder: boolean;
  momentum: boolean;
  /** What a backbone conv trains (undefined for other nodes). */
  update(node: Node): ConvUpdate | undefined;
  /** Does anything upstream of this tensor train, so its gradient is needed? */
  needsGrad(tensor: string): boolean;
  /**
   * The name of this node's gradient contribution to its input `t`: `grad:<t>`, or `grad:<t>@<node>`
   * when another consumer of `t` (a branch of a general graph) already took that name.
   */
  gradName(t: string): string;
  /** The complete gradient of a node output. */
  gradOf(tensor: string): string;
  /** A new arena tensor; `aliasOf` makes it overwrite that tensor in place. */
  tensor(name: string, dtype: BufDType, shape: number[], category: Category, aliasOf?: string): string;
  /** The 1-bit clamp mask of a forward output; the forward kernel is made to write it. */
  mask(tensor: string): string;
  /** Keeps the first `channels` channels of a forward tensor for the backward pass. */
  save(tensor: string, channels: number): string;
  /** Adds a gradient contribution to a forward tensor (summed when it has several consumers). */
  contribute(tensor: string, grad: string): void;
  /** Registers a trained parameter slice (static SRAM) and returns its optimizer state name, if any. */
  trainable(param: string, elements: number, dtype: 'int8' | 'int32' | 'float32', note: string): string | undefined;
  /** Emits a kernel of this node; returns it. Deferred updates (no reordering) go to the end. */
  emit(spec: EmitSpec, deferred?: boolean): Kernel;
}
