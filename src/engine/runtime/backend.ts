/**
 * The one place the kernels' backend is chosen: the fast table (wasm/kernel-table.ts, WebAssembly
 * SIMD) for int8 semantics wherever WebAssembly runs and is switched on (wasm/instance.ts:
 * setWasmKernels), the TypeScript reference table otherwise and always in float mode.
 */
import type { Graph, Node } from '../ir/graph.ts';
import type { TypedArray } from '../ir/tensor.ts';
import { FAST_KERNELS, fastNodeForward } from '../wasm/kernel-table.ts';
import { wasmKernels } from '../wasm/instance.ts';
import { REFERENCE_KERNELS, type KernelTable } from './kernels.ts';

/** The kernel table for int8 (`round`) or float semantics. */
export function kernelTable(round: boolean): KernelTable {
  return round && wasmKernels() ? FAST_KERNELS : REFERENCE_KERNELS;
}

/** Which backend kernelTable(round) picks, for the trainer's progress report. */
export function backendName(round: boolean): 'wasm' | 'typescript' {
  return kernelTable(round) === FAST_KERNELS ? 'wasm' : 'typescript';
}

/** The graph-level forward's fast path for a node, or null (runtime/reference.ts then runs the op's own forward). */
export function nodeForward(): ((node: Node, g: Graph, ins: TypedArray[], outs: TypedArray[]) => boolean) | null {
  return wasmKernels() ? fastNodeForward : null;
}
