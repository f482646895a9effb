/**
 * The kernel table: one definition per kernel op (kernels/<family>.ts), each holding its typed fields
 * and bound operands, its TypeScript reference, its C call, its UI kind and label (and fused parts),
 * and its Flash code size. A new op adds one line to each of the two lists below; the compiler then
 * names whatever its definition lacks. Read by runtime/kernels.ts (the reference table),
 * codegen/c-step.ts (the C calls), program/kernel-info.ts (the views) and firmware/static-objects.ts
 * (code size), and bound by program/compile.ts (kernels/bind.ts).
 */
import type { KernelOp } from '../program/types.ts';
import {
  add_bwd, avgpool_bwd, channel_scale, conv_bwd_x, grad_acc, linear_bwd, linear_update, mask, softmax_ce_bwd,
  type AddBwdTypes, type AvgpoolBwdTypes, type ConvBound, type ConvBwdXTypes, type GradAccTypes, type LinearBwdTypes, type LinearUpdateTypes, type MaskTypes,
  type SoftmaxCeBwdTypes,
} from './backward.ts';
import {
  apply_update_b, apply_update_w, conv_grad_b, conv_grad_w, conv_update_b, conv_update_w,
  type ConvBiasTypes, type ConvGradBTypes, type ConvUpdateBTypes, type ConvWeightTypes,
} from './conv-grad.ts';
import { concat, concat_bwd, view, type ConcatBwdTypes, type ConcatTypes, type ViewTypes } from './concat.ts';
import type { KernelDef } from './def.ts';
import {
  add, avgpool, conv2d, conv_chain, linear, save_slice,
  type AddTypes, type AvgpoolTypes, type Conv2dTypes, type ConvChainTypes, type LinearTypes, type SaveSliceTypes,
} from './forward.ts';
import { maxpool, maxpool_bwd, type MaxpoolTypes } from './maxpool.ts';
import { mean, type MeanTypes } from './mean.ts';
import { pad, pad_bwd, type PadTypes } from './pad.ts';
import { block_bwd, dw_pw_bwd, type BlockBwdTypes, type DwPwBwdTypes } from './streamed.ts';

/** Each op's fields and bound operands: program/types.ts derives KernelOp, KernelFields and KernelBound from it. */
export interface KernelTypesByOp {
  // forward
  conv2d: Conv2dTypes;
  conv_chain: ConvChainTypes;
  add: AddTypes;
  avgpool: AvgpoolTypes;
  linear: LinearTypes;
  save_slice: SaveSliceTypes;
  maxpool: MaxpoolTypes;
  mean: MeanTypes;
  concat: ConcatTypes;
  view: ViewTypes;
  pad: PadTypes;
  // loss and backward
  softmax_ce_bwd: SoftmaxCeBwdTypes;
  linear_bwd: LinearBwdTypes;
  avgpool_bwd: AvgpoolBwdTypes;
  mask: MaskTypes;
  channel_scale: ConvBound;
  conv_bwd_x: ConvBwdXTypes;
  add_bwd: AddBwdTypes;
  grad_acc: GradAccTypes;
  conv_grad_w: ConvWeightTypes;
  conv_grad_b: ConvGradBTypes;
  dw_pw_bwd: DwPwBwdTypes;
  block_bwd: BlockBwdTypes;
  maxpool_bwd: MaxpoolTypes;
  concat_bwd: ConcatBwdTypes;
  pad_bwd: PadTypes;
  // updates (in place, QAS)
  linear_update: LinearUpdateTypes;
  conv_update_w: ConvWeightTypes;
  conv_update_b: ConvUpdateBTypes;
  apply_update_w: ConvWeightTypes;
  apply_update_b: ConvBiasTypes;
}

export const KERNEL_DEFS: { [O in KernelOp]: KernelDef<O> } = {
  conv2d, conv_chain, add, avgpool, linear, save_slice, maxpool, mean, concat, view, pad,
  softmax_ce_bwd, linear_bwd, avgpool_bwd, mask, channel_scale, conv_bwd_x, add_bwd, grad_acc, conv_grad_w, conv_grad_b, dw_pw_bwd, block_bwd, maxpool_bwd, concat_bwd, pad_bwd,
  linear_update, conv_update_w, conv_update_b, apply_update_w, apply_update_b,
};

/** A kernel op's definition. */
export const kernelDef = <O extends KernelOp>(op: O): KernelDef<O> => KERNEL_DEFS[op];

/** Whether a name from outside the engine is a kernel op. */
export const isKernelOp = (op: string): op is KernelOp => Object.hasOwn(KERNEL_DEFS, op);
