/**
 * Kernel workspaces in the arena. The C kernels' fast paths (packed pointwise weights, im2col tiles,
 * float planes of the fused backward) need scratch memory at their step only. Each kernel that takes
 * one gets a one-step buffer in the memory plan, carved from what the other buffers leave free at its
 * step (planWithWorkspaces), so it raises the arena only by its fast path's floor where its step is
 * full: no static spare outside the plan, no byte the report misses. The generated step hands the
 * kernel the largest free stretch of the arena at its step, which holds this buffer and may be larger.
 */
import type { Buffer } from '../memory/lifetimes.ts';
import { ALIGN, ORDERS, placeInOrder, planArena, type Lifetime, type Placement } from '../memory/planner.ts';
import { isDepthwise, isPointwise, isSquare, taps } from '../ops/conv2d.ts';
import { chainFloorBytes, chainPackedBytes, splitOf } from '../schedule/fuse-rows.ts';
import type { Kernel, KernelOp, ProgramKernel, ProgramTensor } from '../program/types.ts';

/** Kernels whose C implementation takes a workspace (c-step.ts passes it). */
export const WORKSPACE_OPS: ReadonlySet<KernelOp> = new Set<KernelOp>(['conv2d', 'conv_chain', 'dw_pw_bwd', 'block_bwd']);

/**
 * The most workspace a kernel is guaranteed (bytes). Measured with bench:firmware at 128x128 before the
 * per-kernel sizes (every kernel given this much), instructions per step for mcunet-5fps@99kb /
 * mbv2-w0.35@99kb / proxyless-w0.3@98kb: 8 KB 107.7 / 84.6 / 92.5 M, 16 KB 102.2 / 78.2 / 88.1 M,
 * 20 KB 97.7 / 78.2 / 88.1 M, 24 KB 97.3 / 78.1 / 88.1 M. Sized per kernel (workspaceBuffers) at most
 * 20 KB: 97.7 / 78.2 / 88.1 M at 153.9 / 137.1 / 135.8 KB linked. Leaving tt_block_bwd's float copy of
 * the saved input out of its size: 105.9 / 81.0 / 88.7 M at 144.2 / 136.7 / 135.8 KB. With the late
 * pointwise convs widened where the arena allows (pwGroupBytes) and the rounding draws' key hoisted:
 * 96.7 / 77.5 / 87.3 M at the same SRAM. Two channel-pair steps per pass of the pointwise SMLAD loop and
 * the int8 weight updates in a function of their own (tt_update_run): 95.0 / 76.1 / 85.7 M, same SRAM.
 */
export const DEFAULT_WORKSPACE = 20 * 1024;

/**
 * How far the workspaces may raise the arena above the other buffers' plan (planWithWorkspaces), their
 * floors aside. 0: the workspaces take the arena's free space and only a fast path's floor adds bytes.
 * Measured with bench:firmware at 128x128 (linked SRAM KB @ M7 instructions per step) for
 * mcunet-5fps@99kb / mbv2-w0.35@99kb / proxyless-w0.3@98kb, with the 1 KB static im2col row the runtime
 * then had: unbounded 153.9 @ 95.0M / 137.1 @ 76.1M / 135.8 @ 85.7M; 0: 142.4 @ 99.4M / 129.6 @ 78.6M /
 * 127.8 @ 88.7M; 0 without the block backward's floor: 136.1 @ 117.1M / 123.8 @ 91.5M / 127.8 @ 88.7M
 * (its eight-channel block lost where the step is full). Without that row, 0: 141.4 @ 99.3M /
 * 128.6 @ 78.5M / 126.8 @ 88.6M. After the memory work that followed (chains in place, skip gradients
 * summed in place), 0: 129.9 @ 103.8M / 120.7 @ 83.4M / 119.7 @ 91.8M, the workspaces cut deeper;
 * with the cut paths made cheap (a pointwise conv reading its int8 weight rows in place, the block
 * backward converting the saved input as it reads it): 129.9 @ 99.4M / 120.7 @ 80.6M / 119.7 @ 89.9M,
 * unbounded 143.2 @ 98.3M / 135.6 @ 79.4M / 134.8 @ 88.7M. With a pointwise conv in place where its
 * output dies at the next step and the pointwise floors tt_pw_direct's (pointwiseFloor), 0: 127.9 @
 * 99.2M / 119.6 @ 80.4M / 117.3 @ 90.8M, unbounded 142.6 @ 98.0M / 134.0 @ 79.3M / 133.3 @ 88.8M. With
 * the block backward's one-plane block (its floor the block alone) and a peak chain's rings split: 0:
 * 125.7 @ 99.2M / 117.3 @ 80.9M / 114.3 @ 92.8M, unbounded 142.6 @ 97.9M / 134.0 @ 79.1M / 133.3 @ 91.0M.
 */
export const DEFAULT_WORKSPACE_HEADROOM = 0;

export const workspaceId = (k: Kernel) => `ws:${k.name}`;

/**
 * One workspace buffer per kernel that takes one: what its fast paths use (fastPathBytes) where that
 * is known, at most `bytes`. Otherwise `bytes`, or less for a small kernel: the fast paths hold float
 * copies of (parts of) the kernel's own tensors, so four times the bytes of the tensors it reads and
 * writes is more than they use. trainable: the trained parameters (a pointwise conv's floor depends on
 * whether its weight rows are whole, pointwiseFloor). widen: see pwGroupBytes.
 */
export function workspaceBuffers(kernels: ProgramKernel[], bytes: number, tensors: Record<string, ProgramTensor>,
  trainable: readonly { param: string; elements: number }[], widen = false): WorkspaceBuffer[] {
  if (bytes <= 0) return [];
  const trained = new Map(trainable.map((t) => [t.param, t.elements]));
  return kernels.flatMap((k, step) => {
    if (!WORKSPACE_OPS.has(k.op)) return [];
    const own = [...new Set([...k.inputs, ...k.outputs])].reduce((s, n) => s + (tensors[n]?.bytes ?? 0), 0);
    const need = fastPathBytes(k);
    // A conv's packed weights can outweigh its tensors (a late pointwise conv on a 4x4 plane): it then
    // packs four output channels at a time (tt_pw_fast), which costs little on so few pixels.
    // widen: a small pointwise conv gets at least what its fast path needs to pack four output channels
    // at a time over all its pixels in one tile (compile.ts keeps that plan only where it costs no arena byte).
    const floor = k.op === 'conv2d' && widen ? pwGroupBytes(k) : 0;
    const size = Math.ceil(Math.max(floor, Math.min(bytes, need ?? 4 * own, k.op === 'conv2d' ? 4 * own : Infinity)) / 8) * 8;
    // A floor the workspace cannot reach buys nothing: then none.
    const fast = Math.ceil((pointwiseFloor(k, trained) ?? fastPathFloor(k)) / 8) * 8;
    const least = fast <= size ? fast : 0;
    return size > 0 ? [{ id: workspaceId(k), bytes: size, start: step, end: step, category: 'scratch' as const, members: [], floor: least }] : [];
  });
}

/** A kernel's workspace buffer; `floor`: the least that keeps its fast path on (fastPathFloor). */
export interface WorkspaceBuffer extends Buffer { floor: number }

/**
 * A pointwise conv's floor in the plan (null: not a pointwise conv). One whose int8 weight rows are
 * whole (frozen, or trained over all input channels) and of a multiple of four channels reads them in
 * place on the SMLAD cores (tt_pw_direct), whose least is one pixel's packed channels (cp2 words), its
 * full speed from two pixels: its floor is two pixels', one where the conv is small
 * (PW_ONE_PIXEL_MACS). The Helium and wasm builds have no such path: below fastPathFloor they take the
 * plain loops (in place, pixel by pixel: csrc/tt_kernels.c). Any other on at most 32 pixels: four
 * channels' weights and all its pixels (pwGroupBytes), since with several tiles each packs the weights
 * again (mcunet-5fps@99kb's conv39, 96 -> 576 on 4x4, its weight rows partly trained: 1.68M
 * instructions at 4,864 B, 2.28M at 2,832 B, when its step's largest free stretch shrank to that).
 */
function pointwiseFloor(k: ProgramKernel, trained: ReadonlyMap<string, number>): number | null {
  if (k.op !== 'conv2d' || !isPointwise(k.bound.conv.geom)) return null;
  const g = k.bound.conv.geom;
  const n = trained.get(k.bound.conv.weight) ?? 0;
  if ((n !== 0 && n !== g.cout * g.cpg) || g.cpg % 4 !== 0) return Math.max(fastPathFloor(k), pwGroupBytes(k));
  return 4 * (g.cpg * g.cout * g.ho * g.wo <= PW_ONE_PIXEL_MACS ? 1 : 2) * Math.ceil(g.cpg / 2);
}

/**
 * The largest pointwise conv (multiply-accumulates) whose tt_pw_direct floor is one pixel's channels
 * (pointwiseFloor); a larger one's is two pixels'. On the M7 (-DTT_PROFILE on QEMU mps2-an500, the
 * call's workspace forced), tiles of one pixel cost about 1.4 times the instructions of tiles of two,
 * which cost what larger tiles do: proxyless-w0.3@98kb's last pointwise conv (384 -> 96 on 4x4, 0.59M
 * MACs) 0.84M at 4,608 B (tiles of six), 0.86M at 1,536 B (two), 1.16M at 768 B (one);
 * mcunet-5fps@99kb's last (576 -> 160 on 4x4, 1.47M MACs) 2.04M at 2,304 B (two), 2.80M at 1,152 B (one).
 */
export const PW_ONE_PIXEL_MACS = 1 << 20;

/**
 * The least workspace without which a kernel's fast path is off altogether (bytes; 0: it degrades
 * gradually or has none): tt_pw_fast packs four output channels' weights and a tile of two pixels
 * (6 words per input-channel pair), tt_dw_plane16 needs its whole padded plane, a fused chain its
 * im2col stages' packed weights and one pointwise stage's packing at each row (chainFloorBytes).
 * Below it the generic conv runs, several times slower (on the M7,
 * mcunet-5fps@99kb's last pointwise conv: 1.6M -> 8.8M instructions; proxyless-w0.3@98kb's second
 * chain, at its peak: 5.4M -> 34.9M).
 */
function fastPathFloor(k: ProgramKernel): number {
  if (k.op === 'conv_chain') return chainFloorBytes(k.bound.stages.map((s) => s.geom), splitOf(k.bound.layout));
  if (k.op === 'block_bwd') {
    // The gathered plane and pw1's eight-channel block, filled a channel at a time where the seven more
    // channel planes do not fit (tt_pw1_setup's direct block: the same instructions within 0.1%).
    const need = fastPathBytes(k) ?? 0;
    if (!k.bound.pw1) return need;
    const dg = k.bound.dw.geom, hw = dg.h * dg.w;
    return Math.min(need, blockGatherBytes(k) + 4 * 8 * hw);
  }
  if (k.op !== 'conv2d') return 0;
  const g = k.bound.conv.geom;
  if (isPointwise(g)) return 4 * 6 * Math.ceil(g.cpg / 2);
  return fastPathBytes(k) ?? 0;
}

/**
 * tt_pw_fast's workspace when not every output channel's weights fit: four channels' packed weights
 * and all pixels in one tile, so each group is packed once (0: not a pointwise conv, or a plane of more
 * than 32 pixels, which takes several tiles whatever the workspace).
 */
function pwGroupBytes(k: ProgramKernel & { op: 'conv2d' }): number {
  const g = k.bound.conv.geom;
  if (!isPointwise(g) || g.ho * g.wo > 32) return 0;
  const cp2 = Math.ceil(g.cpg / 2);
  return 4 * (4 * cp2 + cp2 * g.ho * g.wo);
}

/** tt_block_bwd's padded output-gradient plane of the gathered depthwise input gradient (first in its workspace; a square filter only). */
function blockGatherBytes(k: ProgramKernel & { op: 'block_bwd' }): number {
  const dg = k.bound.dw.geom;
  const dim = (n: number) => Math.floor((n - 1 + dg.ph) / dg.stride) + 1 + Math.floor((dg.kh - 1) / dg.stride) + 1;
  return k.attrs.dwInputGrad && isSquare(dg) && taps(dg) <= 64 ? Math.ceil((dim(dg.h) * dim(dg.w) * 4) / 8) * 8 : 0;
}

/**
 * The most workspace a kernel's fast paths carve (bytes), where it is known: it mirrors the carving
 * in c-kernels.ts. tt_block_bwd: the padded output-gradient plane of the gathered depthwise input
 * gradient, the saved pw1 input as float, seven more channel planes, then eight channels' gradients
 * pixel-major (tt_pw1_setup; their weights are converted two input channels at a time, on the stack). tt_conv_chain: the packed weights of its pointwise and im2col stages and
 * one tile of 16 pixels (or the row; an im2col stage also one pixel of int16 taps). tt_conv2d: a pointwise conv's packed weights and a tile of pixels,
 * a depthwise conv's padded int16 plane. A larger workspace is not used (a pointwise conv's tiles grow
 * with it, to no measurable gain past 32 pixels); a smaller one takes slower paths.
 * null: not known (the kernel gets the compiler's default).
 */
export function fastPathBytes(k: ProgramKernel): number | null {
  if (k.op === 'block_bwd') {
    const dg = k.bound.dw.geom;
    const hw = dg.h * dg.w;
    const gather = blockGatherBytes(k);
    if (!k.bound.pw1) return gather;
    const n = k.attrs.channels;
    return gather + 4 * (n * hw + 7 * hw + 8 * hw);
  }
  if (k.op === 'conv2d') {
    const g = k.bound.conv.geom;
    if (isPointwise(g)) {
      // tt_pw_fast: every output channel's packed weights, then pixel tiles (32 pixels keep the overhead small).
      const cp2 = Math.ceil(g.cpg / 2);
      return 4 * (g.cout * cp2 + cp2 * Math.min(g.ho * g.wo, 32));
    }
    // tt_dw_plane16: the padded int16 plane and the filter rows as int16 pairs.
    if (isDepthwise(g) && g.kh <= 16 && g.kw <= 16) return (g.h + 2 * g.ph) * (g.w + 2 * g.pw + 2) * 2 + g.kh * Math.ceil(g.kw / 2) * 4 + 8;
    return 0; // the generic path takes no workspace
  }
  if (k.op === 'conv_chain') return chainPackedBytes(k.bound.stages.map((s) => s.geom), splitOf(k.bound.layout));
  return null;
}

/**
 * Workspaces carved from the arena's free space at their step. The other buffers are planned first
 * (`placed`, an arena of `arenaBytes`); then each kernel's one-step workspace is cut to the largest
 * stretch free at its step below a ceiling, that arena plus `headroom`, and placed there. So a
 * workspace raises the arena by at most `headroom` (0: never), and a kernel whose step leaves room keeps
 * its whole workspace. A workspace cut under 64 bytes is dropped (the C kernels take none that small).
 * Each workspace lives one step and each step runs one kernel, so workspaces never meet each other.
 */
export function carveWorkspaces(workspaces: WorkspaceBuffer[], others: Lifetime[], offsets: Record<string, number>, arenaBytes: number,
  headroom: number): { buffers: Buffer[]; offsets: Record<string, number>; arenaBytes: number } {
  const ceiling = arenaBytes + Math.max(0, headroom);
  const out: Buffer[] = [];
  const at: Record<string, number> = {};
  let arena = arenaBytes;
  const byOffset = others.filter((l) => l.bytes > 0).map((l) => ({ l, at: offsets[l.id] })).sort((a, b) => a.at - b.at);
  for (const w of workspaces) {
    const live = byOffset.filter(({ l }) => l.start <= w.start && w.start <= l.end).map(({ l, at }) => [at, at + l.bytes]);
    // The free stretches at this step, the last one open-ended.
    const gaps: { off: number; end: number }[] = [];
    let end = 0;
    for (const [s0, e0] of [...live, [Infinity, Infinity]]) {
      const start = Math.ceil(end / ALIGN) * ALIGN;
      if (s0 > start) gaps.push({ off: start, end: s0 });
      end = Math.max(end, e0);
    }
    const under = (g: { off: number; end: number }) => Math.min(g.end, ceiling) - g.off;
    let best = gaps.reduce((a, g) => (under(g) > under(a) ? g : a), gaps[0]);
    let bytes = Math.floor(Math.min(w.bytes, under(best)) / ALIGN) * ALIGN;
    const floor = w.floor;
    if (bytes < floor) {
      // Under its floor the kernel's fast path is off, which costs more than the bytes: the first stretch that holds the floor.
      best = gaps.find((g) => g.end - g.off >= floor)!;
      bytes = Math.floor(Math.min(w.bytes, Math.max(floor, under(best))) / ALIGN) * ALIGN;
    }
    if (bytes < 64) continue;
    out.push({ ...w, bytes });
    at[w.id] = best.off;
    arena = Math.max(arena, best.off + bytes);
  }
  return { buffers: out, offsets: at, arenaBytes: arena };
}

/**
 * The arena plan with the kernels' workspaces. The ceiling is the other buffers' best plan plus
 * `headroom`. Candidates: the other buffers placed in each of the planner's orders, each workspace
 * carved from what that placement leaves free at its step (carveWorkspaces: each order leaves other
 * stretches free); and every buffer planned together with each workspace at its floor, the workspaces
 * then carved again from that plan's free stretches. Kept: the one giving the kernels the most
 * workspace within the ceiling (else the smallest arena); then, if greedy-by-size packs those same
 * buffers tighter, its plan (so the plan is never worse than TFLite Micro's on them).
 */
export function planWithWorkspaces(others: Buffer[], workspaces: WorkspaceBuffer[], headroom: number): { buffers: Buffer[]; plan: Placement } {
  const placements = ORDERS.map((o) => placeInOrder(others, o));
  const baseBytes = Math.min(...placements.map((p) => p.arenaBytes));
  const ceiling = baseBytes + Math.max(0, headroom);
  const candidates: { buffers: Buffer[]; plan: Placement }[] = [];
  const carveOn = (p: Placement, label: string) => {
    const othersTop = Math.max(0, ...others.map((l) => Math.ceil((p.offsets[l.id] + l.bytes) / ALIGN) * ALIGN));
    const top = Math.max(ceiling, othersTop);
    const carved = carveWorkspaces(workspaces, others, p.offsets, othersTop, top - othersTop);
    const at = Object.fromEntries(others.map((l) => [l.id, p.offsets[l.id]]));
    candidates.push({
      buffers: [...others, ...carved.buffers],
      plan: { offsets: { ...at, ...carved.offsets }, arenaBytes: carved.arenaBytes, strategy: `${p.strategy}, ${label}` },
    });
  };
  for (const p of placements) carveOn(p, 'workspaces carved');
  carveOn(planArena([...others, ...workspaces.map((w) => ({ ...w, bytes: w.floor })).filter((w) => w.bytes >= 64)]), 'workspaces from their floors');
  const given = (c: { buffers: Buffer[] }) => c.buffers.slice(others.length).reduce((n, b) => n + b.bytes, 0);
  const fits = candidates.filter((c) => c.plan.arenaBytes <= ceiling);
  const chosen = fits.length
    ? fits.reduce((a, c) => (given(c) > given(a) || (given(c) === given(a) && c.plan.arenaBytes < a.plan.arenaBytes) ? c : a))
    : candidates.reduce((a, c) => (c.plan.arenaBytes < a.plan.arenaBytes ? c : a));
  const greedy = placeInOrder(chosen.buffers, ORDERS[0]);
  return greedy.arenaBytes < chosen.plan.arenaBytes ? { buffers: chosen.buffers, plan: greedy } : chosen;
}
