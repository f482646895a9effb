/**
 * What each kernel op is, for the views: its kind (input gradient, weight update, bias update, mask,
 * scale, loss, forward), its label, and for a fused kernel the list of what it fuses, all from the
 * op's definition (kernels/). Published by the engine; the UI only colours and lays it out
 * (ui/graph/kernel-kinds.ts).
 */
import type { KernelKind, KernelPart } from '../kernels/def.ts';
import { isKernelOp, KERNEL_DEFS } from '../kernels/index.ts';
import type { Kernel, KernelOf, KernelOp } from './types.ts';

export type { KernelKind, KernelPart } from '../kernels/def.ts';

/** A kernel op's kind (an op name from outside the engine's list: by its phase). */
export function kernelKind(op: KernelOp | string, phase?: Kernel['phase']): KernelKind {
  if (isKernelOp(op)) return KERNEL_DEFS[op].kind;
  return phase === 'update' ? 'weight' : phase === 'backward' ? 'input-grad' : 'forward';
}

export function opLabel(op: string): string {
  return isKernelOp(op) ? KERNEL_DEFS[op].label : op;
}

function partsOf<O extends KernelOp>(k: KernelOf<O>): KernelPart[] {
  const def = KERNEL_DEFS[k.op];
  return def.parts ? def.parts(k) : [{ kind: def.kind, label: def.label, node: k.node }];
}

/** The steps inside a kernel: several for a fused kernel, else the kernel itself. */
export function kernelParts(k: Kernel): KernelPart[] {
  return partsOf(k);
}
