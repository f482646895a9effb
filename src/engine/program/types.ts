/**
 * The training program: the one artifact the compiler produces and the UI, the runtime and the C
 * emitter all read. An ordered list of kernel calls over named buffers; the memory plan gives each
 * arena buffer its offset.
 */
import type { DType } from '../ir/tensor.ts';

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

export type KernelOp =
  // forward
  | 'conv2d' | 'conv_chain' | 'add' | 'avgpool' | 'linear' | 'save_slice'
  // loss and backward
  | 'softmax_ce_bwd' | 'linear_bwd' | 'avgpool_bwd' | 'mask' | 'channel_scale' | 'conv_bwd_x'
  | 'add_bwd' | 'grad_acc' | 'conv_grad_w' | 'conv_grad_b'
  // fused: depthwise input gradient streamed into its pw1's whole backward, channel by channel
  | 'dw_pw_bwd'
  // fused: a whole inverted bottleneck's backward (pw2 input gradient, depthwise, pw1), channel by channel
  | 'block_bwd'
  // updates (in place, QAS)
  | 'linear_update' | 'conv_update_w' | 'conv_update_b' | 'apply_update_w' | 'apply_update_b';

export type Phase = 'forward' | 'backward' | 'update';

export interface Kernel {
  /** Unique, readable: `<op>:<forward node>`. */
  name: string;
  op: KernelOp;
  phase: Phase;
  /** The forward node this kernel comes from (for the UI's links and the timeline). */
  node: string;
  /** Buffers read (arena tensors) and parameters read, by name. */
  inputs: string[];
  /** Buffers written. An output listed in `inputs` too, or aliasing one, is updated in place. */
  outputs: string[];
  /** Parameters read or updated (names in the ParamStore). */
  params: string[];
  attrs: Record<string, unknown>;
}
