/**
 * The memory report of a training program: peak SRAM with its breakdown, Flash, the step and op at
 * the peak, a per-step timeline, and whether it fits the budgets, with a message in TensorFlow Lite
 * Micro's style (requested, available, missing, where). The paper's analytic figure sits beside it.
 */
import type { Graph } from '../ir/graph.ts';
import { numel } from '../ir/tensor.ts';
import type { Category, KernelOp, Phase, ProgramKernel, ProgramTensor } from '../program/types.ts';
import type { TrainableParam } from '../train/autodiff.ts';
import type { InputStream } from '../schedule/stream-input.ts';
import type { ResolvedScheme } from '../train/scheme.ts';
import { analyticMemory, type AnalyticBreakdown } from './analytic.ts';
import type { Buffer } from './lifetimes.ts';
import { liveBytes } from './planner.ts';
import { DEFAULT_EXPORT_SAMPLES, firmwareMemory, STACK_RESERVE, type StaticObject } from '../firmware/static-objects.ts';
import { DEFAULT_HYPER } from '../runtime/executor.ts';

export const KB = 1024;
export const DEFAULT_SRAM_BUDGET = 256 * KB;
export const DEFAULT_FLASH_BUDGET = 1024 * KB;

/**
 * The categories of the SRAM figure: the arena's (live at the peak step), its fragmentation, then the
 * firmware's static RAM outside the arena (firmware/static-objects.ts) and the stack reserve.
 */
export type SramCategory = Category | 'fragmentation' | 'trainable' | 'optimizer' | 'workspace' | 'runtime' | 'stack';
export const SRAM_CATEGORIES: SramCategory[] = ['input', 'activation', 'saved', 'mask', 'gradient', 'scratch', 'fragmentation', 'trainable', 'optimizer',
  'workspace', 'runtime', 'stack'];

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
  /**
   * The SRAM the exported firmware links to (data + bss, the stack reserve included): the arena, every
   * static object in RAM and the stack. tests/firmware-size.test.ts holds it to arm-none-eabi-size.
   */
  peakSramBytes: number;
  arenaBytes: number;
  /** No arena can be smaller: the most bytes live at one step. */
  arenaLowerBound: number;
  plannerStrategy: string;
  /** Sums to peakSramBytes. */
  breakdown: Record<SramCategory, number>;
  flashBytes: number;
  /** Sums to flashBytes (text + data of the firmware; code is an estimate, the rest is exact). */
  flashBreakdown: { frozenWeights: number; scales: number; frozenBiases: number; trainedInitialValues: number; samples: number; tables: number; code: number };
  /** The firmware's static objects behind the figures (symbol, bytes, section): what the linker places. */
  firmware: { objects: StaticObject[]; samples: number; stackBytes: number };
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

const fmt = (n: number) => n.toLocaleString('en-US');

/** The firmware the figures describe: its embedded samples, its update rounding, its stack reserve. */
export interface FirmwareSpec { samples: number; stochastic: boolean; stackBytes: number }
/** The IDE's and the CLI's export: 4 samples, the default hyperparameters' rounding, the 2 KB reserve. */
export const DEFAULT_FIRMWARE: FirmwareSpec = {
  samples: DEFAULT_EXPORT_SAMPLES, stochastic: DEFAULT_HYPER.rounding?.mode === 'stochastic', stackBytes: STACK_RESERVE,
};

export function memoryReport(
  graph: Graph, rs: ResolvedScheme, kernels: ProgramKernel[], tensors: Record<string, ProgramTensor>, buffers: Buffer[], arenaBytes: number, strategy: string,
  trainable: TrainableParam[], budgets: { sramBytes: number; flashBytes: number }, stream: InputStream | null = null,
  firmware: FirmwareSpec = DEFAULT_FIRMWARE,
): MemoryReport {
  // Live bytes per step and category (planner.ts liveBytes: each buffer aligned as the arena holds it).
  const steps = kernels.length;
  const byCategory = new Map<Category, Buffer[]>();
  for (const b of buffers) {
    const list = byCategory.get(b.category);
    if (list) list.push(b);
    else byCategory.set(b.category, [b]);
  }
  const timeline: TimelineStep[] = kernels.map((k, step) => ({ step, kernel: k.name, op: k.op, node: k.node, phase: k.phase, live: {}, total: 0 }));
  for (const [cat, list] of byCategory) {
    liveBytes(list, steps).forEach((run, s) => {
      if (run) {
        timeline[s].live[cat] = run;
        timeline[s].total += run;
      }
    });
  }
  let peakStep = 0;
  timeline.forEach((t, i) => {
    if (t.total > timeline[peakStep].total) peakStep = i;
  });
  const atPeak = timeline[peakStep] ?? { live: {}, total: 0 };

  // Everything else the firmware holds, from the one list the C emitters size their arrays from.
  const fw = firmwareMemory({ graph, tensors, kernels, trainable, inputStream: stream, arenaBytes }, firmware);
  const breakdown = Object.fromEntries(SRAM_CATEGORIES.map((c) => [c, 0])) as Record<SramCategory, number>;
  for (const [c, v] of Object.entries(atPeak.live)) breakdown[c as Category] = v;
  breakdown.fragmentation = fw.sram.arena - atPeak.total;
  breakdown.trainable = fw.sram.trainable;
  breakdown.optimizer = fw.sram.optimizer;
  breakdown.workspace = fw.sram.workspace;
  breakdown.runtime = fw.sram.runtime;
  breakdown.stack = fw.sram.stack;
  const peakSramBytes = fw.sramBytes;

  const { frozenWeights, scales, frozenBiases, samples, tables, code, initialValues } = fw.flash;
  const flashBytes = fw.flashBytes;

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
      ` (frozen weights ${fmt(frozenWeights)}, embedded samples ${fmt(samples)}, code estimate ${fmt(code)}).`);
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
    flashBytes, flashBreakdown: { frozenWeights, scales, frozenBiases, trainedInitialValues: initialValues, samples, tables, code },
    firmware: { objects: fw.objects, samples: firmware.samples, stackBytes: firmware.stackBytes },
    peak: { step: peakStep, kernel: pk?.name ?? '', op: pk?.op ?? 'conv2d', node: pk?.node ?? '', phase: pk?.phase ?? 'forward' },
    timeline, analyticBytes: analytic.total, analytic, budgets, sramFits, flashFits, fits: sramFits && flashFits, messages,
    input, notes,
  };
}
