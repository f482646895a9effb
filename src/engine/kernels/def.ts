/**
 * What one kernel op's definition holds (kernels/<family>.ts), and what its parts are handed: the
 * compiler's binder (bind), the executor's environment (reference), the C emitter's context (c.emit).
 * kernels/index.ts collects one KernelDef per KernelOp; every consumer reads that record.
 */
import type { Graph, Node } from '../ir/graph.ts';
import type { TypedArray } from '../ir/tensor.ts';
import type { ConvGeom } from '../ops/conv2d-forward.ts';
import type { SgdConfig } from '../ops/sgd.ts';
import type { KernelOf, KernelOp, ProgramKernelOf, ProgramTensor } from '../program/types.ts';
import type { UpdateRounding } from '../quant/stochastic-round.ts';

export interface Hyper {
  /** Int8 weights, int32 biases and the float32 head each have their own learning rate. */
  weight: SgdConfig;
  bias: SgdConfig;
  head: SgdConfig;
  /** Of the int8 weight and int32 bias updates; absent: to nearest. */
  rounding?: UpdateRounding;
}

/** What a kernel implementation is handed besides its bound kernel: buffers, parameters, hyperparameters. */
export interface ExecEnv {
  /** An arena tensor by name. */
  buf(name: string): TypedArray;
  /** A parameter or optimizer state by name (trained ones are updated in place). */
  param(name: string): TypedArray;
  hyper: Hyper;
  /** Int8 semantics; false runs the same function without rounding (float mode, for gradient checks). */
  round: boolean;
  /** A trained parameter's stochastic rounding key at this step (quant/stochastic-round.ts); absent or undefined: to nearest. */
  roundKey?: (param: string) => number | undefined;
}

/** One op's implementation over a compiled (bound) kernel: it reads k.bound, never the graph. */
export type Impl<O extends KernelOp> = (k: ProgramKernelOf<O>, env: ExecEnv) => void;
/** An implementation for every op: the compiler names the one a new op lacks. */
export type KernelTable = { [O in KernelOp]: Impl<O> };

/** An int8 tensor's quantization. */
export interface Quant { scale: number; zeroPoint: number }

/** A conv node as the kernels need it, bound once by the compiler. */
export interface ConvBinding {
  node: string;
  geom: ConvGeom;
  xScale: number; xZero: number;
  yScale: number; yZero: number;
  /** Parameter names: weight [cout][cpg][k][k], bias, per-channel weight scales. */
  weight: string; bias: string; wScales: string;
  /** Present in a model of TFLite's arithmetic (Graph.requant): the conv requantizes with integer multipliers. */
  requant?: 'tflite';
}

/** What a definition's bind() may ask the compiler about the graph. */
export interface Binder {
  graph: Graph;
  conv(node: string): ConvBinding;
  quant(tensor: string): Quant;
  node(name: string): Node;
  /** A program tensor's shape. */
  shape(tensor: string): number[];
}

/** The C parameter symbols of one conv (codegen/c-params.ts). */
export interface ConvSymbols {
  conv: ConvBinding;
  /** Trained channels of the weight (input channels; channels for a depthwise conv). */
  trained: number;
  weight: string; bias: string; scales: string; eff: string; geomSym: string;
  biasTrained: boolean;
}

/** What the C emitter (codegen/c-step.ts) hands a definition to write its call with. */
export interface CEmit {
  /** A tensor's arena pointer expression. */
  ptr(tensor: string): string;
  /** A tensor's element count. */
  n(tensor: string): number;
  tensor(name: string): ProgramTensor;
  /** A parameter's C symbol, or NULL. */
  p(param: string | null | undefined): string;
  conv(node: string): ConvSymbols;
  /** The two tensors share one arena buffer. */
  sameBuffer(a: string, b: string): boolean;
  /** This kernel's free arena workspace: `pointer, bytes` (or `NULL, 0`). */
  wk: string;
  /** Adds a file-scope declaration (a table the call points to). */
  declare(decl: string): void;
  /** A float32 literal. */
  f32(v: number): string;
  /** A C identifier made from a name. */
  ident(name: string): string;
  /** A parameter's stochastic rounding id literal. */
  roundingId(param: string): string;
}

export type KernelKind = 'loss' | 'input-grad' | 'weight' | 'bias' | 'mask' | 'scale' | 'forward';

/** One step inside a kernel (a fused kernel has several). */
export interface KernelPart {
  kind: KernelKind;
  label: string;
  node: string;
  /** The backbone conv whose weight this part updates. */
  weightUpdate?: string;
}

/** A kernel op's types: its fields (set where it is emitted) and what the compiler binds to it. */
export interface KernelTypes<F, B> { fields: F; bound: B }
export type Empty = Record<string, never>;

export interface KernelDef<O extends KernelOp> {
  /** The compiler's binding: what the runtime and the C emitter read instead of the graph. */
  bind(k: KernelOf<O>, b: Binder): ProgramKernelOf<O>['bound'];
  /** The TypeScript reference (the math in ops/). */
  reference: Impl<O>;
  c: {
    /** The C library functions a call links (csrc/tt_kernels.h). */
    functions: string[];
    /** The statements of one call. */
    emit(k: ProgramKernelOf<O>, e: CEmit): string[];
    /**
     * Flash: the bytes of `functions` (arm-none-eabi-gcc 12 -O2, Cortex-M7; the helpers several ops
     * share are in firmware/static-objects.ts's base). tests/firmware-size.test.ts holds it to nm.
     */
    codeBytes: number;
  };
  kind: KernelKind;
  label: string;
  /** A fused kernel's parts (default: one part, the kernel itself). */
  parts?(k: ProgramKernelOf<O> | KernelOf<O>): KernelPart[];
}

export const NO_BINDING = (): Empty => ({});
