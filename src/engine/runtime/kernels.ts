/**
 * The reference kernel table: each op's TypeScript reference from its definition (kernels/), over
 * buffers the executor hands out (views into one arena, or separate arrays in the reference executor).
 * The fast table (wasm/kernel-table.ts) spreads it and replaces some entries; runtime/backend.ts picks
 * the table.
 */
import { KERNEL_DEFS } from '../kernels/index.ts';
import type { ExecEnv, KernelTable } from '../kernels/def.ts';
import type { KernelOp, ProgramKernelOf } from '../program/types.ts';

export type { ExecEnv, Hyper, Impl, KernelTable } from '../kernels/def.ts';
// What the fast table (wasm/kernel-table.ts) takes from here.
export { maskOf } from '../kernels/forward.ts';
export { biasRule, weightGradFloats, weightRule } from '../kernels/conv-grad.ts';

/** Runs kernel k with its op's implementation in `table`. */
export function runKernel<O extends KernelOp>(table: KernelTable, k: ProgramKernelOf<O>, env: ExecEnv): void {
  table[k.op](k, env);
}

export const REFERENCE_KERNELS = Object.fromEntries(
  (Object.keys(KERNEL_DEFS) as KernelOp[]).map((op) => [op, KERNEL_DEFS[op].reference]),
) as KernelTable;
