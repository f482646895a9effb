/**
 * While the AssemblyScript kernels (src/engine/wasm/as/) still exist: runs FAST_KERNELS either with
 * the C library's WebAssembly build (the default) or with the AssemblyScript module, so a benchmark
 * can time both in one run, interleaved. Installed by the benchmarks that compare the two.
 */
import type { KernelOp } from '../src/engine/program/types.ts';
import type { Impl, KernelTable } from '../src/engine/runtime/kernels.ts';
import { AS_KERNELS } from '../src/engine/wasm/as/kernel-table.ts';
import { FAST_KERNELS } from '../src/engine/wasm/kernel-table.ts';

let useAs = false;
const C: KernelTable = { ...FAST_KERNELS };
function dispatch<O extends KernelOp>(op: O): void {
  const g: Impl<O> = (k, env, node) => (useAs ? AS_KERNELS : C)[op](k, env, node);
  (FAST_KERNELS as Record<O, Impl<O>>)[op] = g;
}
for (const op of Object.keys(FAST_KERNELS) as KernelOp[]) dispatch(op);

/** The fast table's kernels from here on: 'c' (csrc/ in WebAssembly) or 'as' (AssemblyScript). */
export function setFastEngine(engine: 'c' | 'as'): void {
  useAs = engine === 'as';
}
