/**
 * The training program: the one artifact the compiler produces and the UI, the runtime and the C
 * emitter all read. An ordered list of kernel calls over named buffers; the memory plan gives each
 * arena buffer its offset.
 */
import type { DType } from '../ir/tensor.ts';
import type { KernelTypesByOp } from '../kernels/index.ts';

/** A 1-bit mask is stored 8 values to a byte. */
export type BufDType = DType | 'bit';

/**
 * Where a buffer lives and why it exists. The arena holds everything whose lifetime is part of the
 * step; trained parameters and optimizer state are static SRAM; frozen parameters stay in Flash.
 */
export type Category =
  | 'input' // the image (or, when streamed, its ring of rows) and the label
  | 'activation' // forward activations
  | 'saved' // input activations kept for a weight gradient
  | 'mask' // 1-bit clamp masks kept for the backward pass
  | 'gradient' // transient activation gradients (and whole weight gradients without reordering)
  | 'scratch'; // kernel workspaces (row rings of fused blocks, in-place channel buffers)

export const ARENA_CATEGORIES: Category[] = ['input', 'activation', 'saved', 'mask', 'gradient', 'scratch'];

export interface ProgramTensor {
  name: string;
  dtype: BufDType;
  shape: number[];
  bytes: number;
  category: Category;
  /** The tensor this one overwrites in place (they share one buffer). */
  aliasOf?: string;
  /**
   * Not in the arena: the image a streamed first chain reads row by row from where it already is
   * (the caller's array, a const sample in Flash, a camera's line buffer). See schedule/stream-input.ts.
   */
  external?: boolean;
}

/**
 * Each kernel op's own fields (its settings and named operands: a `mask` the forward kernel also
 * writes, a `scratch` workspace, a streamed input's `ring`) and what the compiler binds to it (conv
 * geometry, zero points, scales, a chain's ring layout): declared with the op's definition in
 * kernels/<family>.ts and listed in kernels/index.ts.
 */
export type KernelFields = { [O in keyof KernelTypesByOp]: KernelTypesByOp[O]['fields'] };
export type KernelBound = { [O in keyof KernelTypesByOp]: KernelTypesByOp[O]['bound'] };
type Empty = Record<string, never>;

export type KernelOp = keyof KernelTypesByOp;

export type Phase = 'forward' | 'backward' | 'update';

interface KernelBase {
  /** Unique, readable: `<op>:<forward node>`. */
  name: string;
  phase: Phase;
  /** The forward node this kernel comes from (for the UI's links and the timeline). */
  node: string;
  /** Buffers read (arena tensors) and parameters read, by name. */
  inputs: string[];
  /** Buffers written. An output listed in `inputs` too, or aliasing one, is updated in place. */
  outputs: string[];
  /** Parameters read or updated (names in the ParamStore). */
  params: string[];
}

type KernelMap = { [O in KernelOp]: KernelBase & { op: O; attrs: KernelFields[O] } };
/** A kernel of op O (of any op when O is the whole union): a discriminated union on `op`. */
export type KernelOf<O extends KernelOp = KernelOp> = { [P in O]: KernelMap[P] }[O];
export type Kernel = KernelOf;

type ProgramKernelMap = { [O in KernelOp]: KernelMap[O] & { bound: KernelBound[O] } };
/** A compiled kernel of op O: its fields plus what the compiler bound to it (kernels/bind.ts). */
export type ProgramKernelOf<O extends KernelOp = KernelOp> = { [P in O]: ProgramKernelMap[P] }[O];
export type ProgramKernel = ProgramKernelOf;

/** What builds a kernel of op O: its base fields, and `attrs` (optional when the op has none). */
export type KernelSpec<O extends KernelOp = KernelOp> = {
  [P in O]: Omit<KernelMap[P], 'attrs'> & (KernelFields[P] extends Empty ? { attrs?: Empty } : { attrs: KernelFields[P] })
}[O];

/** The kernel a spec describes (fresh operand lists, `attrs` filled in). */
export function makeKernel(spec: KernelSpec): Kernel {
  // The one place the union is rebuilt from its parts: spec.op and spec.attrs belong to the same member.
  return { ...spec, inputs: [...spec.inputs], outputs: [...spec.outputs], params: [...spec.params], attrs: { ...(spec.attrs ?? {}) } } as Kernel;
}

/** What a schedule pass (schedule/*.ts) takes and returns: new lists, the old ones untouched. */
export interface Scheduled {
  kernels: Kernel[];
  tensors: Record<string, ProgramTensor>;
}

/** Narrows a kernel (a scheduled or a compiled one) to op O. */
export function isOp<K extends Kernel, O extends KernelOp>(k: K | undefined, op: O): k is Extract<K, { op: O }> {
  return k?.op === op;
}

/** The clamp mask a forward kernel also writes, if any. */
export function forwardMask(k: Kernel): string | undefined {
  return k.op === 'conv2d' || k.op === 'add' ? k.attrs.mask : undefined;
}

/**
 * How many kernels, from the first, make the forward pass to the logits: the prediction of one image
 * (the firmware's tt_predict, the arena executor's predict). The compiler emits every forward kernel
 * before the loss, so this is the kernel that writes the logits and everything before it; a program
 * where an update or a backward kernel came before the logits could not predict without training,
 * and is an engine bug.
 */
export function forwardKernelCount(kernels: readonly Kernel[], logits: string): number {
  const at = kernels.findIndex((k) => k.outputs.includes(logits));
  if (at < 0) throw new Error(`the program has no kernel writing the logits "${logits}"`);
  const early = kernels.slice(0, at + 1).find((k) => k.phase !== 'forward');
  if (early) throw new Error(`kernel ${early.name} (${early.phase}) runs before the logits: the forward pass is not a prefix of the step`);
  return at + 1;
}
