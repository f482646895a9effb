/**
 * Every object the exported firmware's RAM and Flash hold, with its size and section: the one list
 * the memory report sums (its SRAM and Flash figures) and the C emitters size their arrays from, so
 * the two cannot drift. tests/firmware-size.test.ts checks it against the linker: each RAM symbol of
 * the built ELF is in this list with this size, data + bss equals the SRAM figure, text + data is
 * within 1% of the Flash figure.
 *
 * SRAM = .data + .bss + the stack reserve: the arena (activations, gradients, kernel workspaces), the
 * trained parameter slices (.data, initial values copied from Flash), momentum (.bss), the step's
 * small workspaces, the runtime's own data (the kernel library's row pointers and rings, main's line
 * buffer, newlib's reentrancy block), the stack reserve.
 * Flash = code (an estimate per linked kernel) + constants (frozen parameters, scales, geometry,
 * the chain tables) + embedded samples + the initial values of .data.
 */
import { cIdent } from '../codegen/c-format.ts';
import type { Graph, Node } from '../ir/graph.ts';
import { numel } from '../ir/tensor.ts';
import { rootOf } from '../memory/lifetimes.ts';
import { convGeom, isDepthwise, taps } from '../ops/conv2d.ts';
import { KERNEL_DEFS } from '../kernels/index.ts';
import type { Kernel, KernelOp, ProgramKernel, ProgramTensor } from '../program/types.ts';
import type { InputStream } from '../schedule/stream-input.ts';
import type { TrainableParam } from '../train/autodiff.ts';

const KB = 1024;

export type RamSection = 'data' | 'bss';
/** What an object is, for the report's breakdown. */
export type ObjectKind =
  | 'arena' | 'trainable' | 'optimizer' | 'workspace' | 'runtime' | 'stack'
  | 'frozenWeights' | 'scales' | 'frozenBiases' | 'tables' | 'samples' | 'code';

export interface StaticObject {
  /** The C symbol (function-local statics without gcc's numeric suffix). */
  symbol: string;
  bytes: number;
  /** Where it lives: RAM (.data: initial value in Flash too, .bss, the stack) or Flash only. */
  section: RamSection | 'stack' | 'rodata' | 'text';
  kind: ObjectKind;
}

/** What the static-object list needs of a program (a TrainingProgram, or the compiler before it has one). */
export interface FirmwareInputs {
  graph: Graph;
  tensors: Record<string, ProgramTensor>;
  kernels: ProgramKernel[];
  trainable: TrainableParam[];
  inputStream: InputStream | null;
  arenaBytes: number;
}

export interface FirmwareOptions {
  /** Embedded training samples (tt_samples.c). */
  samples: number;
  /** Stochastic rounding of the updates: the SGD configs get a per-step key (.data) and a step counter. */
  stochastic: boolean;
  stackBytes: number;
}

/**
 * Stack of the generated training step: a fixed call depth (main -> step -> kernel -> helper), no
 * recursion. The firmware paints the reserve and prints its high-water mark; bench:firmware and the
 * QEMU tests check it stays under this.
 */
export const STACK_RESERVE = 2 * KB;
/** The embedded samples of an export when not told otherwise (the IDE's and the CLI's default). */
export const DEFAULT_EXPORT_SAMPLES = 4;

/** Pointwise conv tile of the step (int32 accumulators). */
export const TILE = 64;

/**
 * The runtime's own RAM, the same in every export (the linker script keeps the kernel library's
 * statics whether or not the program links the kernel that uses them): the row-pointer tables of the
 * generic conv row, the fused chain's run state, main.c's output line, newlib's reentrancy block and
 * its pointer (an im2col row's taps are carved from the chain's workspace). Sizes from the compiled
 * library (arm-none-eabi-gcc 12, -O2); the firmware size test fails, naming the symbol, when a kernel
 * change alters them.
 */
export const RUNTIME_RAM: readonly StaticObject[] = [
  { symbol: 'rp', bytes: 256, section: 'bss', kind: 'runtime' },
  { symbol: 'wp', bytes: 256, section: 'bss', kind: 'runtime' },
  { symbol: 'r', bytes: 388, section: 'bss', kind: 'runtime' },
  { symbol: 'line', bytes: 128, section: 'bss', kind: 'runtime' },
  { symbol: 'impure_data', bytes: 96, section: 'data', kind: 'runtime' },
  { symbol: '_impure_ptr', bytes: 4, section: 'data', kind: 'runtime' },
];

/** Alignment padding between RAM sections (see firmwareObjects); it has no symbol. */
export const ALIGNMENT_ALLOWANCE = 12;

/**
 * Code estimate (Flash): the base (startup, main, the platform layer, the libc/libm pieces and the
 * kernel library's shared helpers: the conv rows, the packed pointwise paths, the rounding), each
 * linked kernel op's own functions (its definition's c.codeBytes, measured with arm-none-eabi-gcc 12
 * -O2 for the M7; --gc-sections drops the ops a program does not call), and the step's call of each
 * kernel (its arguments, offsets and trace hooks). The base and the per-call size were fitted (least
 * squares) on the zoo's 15 paper schemes at 128x128 for the STM32F746 with the export's samples (74
 * to 148 kernels), which link every op the schemes use: -355 to +268 bytes of the linked text + data,
 * far inside the firmware size test's 1% of Flash. (The fit before, 35,200 and 52 per call, had drifted
 * to 4.8 to 6.6 KB under the linked text as the runtime grew, 1.09% of Flash at mbv2-w0.35@123kb.)
 * The zoo's other schemes, which link fewer ops (head-only) or others (bias-only, full: dw_pw_bwd,
 * conv_bwd_x), measured at 32x32 and 128x128 on the M7 with the fit before: -0.01% to +0.98% of the
 * linked text + data (one figure for all ops: up to +4.7%).
 */
/**
 * The ops the zoo's 15 paper schemes link (all of them; save_slice 13): the fit's programs. No
 * grad_acc: their residual blocks' input gradients add onto the skip's (schedule/accumulate-grads.ts).
 */
const ZOO_OPS: KernelOp[] = [
  'conv_chain', 'conv2d', 'add', 'avgpool', 'linear', 'save_slice', 'softmax_ce_bwd', 'linear_bwd', 'linear_update', 'avgpool_bwd', 'mask',
  'channel_scale', 'block_bwd', 'conv_update_b', 'add_bwd',
];
// 38,908 as fitted, plus what the code grew by since: tt_conv_chain's own functions (its adds and explicit row
// stack: 328), tt_block_bwd's (32), the shared helpers' (2,758: tt_pw_fast's in-place weight rows, tt_pw_direct,
// 2,130; tt_dot8x2_i8, 208; the conv helpers' non-square kernels, kh x kw, 420), and the per-channel pool gradient's
// code (schedule/pool-grad.ts: tt_block_bwd's masked column sums, 900, and tt_conv_update_b_masked, 396), which
// every paper scheme links. Then 6,244 more: the chains' split rings (tt_chain_pull, tt_pw_build_x, tt_pw_single,
// the ring offsets: 3,472), the pointwise conv in place (tt_conv2d's plain loops, 550), the block backward's
// one-plane block and four-channel path (tt_block_bwd 1,840; tt_pw1_take, tt_acc4x2, tt_dotk_i8 and tt_pw1_setup 1,104),
// tt_pw_fast's lone pixel (252) less tt_pw_block's packing (974); then 272 less with the plain pointwise row in one
// function (tt_pw_row_plain): the 15 programs' linked text + data then -280 to +364 bytes from the estimate (each
// chain's table at its nm size, CH_ below).
const CODE_BASE = 43_322 + 6_244 - 272 - ZOO_OPS.reduce((s, op) => s + KERNEL_DEFS[op].c.codeBytes, 0);
const CODE_PER_CALL = 71;

/** tt_add_q (arm-none-eabi-gcc 12 -O2, M7; tests/firmware-size.test.ts holds it to nm): a model in TFLite's arithmetic links it for its residual adds. */
export const TFLITE_ADD_CODE_BYTES = 364;

/** Flash bytes of the code a program links (see CODE_BASE). */
function codeBytes(kernels: Kernel[], tflite: boolean): number {
  const ops = new Set(kernels.map((k) => k.op));
  let bytes = CODE_BASE + CODE_PER_CALL * kernels.length;
  for (const op of ops) bytes += KERNEL_DEFS[op].c.codeBytes;
  if (tflite && (ops.has('add') || ops.has('conv_chain'))) bytes += TFLITE_ADD_CODE_BYTES;
  return bytes;
}

/** Sizes of the step's small static workspaces (c-step.ts declares them with these sizes). */
export interface StepWorkspaces { tile: number; i8: number; f32: number; row: number; probs: number }

export function stepWorkspaces(p: Pick<FirmwareInputs, 'tensors' | 'kernels'>): StepWorkspaces {
  let i8 = 1, f32 = 1, row = 1, probs = 1;
  for (const k of p.kernels) {
    if (k.op === 'conv2d') {
      const c = k.bound.conv.geom;
      if (c.kh === 1 && c.kw === 1 && c.groups === 1) i8 = Math.max(i8, c.cpg);
    } else if (k.op === 'conv_bwd_x') {
      const c = k.bound.conv.geom;
      if (isDepthwise(c) && rootOf(p.tensors, k.inputs[0]) === rootOf(p.tensors, k.outputs[0])) f32 = Math.max(f32, c.h * c.w);
    } else if (k.op === 'conv_update_w') {
      const c = k.bound.conv.geom;
      row = Math.max(row, (isDepthwise(c) ? 1 : k.attrs.channels) * taps(c));
    } else if (k.op === 'softmax_ce_bwd') {
      probs = Math.max(probs, numel(p.tensors[k.inputs[0]].shape));
    }
  }
  return { tile: TILE, i8, f32, row, probs };
}

const word = (n: number) => Math.ceil(n / 4) * 4;

/** Every static object of the firmware exported from this program. */
export function firmwareObjects(p: FirmwareInputs, opts: FirmwareOptions): StaticObject[] {
  const g = p.graph;
  const out: StaticObject[] = [];
  const add = (symbol: string, bytes: number, section: StaticObject['section'], kind: ObjectKind) => {
    if (bytes > 0) out.push({ symbol, bytes, section, kind });
  };
  add('tt_arena', p.arenaBytes, 'bss', 'arena');

  // Parameters (c-params.ts): a conv's trained weight slice and trained bias in RAM, the rest const.
  const trained = new Map(p.trainable.map((t) => [t.param, t]));
  for (const n of g.nodes) {
    if (n.op === 'conv2d') {
      const [w, b, s] = n.inputs.slice(1);
      const c = convGeom(n as Node<'conv2d'>, g);
      const id = cIdent(n.name);
      const weightBytes = numel(g.tensors[w].shape);
      const tw = trained.get(w)?.elements ?? 0;
      add(`tr_${id}`, tw, 'data', 'trainable');
      add(`fz_${id}`, weightBytes - tw, 'rodata', 'frozenWeights');
      add(`W_${id}`, 20, 'rodata', 'tables');
      add(`B_${id}`, c.cout * 4, trained.has(b) ? 'data' : 'rodata', trained.has(b) ? 'trainable' : 'frozenBiases');
      add(`S_${id}`, numel(g.tensors[s].shape) * 4, 'rodata', 'scales');
      add(`E_${id}`, c.cout * 4, 'rodata', 'scales');
      // TFLite's arithmetic (Graph.requant): each output channel's multiplier and shift.
      if (g.requant === 'tflite') add(`RQ_${id}`, c.cout * 8, 'rodata', 'scales');
      add(`G_${id}`, 60, 'rodata', 'tables');
    } else if (n.op === 'linear') {
      // The float head's weight and bias are plain arrays (RAM) whether or not they are trained.
      for (const q of n.inputs.slice(1)) add(`P_${cIdent(q)}`, numel(g.tensors[q].shape) * 4, 'data', 'trainable');
    }
  }
  for (const t of p.trainable) if (t.optimizer) add(`M_${cIdent(t.param)}`, t.elements * 4, 'bss', 'optimizer');

  // The step (c-step.ts): small workspaces, SGD configs, the streamed input's source, chain tables.
  const ws = stepWorkspaces(p);
  add('tt_tile', ws.tile * 4, 'bss', 'workspace');
  add('tt_wgather', ws.i8, 'bss', 'workspace');
  add('tt_fwork', ws.f32 * 4, 'bss', 'workspace');
  add('tt_row', ws.row * 4, 'bss', 'workspace');
  add('tt_probs', ws.probs * 4, 'bss', 'workspace');
  add('tt_ws', 20, 'rodata', 'tables');
  const ops = new Set(p.kernels.map((k) => k.op));
  const sgdSection = opts.stochastic ? 'data' : 'rodata';
  const sgdKind = opts.stochastic ? 'runtime' : 'tables';
  add('tt_sgd_weight', 20, sgdSection, sgdKind);
  add('tt_sgd_bias', 20, sgdSection, sgdKind);
  if (ops.has('linear_update')) add('tt_sgd_head', 20, 'rodata', 'tables');
  if (opts.stochastic) add('tt_updates', 4, 'bss', 'runtime');
  if (p.inputStream) add('tt_in_src', 20, 'data', 'runtime');
  for (const k of p.kernels) {
    // A residual add in TFLite's arithmetic: its multipliers (c-step.ts declares them beside the call).
    if (k.op === 'add' && g.requant === 'tflite') add(`AQ_${cIdent(k.node)}`, 24, 'rodata', 'tables');
    if (k.op !== 'conv_chain') continue;
    // tt_chain (36 bytes), its stages (24 each), ring offsets, rows and spares (12 per ring, at least one), its adds (tt_chain_add, 36 each).
    const convs = k.attrs.convs.length, adds = k.attrs.adds.length;
    add(`CH_${cIdent(k.attrs.convs[0])}`, 36 + 24 * convs + 12 * Math.max(1, convs - 1) + 36 * adds, 'rodata', 'tables');
    if (g.requant === 'tflite') k.attrs.adds.forEach((_, i) => add(`CH_${cIdent(k.attrs.convs[0])}_aq${i}`, 24, 'rodata', 'tables'));
  }
  out.push(...RUNTIME_RAM);
  add('stack', opts.stackBytes, 'stack', 'stack');
  // Padding the linker may insert: .bss and the arena start 8-aligned after word-aligned .data, the
  // stack is 8-aligned after .bss. Counted so that a RAM region of the reported size always links.
  add('alignment', ALIGNMENT_ALLOWANCE, 'bss', 'runtime');

  // Flash only: the embedded samples and the code.
  const input = numel(g.tensors[g.input].shape);
  add('tt_sample_inputs', opts.samples * input, 'rodata', 'samples');
  add('tt_sample_labels', opts.samples * 4, 'rodata', 'samples');
  add('code', codeBytes(p.kernels, g.requant === 'tflite'), 'text', 'code');
  return out;
}

export interface FirmwareMemory {
  objects: StaticObject[];
  /** .data + .bss + stack: what the linker's RAM region must hold (each object word-aligned). */
  sramBytes: number;
  /** text + data: what the Flash holds. */
  flashBytes: number;
  sram: Record<'arena' | 'trainable' | 'optimizer' | 'workspace' | 'runtime' | 'stack', number>;
  flash: Record<'code' | 'frozenWeights' | 'scales' | 'frozenBiases' | 'tables' | 'samples' | 'initialValues', number>;
}

export function firmwareMemory(p: FirmwareInputs, opts: FirmwareOptions): FirmwareMemory {
  const objects = firmwareObjects(p, opts);
  const sram = { arena: 0, trainable: 0, optimizer: 0, workspace: 0, runtime: 0, stack: 0 };
  const flash = { code: 0, frozenWeights: 0, scales: 0, frozenBiases: 0, tables: 0, samples: 0, initialValues: 0 };
  for (const o of objects) {
    const bytes = word(o.bytes);
    if (o.section === 'rodata' || o.section === 'text') flash[o.kind as keyof typeof flash] += bytes;
    else {
      sram[o.kind as keyof typeof sram] += bytes;
      if (o.section === 'data') flash.initialValues += bytes;
    }
  }
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  return { objects, sramBytes: sum(sram), flashBytes: sum(flash), sram, flash };
}
