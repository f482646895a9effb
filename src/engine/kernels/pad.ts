/**
 * The int8 padding of ops/pad.ts and its gradient. `pad` writes the input into the interior of its
 * output and fills the border with the input's zero point (the real value 0, as TFLite's PAD and a
 * conv's implicit padding do); the output keeps the input's quantization, so no rescaling. `pad_bwd`
 * is the crop: the input's gradient is the interior of the output gradient (the border reads
 * nothing). C: csrc/tt_kernels.c tt_pad, tt_crop.
 */
import type { TypedArray } from '../ir/tensor.ts';
import type { KernelDef, KernelTypes } from './def.ts';

/** Rows before (top) and after (bottom), columns before (left) and after (right); each >= 0. */
export interface PadAmounts { top: number; left: number; bottom: number; right: number }
/** The unpadded map C x H x W, and the fill (the input's zero point). */
export interface PadShape { channels: number; h: number; w: number; zero: number }

export type PadTypes = KernelTypes<PadAmounts, PadShape>;

/** y (C x (top+H+bottom) x (left+W+right)) = x inside, `zero` on the border. */
export function padInt8(x: ArrayLike<number>, s: PadShape, p: PadAmounts, y: TypedArray): void {
  const wo = p.left + s.w + p.right, ho = p.top + s.h + p.bottom;
  y.fill(s.zero, 0, s.channels * ho * wo);
  for (let c = 0; c < s.channels; c++) {
    for (let r = 0; r < s.h; r++) {
      const src = (c * s.h + r) * s.w, dst = (c * ho + p.top + r) * wo + p.left;
      for (let i = 0; i < s.w; i++) y[dst + i] = x[src + i];
    }
  }
}

/** gx (C x H x W) = the interior of gy (C x (top+H+bottom) x (left+W+right)). */
export function cropFloat(gy: Float32Array, s: PadShape, p: PadAmounts, gx: Float32Array): void {
  const wo = p.left + s.w + p.right, ho = p.top + s.h + p.bottom;
  for (let c = 0; c < s.channels; c++) {
    for (let r = 0; r < s.h; r++) {
      const src = (c * ho + p.top + r) * wo + p.left;
      gx.set(gy.subarray(src, src + s.w), (c * s.h + r) * s.w);
    }
  }
}

/** The shape of a pad of `x` (C x H x W) into `y`, checked against the amounts. */
function bindShape(x: number[], y: number[], p: PadAmounts, zero: number): PadShape {
  const [channels, h, w] = x;
  const ok = [p.top, p.left, p.bottom, p.right].every((v) => Number.isInteger(v) && v >= 0);
  if (!ok || y[0] !== channels || y[1] !== p.top + h + p.bottom || y[2] !== p.left + w + p.right) {
    throw new Error(`internal: pad ${p.top}/${p.left}/${p.bottom}/${p.right} does not map ${x.join('x')} to ${y.join('x')}`);
  }
  return { channels, h, w, zero };
}

const args = (s: PadShape, p: PadAmounts) => `${s.channels}, ${s.h}, ${s.w}, ${p.top}, ${p.left}, ${p.bottom}, ${p.right}`;

/** inputs [x], outputs [y]. */
export const pad: KernelDef<'pad'> = {
  bind: (k, b) => bindShape(b.shape(k.inputs[0]), b.shape(k.outputs[0]), k.attrs, b.quant(k.inputs[0]).zeroPoint),
  reference(k, env) {
    padInt8(env.buf(k.inputs[0]), k.bound, k.attrs, env.buf(k.outputs[0]));
  },
  c: {
    functions: ['tt_pad'],
    emit: (k, e) => [`tt_pad(${e.ptr(k.inputs[0])}, ${args(k.bound, k.attrs)}, ${k.bound.zero}, ${e.ptr(k.outputs[0])});`],
    codeBytes: 152,
  },
  kind: 'forward',
  label: 'pad',
};

/** inputs [gy], outputs [gx]. */
export const pad_bwd: KernelDef<'pad_bwd'> = {
  bind: (k, b) => bindShape(b.shape(k.outputs[0]), b.shape(k.inputs[0]), k.attrs, 0),
  reference(k, env) {
    cropFloat(env.buf(k.inputs[0]) as Float32Array, k.bound, k.attrs, env.buf(k.outputs[0]) as Float32Array);
  },
  c: {
    functions: ['tt_crop'],
    emit: (k, e) => [`tt_crop(${e.ptr(k.inputs[0])}, ${args(k.bound, k.attrs)}, ${e.ptr(k.outputs[0])});`],
    codeBytes: 134,
  },
  kind: 'input-grad',
  label: 'pad gradient (crop)',
};
