/**
 * The memory report of a training program: peak SRAM with its breakdown, Flash, the step and op at
 * the peak, a per-step timeline, and whether it fits the budgets, with a message in TensorFlow Lite
 * Micro's style (requested, available, missing, where). The paper's analytic figure sits beside it.
 */
import type { Graph } from '../ir/graph.ts';
import { numel } from '../ir/tensor.ts';
import type { Category, Kernel, KernelOp, Phase } from '../program/types.ts';
import type { TrainableParam } from '../train/autodiff.ts';
import type { InputStream } from '../schedule/stream-input.ts';
import type { ResolvedScheme } from '../train/scheme.ts';
import { analyticMemory, type AnalyticBreakdown } from './analytic.ts';
import type { Buffer } from './lifetimes.ts';
import { ALIGN } from './planner.ts';

export const KB = 1024;
export const DEFAULT_SRAM_BUDGET = 256 * KB;
export const DEFAULT_FLASH_BUDGET = 1024 * KB;
/**
 * Stack of the generated training step: a fixed call depth (main -> step -> kernel), no recursion,
 * kernels keep their locals in registers. An estimate, counted so that nothing is left out.
 */
export const STACK_ESTIMATE = 2 * KB;
/** Code size estimate: the runtime (startup, step, printing) plus each distinct kernel linked in. */
const CODE_BASE = 12 * KB;
const CODE_PER_KERNEL: Partial<Record<KernelOp, number>> = { conv2d: 4 * KB, conv_chain: 6 * KB, conv_bwd_x: 3 * KB, conv_update_w: 3 * KB };
const CODE_DEFAULT = 1 * KB;

export type SramCategory = Category | 'fragmentation' | 'trainable' | 'optimizer' | 'stack';
export const SRAM_CATEGORIES: SramCategory[] = ['input', 'activation', 'saved', 'mask', 'gradient', 'scratch', 'fragmentation', 'trainable', 'optimizer', 'stack'];

export interface TimelineStep {
  step: number;
  kernel: string;
  op: KernelOp;
  node: string;
  phase: Phase;
  /** Arena bytes live during this step, by category. */
  live: Partial<Record<Category, number>>;
  total: number;
}

export interface MemoryReport {
  peakSramBytes: number;
  arenaBytes: number;
  /** No arena can be smaller: the most bytes live at one step. */
  arenaLowerBound: number;
  plannerStrategy: string;
  /** Sums to peakSramBytes. */
  breakdown: Record<SramCategory, number>;
  flashBytes: number;
  flashBreakdown: { frozenWeights: number; scales: number; frozenBiases: number; trainedInitialValues: number; code: number };
  peak: { step: number; kernel: string; op: KernelOp; node: string; phase: Phase };
  timeline: TimelineStep[];
  analyticBytes: number;
  analytic: AnalyticBreakdown;
  budgets: { sramBytes: number; flashBytes: number };
  sramFits: boolean;
  flashFits: boolean;
  fits: boolean;
  /** One sentence per budget that is exceeded. */
  messages: string[];
  /**
   * How the image reaches the step. Streamed: the first fused chain reads it row by row from outside
   * SRAM (camera, Flash, the caller's array), and the `input` category holds only its ring and the label.
   */
  input: { imageBytes: number; streamed: boolean; ringBytes: number; ringRows: number; kernel: string | null };
  /** Sentences that explain the plan (not warnings): how the input is read. */
  notes: string[];
}

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;
const fmt = (n: number) => n.toLocaleString('en-US');

export function memoryReport(
  graph: Graph, rs: ResolvedScheme, kernels: Kernel[], buffers: Buffer[], arenaBytes: number, strategy: string,
  trainable: TrainableParam[], budgets: { sramBytes: number; flashBytes: number }, stream: InputStream | null = null,
): MemoryReport {
  // Live bytes per step and category, from one difference array per category.
  const steps = kernels.length;
  const diff = new Map<Category, Float64Array>();
  for (const b of buffers) {
    let d = diff.get(b.category);
    if (!d) diff.set(b.category, (d = new Float64Array(steps + 1)));
    d[b.start] += align(b.bytes);
    d[b.end + 1] -= align(b.bytes);
  }
  const timeline: TimelineStep[] = kernels.map((k, step) => ({ step, kernel: k.name, op: k.op, node: k.node, phase: k.phase, live: {}, total: 0 }));
  for (const [cat, d] of diff) {
    let run = 0;
    for (let s = 0; s < steps; s++) {
      run += d[s];
      if (run) {
        timeline[s].live[cat] = run;
        timeline[s].total += run;
      }
    }
  }
  let peakStep = 0;
  timeline.forEach((t, i) => {
    if (t.total > timeline[peakStep].total) peakStep = i;
  });
  const atPeak = timeline[peakStep] ?? { live: {}, total: 0 };

  const trainableBytes = trainable.reduce((s, t) => s + t.bytes, 0);
  const optimizerBytes = trainable.reduce((s, t) => s + (t.optimizer ? t.elements * 4 : 0), 0);
  const breakdown = Object.fromEntries(SRAM_CATEGORIES.map((c) => [c, 0])) as Record<SramCategory, number>;
  for (const [c, v] of Object.entries(atPeak.live)) breakdown[c as Category] = v;
  breakdown.fragmentation = arenaBytes - atPeak.total;
  breakdown.trainable = trainableBytes;
  breakdown.optimizer = optimizerBytes;
  breakdown.stack = STACK_ESTIMATE;
  const peakSramBytes = arenaBytes + trainableBytes + optimizerBytes + STACK_ESTIMATE;

  // Flash: every parameter's initial value (trained ones are copied to SRAM at start-up), plus code.
  let frozenWeights = 0, scales = 0, frozenBiases = 0, trainedInit = 0;
  const trainedBytes = new Map(trainable.map((t) => [t.param, t.bytes]));
  for (const t of Object.values(graph.tensors)) {
    const bytes = numel(t.shape) * (t.dtype === 'int8' ? 1 : 4);
    if (t.kind === 'scales') scales += bytes;
    else if (t.kind === 'weight' || t.kind === 'bias') {
      const trained = trainedBytes.get(t.name) ?? 0;
      trainedInit += trained;
      if (t.kind === 'weight') frozenWeights += bytes - trained;
      else frozenBiases += bytes - trained;
    }
  }
  const ops = new Set(kernels.map((k) => k.op));
  const code = CODE_BASE + [...ops].reduce((s, op) => s + (CODE_PER_KERNEL[op] ?? CODE_DEFAULT), 0);
  const flashBytes = frozenWeights + scales + frozenBiases + trainedInit + code;

  const analytic = analyticMemory(graph, rs);
  const pk = kernels[peakStep];
  const sramFits = peakSramBytes <= budgets.sramBytes;
  const flashFits = flashBytes <= budgets.flashBytes;
  const messages: string[] = [];
  if (!sramFits) {
    messages.push(`SRAM: requested ${fmt(peakSramBytes)} bytes, available ${fmt(budgets.sramBytes)}, missing ${fmt(peakSramBytes - budgets.sramBytes)}` +
      ` (peak at step ${peakStep}, ${pk?.name ?? 'start'}).`);
  }
  if (!flashFits) {
    messages.push(`Flash: requested ${fmt(flashBytes)} bytes, available ${fmt(budgets.flashBytes)}, missing ${fmt(flashBytes - budgets.flashBytes)}` +
      ` (frozen weights ${fmt(frozenWeights)}, code estimate ${fmt(code)}).`);
  }
  const imageBytes = numel(graph.tensors[graph.input].shape);
  const input = stream
    ? { imageBytes, streamed: true, ringBytes: stream.ringBytes, ringRows: stream.rows, kernel: stream.kernel }
    : { imageBytes, streamed: false, ringBytes: 0, ringRows: 0, kernel: null };
  const shape = graph.tensors[graph.input].shape.join('x');
  const notes = [stream
    ? `Input streamed: ${stream.kernel} reads the ${shape} image (${fmt(imageBytes)} bytes) row by row from outside SRAM ` +
      `(the camera or Flash) into a ${stream.rows}-row ring of ${fmt(stream.ringBytes)} bytes; "input" counts that ring and the label.`
    : `Input whole in SRAM: the ${shape} image (${fmt(imageBytes)} bytes) is an arena buffer` +
      ' (only a fused, frozen first block can stream it).'];
  return {
    peakSramBytes, arenaBytes, arenaLowerBound: Math.max(0, ...timeline.map((t) => t.total)), plannerStrategy: strategy, breakdown,
    flashBytes, flashBreakdown: { frozenWeights, scales, frozenBiases, trainedInitialValues: trainedInit, code },
    peak: { step: peakStep, kernel: pk?.name ?? '', op: pk?.op ?? 'conv2d', node: pk?.node ?? '', phase: pk?.phase ?? 'forward' },
    timeline, analyticBytes: analytic.total, analytic, budgets, sramFits, flashFits, fits: sramFits && flashFits, messages,
    input, notes,
  };
}
