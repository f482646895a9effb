/**
 * Kernel workspaces in the arena. The C kernels' fast paths (packed pointwise weights, im2col tiles,
 * float planes of the fused backward) need scratch memory at their step only. Each kernel that takes
 * one gets a one-step buffer in the memory plan, so the planner places it where the arena is free at
 * that step and counts it when it is not: no static spare outside the plan, no byte the report misses.
 * The generated step hands the kernel the largest free stretch of the arena at its step, which holds
 * this buffer and is often larger.
 */
import type { Buffer } from '../memory/lifetimes.ts';
import { isDepthwise } from '../ops/conv2d.ts';
import type { Kernel, KernelOp, ProgramKernel, ProgramTensor } from '../program/types.ts';

/** Kernels whose C implementation takes a workspace (c-step.ts passes it). */
export const WORKSPACE_OPS: ReadonlySet<KernelOp> = new Set<KernelOp>(['conv2d', 'conv_chain', 'dw_pw_bwd', 'block_bwd']);

/**
 * The most workspace a kernel is guaranteed (bytes). Measured with bench:firmware at 128x128 before the
 * per-kernel sizes (every kernel given this much), instructions per step for mcunet-5fps@99kb /
 * mbv2-w0.35@99kb / proxyless-w0.3@98kb: 8 KB 107.7 / 84.6 / 92.5 M, 16 KB 102.2 / 78.2 / 88.1 M,
 * 20 KB 97.7 / 78.2 / 88.1 M, 24 KB 97.3 / 78.1 / 88.1 M. Sized per kernel (workspaceBuffers) at most
 * 20 KB: 97.7 / 78.2 / 88.1 M at 153.9 / 137.1 / 135.8 KB linked. Leaving tt_block_bwd's float copy of
 * the saved input out of its size: 105.9 / 81.0 / 88.7 M at 144.2 / 136.7 / 135.8 KB.
 */
export const DEFAULT_WORKSPACE = 20 * 1024;

export const workspaceId = (k: Kernel) => `ws:${k.name}`;

/**
 * One workspace buffer per kernel that takes one: what its fast paths use (fastPathBytes) where that
 * is known, at most `bytes`. Otherwise `bytes`, or less for a small kernel: the fast paths hold float
 * copies of (parts of) the kernel's own tensors, so four times the bytes of the tensors it reads and
 * writes is more than they use.
 */
export function workspaceBuffers(kernels: ProgramKernel[], bytes: number, tensors: Record<string, ProgramTensor>): Buffer[] {
  if (bytes <= 0) return [];
  return kernels.flatMap((k, step) => {
    if (!WORKSPACE_OPS.has(k.op)) return [];
    const own = [...new Set([...k.inputs, ...k.outputs])].reduce((s, n) => s + (tensors[n]?.bytes ?? 0), 0);
    const need = fastPathBytes(k);
    // A conv's packed weights can outweigh its tensors (a late pointwise conv on a 4x4 plane): it then
    // packs four output channels at a time (tt_pw_fast), which costs little on so few pixels.
    const size = Math.ceil(Math.min(bytes, need ?? 4 * own, k.op === 'conv2d' ? 4 * own : Infinity) / 8) * 8;
    return size > 0 ? [{ id: workspaceId(k), bytes: size, start: step, end: step, category: 'scratch' as const, members: [] }] : [];
  });
}

/**
 * The most workspace a kernel's fast paths carve (bytes), where it is known: it mirrors the carving
 * in c-kernels.ts. tt_block_bwd: the padded output-gradient plane of the gathered depthwise input
 * gradient, the saved pw1 input as float, seven more channel planes, then eight channels' gradients
 * and weights (tt_pw1_setup). tt_conv_chain: the packed weights of its pointwise and im2col stages and
 * one tile of 16 pixels (or the row). tt_conv2d: a pointwise conv's packed weights and a tile of pixels,
 * a depthwise conv's padded int16 plane. A larger workspace is not used (a pointwise conv's tiles grow
 * with it, to no measurable gain past 32 pixels); a smaller one takes slower paths.
 * null: not known (the kernel gets the compiler's default).
 */
export function fastPathBytes(k: ProgramKernel): number | null {
  if (k.op === 'block_bwd') {
    const dg = k.bound.dw.geom;
    const hw = dg.h * dg.w;
    const dim = (n: number) => Math.floor((n - 1 + dg.pad) / dg.stride) + 1 + Math.floor((dg.k - 1) / dg.stride) + 1;
    const gather = k.attrs.dwInputGrad && dg.k * dg.k <= 64 ? Math.ceil((dim(dg.h) * dim(dg.w) * 4) / 8) * 8 : 0;
    if (!k.bound.pw1) return gather;
    const pw = k.bound.pw1.geom;
    const n = k.attrs.channels;
    return gather + 4 * (n * hw + 7 * hw + 8 * (hw + pw.cpg));
  }
  if (k.op === 'conv2d') {
    const g = k.bound.conv.geom;
    if (g.k === 1 && g.stride === 1 && g.pad === 0 && g.groups === 1) {
      // tt_pw_fast: every output channel's packed weights, then pixel tiles (32 pixels keep the overhead small).
      const cp2 = Math.ceil(g.cpg / 2);
      return 4 * (g.cout * cp2 + cp2 * Math.min(g.ho * g.wo, 32));
    }
    // tt_dw_plane16: the padded int16 plane and the filter rows as int16 pairs.
    if (isDepthwise(g) && g.k <= 16) return (g.h + 2 * g.pad) * (g.w + 2 * g.pad + 2) * 2 + g.k * Math.ceil(g.k / 2) * 4 + 8;
    return 0; // the generic path takes no workspace
  }
  if (k.op === 'conv_chain') {
    let words = 0, xneed = 0;
    for (const { geom: g } of k.bound.stages) {
      const pw = g.k === 1 && g.stride === 1 && g.pad === 0 && g.groups === 1;
      const im2col = !pw && g.groups === 1 && g.cpg * g.k * g.k <= 510;
      if (!pw && !im2col) continue;
      const cp2 = Math.ceil((g.cpg * (pw ? 1 : g.k * g.k)) / 2);
      xneed = Math.max(xneed, Math.min(g.wo, 16) * cp2);
      words += g.cout * cp2;
    }
    return 4 * (words + xneed);
  }
  return null;
}
