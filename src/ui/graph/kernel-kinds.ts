/**
 * How the backward graph names and colours the compiler's kernels. Each op's kind, label and fused
 * parts are the engine's (engine/program/kernel-info.ts); this holds the legend's words and order.
 */
import type { KernelKind } from '../../engine/program/kernel-info.ts';

export { kernelKind, kernelParts, opLabel, type KernelKind, type KernelPart } from '../../engine/program/kernel-info.ts';

export const KIND_LABEL: Record<KernelKind, string> = {
  loss: 'loss gradient',
  'input-grad': 'input gradient',
  weight: 'weight gradient / update',
  bias: 'bias update',
  mask: 'clamp mask',
  scale: 'channel scale',
  forward: 'forward',
};

/** Short names for the legend. */
export const KIND_SHORT: Record<KernelKind, string> = {
  loss: 'loss', 'input-grad': 'input grad', weight: 'weight', bias: 'bias', mask: 'mask', scale: 'scale', forward: 'forward',
};

export const KIND_ORDER: KernelKind[] = ['loss', 'input-grad', 'mask', 'scale', 'bias', 'weight'];
