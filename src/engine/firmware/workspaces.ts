/**
 * Kernel workspaces in the arena. The C kernels' fast paths (packed pointwise weights, im2col tiles,
 * float planes of the fused backward) need scratch memory at their step only. Each kernel that takes
 * one gets a one-step buffer in the memory plan, so the planner places it where the arena is free at
 * that step and counts it when it is not: no static spare outside the plan, no byte the report misses.
 * The generated step hands the kernel the largest free stretch of the arena at its step, which holds
 * this buffer and is often larger.
 */
import type { Buffer } from '../memory/lifetimes.ts';
import type { Kernel, KernelOp, ProgramTensor } from '../program/types.ts';

/** Kernels whose C implementation takes a workspace (c-step.ts passes it). */
export const WORKSPACE_OPS: ReadonlySet<KernelOp> = new Set<KernelOp>(['conv2d', 'conv_chain', 'dw_pw_bwd', 'block_bwd']);

/**
 * The workspace each such kernel is guaranteed (bytes). Measured with bench:firmware: the fast paths'
 * gains stop near 16 KB at 128x128 (see DEFAULT_WORKSPACE's history in bench/firmware.ts).
 */
export const DEFAULT_WORKSPACE = 16 * 1024;

export const workspaceId = (k: Kernel) => `ws:${k.name}`;

/**
 * One workspace buffer per kernel that takes one: `bytes`, or less for a small kernel. The fast paths
 * hold float copies of (parts of) the kernel's own tensors, so four times the bytes of the tensors it
 * reads and writes is more than any of them uses; a small model's kernels are not given 16 KB.
 */
export function workspaceBuffers(kernels: Kernel[], bytes: number, tensors: Record<string, ProgramTensor>): Buffer[] {
  if (bytes <= 0) return [];
  return kernels.flatMap((k, step) => {
    if (!WORKSPACE_OPS.has(k.op)) return [];
    const own = [...new Set([...k.inputs, ...k.outputs])].reduce((s, n) => s + (tensors[n]?.bytes ?? 0), 0);
    const size = Math.min(bytes, Math.ceil((4 * own) / 8) * 8);
    return size > 0 ? [{ id: workspaceId(k), bytes: size, start: step, end: step, category: 'scratch' as const, members: [] }] : [];
  });
}
