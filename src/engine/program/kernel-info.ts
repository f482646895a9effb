/**
 * What each kernel op is, for the views: its kind (input gradient, weight update, bias update, mask,
 * scale, loss, forward), its label, and for a fused kernel the list of what it fuses. Published by the
 * engine so that a new op is named here by the compiler (Record<KernelOp, ...>); the UI only colours
 * and lays it out (ui/graph/kernel-kinds.ts).
 */
import type { Kernel, KernelOp } from './types.ts';

export type KernelKind = 'loss' | 'input-grad' | 'weight' | 'bias' | 'mask' | 'scale' | 'forward';

// Every op: the compiler names this table when the engine adds one.
const KIND_OF_OP: Record<KernelOp, KernelKind> = {
  conv2d: 'forward', conv_chain: 'forward', add: 'forward', avgpool: 'forward', linear: 'forward', save_slice: 'forward',
  softmax_ce_bwd: 'loss', linear_bwd: 'input-grad', avgpool_bwd: 'input-grad', conv_bwd_x: 'input-grad', add_bwd: 'input-grad',
  grad_acc: 'input-grad', dw_pw_bwd: 'input-grad', block_bwd: 'input-grad',
  mask: 'mask', channel_scale: 'scale',
  conv_grad_w: 'weight', conv_update_w: 'weight', apply_update_w: 'weight', linear_update: 'weight',
  conv_grad_b: 'bias', conv_update_b: 'bias', apply_update_b: 'bias',
};

const OP_LABEL: Record<KernelOp, string> = {
  // Forward kernels go by their op's name.
  conv2d: 'conv2d', conv_chain: 'conv_chain', add: 'add', avgpool: 'avgpool', linear: 'linear', save_slice: 'save_slice',
  softmax_ce_bwd: 'softmax cross-entropy gradient', linear_bwd: 'head input gradient', avgpool_bwd: 'pool gradient',
  conv_bwd_x: 'input gradient', add_bwd: 'residual split', grad_acc: 'gradient sum', mask: 'clamp mask',
  channel_scale: 'per-channel scale', conv_grad_w: 'weight gradient', conv_update_w: 'weight update (QAS, in place)',
  apply_update_w: 'apply weight update', conv_grad_b: 'bias gradient', conv_update_b: 'bias update (QAS, in place)',
  apply_update_b: 'apply bias update', linear_update: 'head update (weights + bias)', dw_pw_bwd: 'fused dw → pw1 backward',
  block_bwd: 'fused block backward',
};

const isKernelOp = (op: string): op is KernelOp => Object.hasOwn(KIND_OF_OP, op);

/** A kernel op's kind (an op name from outside the engine's list: by its phase). */
export function kernelKind(op: KernelOp | string, phase?: Kernel['phase']): KernelKind {
  if (isKernelOp(op)) return KIND_OF_OP[op];
  return phase === 'update' ? 'weight' : phase === 'backward' ? 'input-grad' : 'forward';
}

export function opLabel(op: string): string {
  return isKernelOp(op) ? OP_LABEL[op] : op;
}

/** One step inside a kernel (a fused kernel has several). */
export interface KernelPart {
  kind: KernelKind;
  label: string;
  node: string;
  /** The backbone conv whose weight this part updates. */
  weightUpdate?: string;
}

const WEIGHT_OPS = new Set<string>(['conv_grad_w', 'conv_update_w', 'apply_update_w']);

/** One conv's streamed backward inside a fused kernel: mask, scale, bias and weight updates, input gradient. */
function convParts(node: string, a: { bias?: boolean; channels?: number; inputGrad?: boolean }): KernelPart[] {
  const parts: KernelPart[] = [
    { kind: 'mask', label: `clamp mask of ${node}`, node },
    { kind: 'scale', label: `per-channel scale of ${node}`, node },
  ];
  if (a.bias) parts.push({ kind: 'bias', label: `bias update of ${node}`, node });
  if (a.channels) parts.push({ kind: 'weight', label: `weight update of ${node} (${a.channels} ch)`, node, weightUpdate: node });
  if (a.inputGrad) parts.push({ kind: 'input-grad', label: `input gradient of ${node}`, node });
  return parts;
}

export function kernelParts(k: Kernel): KernelPart[] {
  if (k.op === 'block_bwd') {
    const a = k.attrs;
    const parts: KernelPart[] = [];
    if (a.pw2) parts.push({ kind: 'input-grad', label: `input gradient of ${a.pw2} (pw2)`, node: a.pw2 });
    parts.push(...convParts(k.node, { bias: a.dwBias, channels: a.dwChannels, inputGrad: a.dwInputGrad }));
    if (a.pw1) parts.push(...convParts(a.pw1, { bias: a.bias, channels: a.channels, inputGrad: a.inputGrad }));
    return parts;
  }
  if (k.op === 'dw_pw_bwd') {
    const a = k.attrs;
    const parts: KernelPart[] = [];
    if (a.dw) parts.push({ kind: 'input-grad', label: `input gradient of ${a.dw} (dw)`, node: a.dw });
    parts.push({ kind: 'mask', label: `clamp mask of ${k.node}`, node: k.node });
    parts.push({ kind: 'scale', label: `per-channel scale of ${k.node}`, node: k.node });
    if (a.bias) parts.push({ kind: 'bias', label: `bias update of ${k.node}`, node: k.node });
    if (a.channels) parts.push({ kind: 'weight', label: `weight update of ${k.node} (${a.channels} ch)`, node: k.node, weightUpdate: k.node });
    if (a.inputGrad) parts.push({ kind: 'input-grad', label: `input gradient of ${k.node}`, node: k.node });
    return parts;
  }
  return [{ kind: kernelKind(k.op, k.phase), label: opLabel(k.op), node: k.node, weightUpdate: WEIGHT_OPS.has(k.op) ? k.node : undefined }];
}
