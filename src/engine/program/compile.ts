/**
 * The compiler pipeline: forward graph + scheme -> training graph (autodiff, pruning) -> schedule
 * (in-place ops, fused early stage) -> memory plan -> training program. Pure and deterministic.
 */
import type { Graph } from '../ir/graph.ts';
import { DEFAULT_WORKSPACE, DEFAULT_WORKSPACE_HEADROOM, planWithWorkspaces, workspaceBuffers } from '../firmware/workspaces.ts';
import { checkBudget } from '../limits.ts';
import { bufferLifetimes, type Buffer } from '../memory/lifetimes.ts';
import { liveBytes } from '../memory/planner.ts';
import { DEFAULT_FLASH_BUDGET, DEFAULT_SRAM_BUDGET, memoryReport, type MemoryReport } from '../memory/report.ts';
import { accumulateGrads } from '../schedule/accumulate-grads.ts';
import { fuseBlockBackward } from '../schedule/fuse-block-backward.ts';
import { fuseExpansionBackward } from '../schedule/fuse-backward.ts';
import { compactPoolGradient } from '../schedule/pool-grad.ts';
import { fuseFrozenRows } from '../schedule/fuse-rows.ts';
import { applyInPlace } from '../schedule/inplace.ts';
import { streamInput, type InputStream } from '../schedule/stream-input.ts';
import { buildTrainingGraph, type TrainableParam, type TrainingGraph } from '../train/autodiff.ts';
import { resolveScheme, SchemeError, type ResolvedScheme, type Scheme } from '../train/scheme.ts';
import { bindKernels } from '../kernels/bind.ts';
import type { ConvBinding } from '../kernels/def.ts';
import type { ProgramKernel, ProgramTensor, Scheduled } from './types.ts';

export interface CompileOptions {
  /** Updates as soon as their gradient exists (the paper's operator reordering). Default on. */
  reorder?: boolean;
  /** In-place depthwise convs and residual adds in the forward pass. Default on. */
  inPlace?: boolean;
  /** Run the frozen early stage block by block, row by row (schedule/fuse-rows.ts). Default on. */
  fuseRows?: boolean;
  /**
   * The fused first chain reads the image row by row from outside the arena (the caller's array, Flash,
   * a camera) into a ring of a few rows, so the whole frame never sits in SRAM (schedule/stream-input.ts).
   * Default on; needs fuseRows and a frozen stem.
   */
  streamInput?: boolean;
  /** Stream each depthwise input gradient into its pw1's backward (schedule/fuse-backward.ts). Default on. */
  fuseBackward?: boolean;
  /**
   * Stream whole inverted bottlenecks' backward, pw2's input gradient included
   * (schedule/fuse-block-backward.ts); implies fuseBackward's savings. Default on (the C emitter's
   * tt_block_bwd matches it bit for bit).
   */
  fuseBlockBackward?: boolean;
  /**
   * A residual block's input gradient adds onto the skip's gradient in its buffer instead of a buffer
   * of its own summed after (schedule/accumulate-grads.ts). Default on; off sums as before, in another
   * order (so other bits).
   */
  accumulateGrads?: boolean;
  /**
   * Workspace guaranteed to each kernel whose C fast paths take one (firmware/workspaces.ts): a
   * one-step arena buffer the planner places. 0: the kernels get only the arena's free bytes.
   */
  workspaceBytes?: number;
  /**
   * How far the workspaces may raise the arena above the lower bound of the other buffers
   * (firmware/workspaces.ts: carveWorkspaces). Infinity: each kernel keeps its whole workspace.
   */
  workspaceHeadroom?: number;
  /**
   * A fused chain holding more bytes than this splits its rings where it can (schedule/fuse-rows.ts:
   * splitRing; fewer bytes, a little slower). Default (undefined): the most bytes any step outside the
   * chains holds, so that a split is taken only where a chain would set the arena.
   */
  splitRingsAbove?: number;
  sramBudget?: number;
  flashBudget?: number;
}

export interface TrainingProgram {
  model: string;
  graph: Graph;
  scheme: ResolvedScheme;
  options: Required<Omit<CompileOptions, 'splitRingsAbove'>> & Pick<CompileOptions, 'splitRingsAbove'>;
  tensors: Record<string, ProgramTensor>;
  /** In order, each with what the runtime and the C emitter read (bound by kernels/bind.ts). */
  kernels: ProgramKernel[];
  /** Every conv's binding (geometry, quantization, parameter names), for the C parameter file. */
  convs: Record<string, ConvBinding>;
  trainable: TrainableParam[];
  pruned: TrainingGraph['pruned'];
  /** How the image reaches the first chain when it is streamed (null: it is an arena buffer). */
  inputStream: InputStream | null;
  /** Arena buffers with their planned offsets. */
  buffers: (Buffer & { offset: number })[];
  arenaBytes: number;
  report: MemoryReport;
}

export function headKind(g: Graph): 'float32' | 'int8' {
  return g.nodes.some((n) => n.op === 'linear') ? 'float32' : 'int8';
}

export function compileTraining(graph: Graph, scheme: Scheme, opts: CompileOptions = {}): TrainingProgram {
  const options: TrainingProgram['options'] = {
    reorder: opts.reorder ?? true, inPlace: opts.inPlace ?? true, fuseRows: opts.fuseRows ?? true,
    streamInput: opts.streamInput ?? true,
    fuseBackward: opts.fuseBackward ?? true,
    fuseBlockBackward: opts.fuseBlockBackward ?? true,
    accumulateGrads: opts.accumulateGrads ?? true,
    workspaceBytes: opts.workspaceBytes ?? DEFAULT_WORKSPACE,
    workspaceHeadroom: opts.workspaceHeadroom ?? DEFAULT_WORKSPACE_HEADROOM,
    sramBudget: opts.sramBudget ?? DEFAULT_SRAM_BUDGET, flashBudget: opts.flashBudget ?? DEFAULT_FLASH_BUDGET,
    ...(opts.splitRingsAbove !== undefined ? { splitRingsAbove: opts.splitRingsAbove } : {}),
  };
  // Budgets from outside (CLI, project files, the page) are bounded once, in limits.ts.
  checkBudget('sramBudget', options.sramBudget);
  checkBudget('flashBudget', options.flashBudget);
  if (headKind(graph) !== scheme.head) {
    throw new SchemeError(`head: the scheme trains a ${scheme.head} head but the model was built with a ${headKind(graph)} head`);
  }
  const rs = resolveScheme(scheme, graph);
  const tg = buildTrainingGraph(graph, rs, { reorder: options.reorder });
  // Each pass returns new kernel and tensor lists; the training graph's stay as autodiff made them.
  const schedule = (splitAbove: number): { s: Scheduled; stream: InputStream | null } => {
    let s: Scheduled = { kernels: tg.kernels, tensors: tg.tensors };
    if (options.fuseRows) s = fuseFrozenRows(graph, s, rs.firstTrained, options.streamInput, splitAbove);
    let stream: InputStream | null = null;
    if (options.fuseRows && options.streamInput) ({ stream, ...s } = streamInput(graph, s));
    if (options.fuseBlockBackward) s = compactPoolGradient(fuseBlockBackward(graph, s));
    if (options.fuseBackward) s = fuseExpansionBackward(graph, s);
    if (options.accumulateGrads) s = accumulateGrads(graph, s);
    if (options.inPlace) s = applyInPlace(graph, s);
    return { s, stream };
  };
  // Bind once: each kernel gets its geometry, quantization and ring layout (kernels/bind.ts).
  const bound = (s: Scheduled) => {
    const b = bindKernels(graph, s.kernels, s.tensors);
    return { ...b, lifetimes: bufferLifetimes(s.tensors, b.kernels, [graph.loss!, graph.logits]) };
  };
  let { s, stream } = schedule(options.splitRingsAbove ?? Infinity);
  let { kernels, convs, lifetimes } = bound(s);
  // By default a chain splits its rings (schedule/fuse-rows.ts: splitRing, slower) only where it holds more
  // than any other step: the most bytes live at a step outside the chains, each workspace at its floor.
  if (options.fuseRows && options.splitRingsAbove === undefined) {
    const floors = workspaceBuffers(kernels, options.workspaceBytes, s.tensors, tg.trainable, true).map((w) => ({ ...w, bytes: w.floor }));
    const live = [...liveBytes([...lifetimes, ...floors], kernels.length)];
    const most = Math.max(0, ...live.filter((_, i) => kernels[i].op !== 'conv_chain'));
    if (live.some((b, i) => kernels[i].op === 'conv_chain' && b > most)) {
      ({ s, stream } = schedule(most));
      ({ kernels, convs, lifetimes } = bound(s));
    }
  }
  const tensors = s.tensors;
  // The kernels' workspaces carved from the arena's free space at their step (firmware/workspaces.ts).
  // A late pointwise conv (a plane of at most 32 pixels) whose packed weights do not fit its workspace
  // packs four output channels per pixel tile; with room for all its pixels in one tile it packs them
  // once (widen: mcunet-5fps@99kb's last pointwise conv, 0.4M instructions a step fewer on the M7).
  // Carved, the wider request costs no arena byte; with whole workspaces it is kept only where it
  // needs no larger arena.
  const wideWs = workspaceBuffers(kernels, options.workspaceBytes, tensors, tg.trainable, true);
  let { buffers, plan } = planWithWorkspaces(lifetimes, wideWs, options.workspaceHeadroom);
  if (options.workspaceHeadroom === Infinity) {
    const narrow = planWithWorkspaces(lifetimes, workspaceBuffers(kernels, options.workspaceBytes, tensors, tg.trainable), Infinity);
    if (narrow.plan.arenaBytes < plan.arenaBytes) ({ buffers, plan } = narrow);
  }
  const report = memoryReport(graph, rs, kernels, tensors, buffers, plan.arenaBytes, plan.strategy, tg.trainable,
    { sramBytes: options.sramBudget, flashBytes: options.flashBudget }, stream);
  return {
    model: graph.name, graph, scheme: rs, options, tensors, kernels, convs, trainable: tg.trainable, pruned: tg.pruned, inputStream: stream,
    buffers: buffers.map((b) => ({ ...b, offset: plan.offsets[b.id] })), arenaBytes: plan.arenaBytes, report,
  };
}
