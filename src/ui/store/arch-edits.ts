/**
 * Architecture edits as pure functions on an ArchSpec: a conv's output channels, kernel and stride,
 * a block's expansion, inserting and removing blocks. The engine re-infers every shape when the
 * graph is rebuilt from the edited spec (and refuses a spec that does not make a graph).
 */
import type { ArchSpec, BlockSpec } from '../../engine/models/arch.ts';
import type { ConvRole } from '../../engine/ir/graph.ts';
import type { Scheme } from '../../engine/train/scheme.ts';

export type ConvField = 'out' | 'kernel' | 'stride' | 'mid';

export interface ArchEdit {
  kind: 'conv';
  block: number;
  role: ConvRole;
  field: ConvField;
  value: number;
}

const convsOf = (b: BlockSpec) => (b.expand ? 3 : 2);

/** The paper's index of the first conv of block `b` (the stem is conv 0). */
export function firstConvOfBlock(spec: ArchSpec, b: number): number {
  return 1 + spec.blocks.slice(0, b).reduce((n, x) => n + convsOf(x), 0);
}

/** Which fields of a conv can be edited, given its role. */
export function editableFields(role: ConvRole): ConvField[] {
  if (role === 'stem') return ['out', 'kernel', 'stride'];
  if (role === 'dw') return ['kernel', 'stride', 'mid'];
  if (role === 'pw1') return ['mid'];
  if (role === 'pw2') return ['out', 'mid'];
  return [];
}

/** The current value of a field. */
export function fieldValue(spec: ArchSpec, block: number, field: ConvField): number {
  if (block < 0) return field === 'mid' ? spec.stem.out : spec.stem[field];
  return spec.blocks[block][field];
}

export function editConv(spec: ArchSpec, e: ArchEdit): ArchSpec {
  if (!Number.isInteger(e.value) || e.value < 1) throw new Error(`${e.field === 'stride' ? 'stride' : e.field === 'kernel' ? 'kernel' : 'channels'} must be a whole number above 0`);
  if (e.field === 'kernel' && e.value % 2 === 0) throw new Error('the kernel must be odd (the convs pad to keep the size)');
  if (e.block < 0) return { ...spec, stem: { ...spec.stem, [e.field === 'mid' ? 'out' : e.field]: e.value } };
  const blocks = spec.blocks.slice();
  const b = { ...blocks[e.block], [e.field]: e.value };
  if (e.field === 'stride' && e.value !== 1 && b.residual) {
    throw new Error(`block ${e.block} has a residual add, which needs stride 1 (the skip keeps the input size)`);
  }
  if (e.field === 'mid' && !b.expand) throw new Error(`block ${e.block} has no expansion conv (its depthwise conv reads the block input)`);
  blocks[e.block] = b;
  return { ...spec, blocks };
}

/** A new residual block after block `after` (-1: after the stem): 1x1 expand x3, 3x3 depthwise, project back. */
export function insertBlock(spec: ArchSpec, after: number): ArchSpec {
  const cin = after < 0 ? spec.stem.out : spec.blocks[after].out;
  const blocks = spec.blocks.slice();
  blocks.splice(after + 1, 0, { mid: cin * 3, expand: true, out: cin, kernel: 3, stride: 1, residual: true });
  return { ...spec, blocks };
}

export function removeBlock(spec: ArchSpec, b: number): ArchSpec {
  if (spec.blocks.length <= 1) throw new Error('the model needs at least one block');
  return { ...spec, blocks: spec.blocks.filter((_, i) => i !== b) };
}

/**
 * Keeps a scheme's meaning across an insert or remove: weight entries move with their convs, and
 * the bias range keeps covering the same convs. `at` is the first conv index inserted or removed.
 */
export function shiftScheme(s: Scheme, total: number, at: number, delta: number): Scheme {
  const weights: Scheme['weights'] = {};
  for (const [k, w] of Object.entries(s.weights)) {
    const i = Number(k);
    if (i < at) weights[k] = w;
    else if (delta > 0) weights[String(i + delta)] = w;
    else if (i >= at - delta) weights[String(i + delta)] = w;
  }
  const firstBias = total - s.nBias;
  let nBias = s.nBias;
  if (delta > 0 && at > firstBias) nBias += delta;
  if (delta < 0) {
    const removedInRange = Math.max(0, Math.min(at - delta, total) - Math.max(at, firstBias));
    nBias -= removedInRange;
  }
  return { ...s, nBias, weights };
}
