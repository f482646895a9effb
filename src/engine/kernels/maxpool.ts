/**
 * Int8 max-pool, forward and backward. A window's maximum is taken over its positions inside the
 * input (padding never wins); ties go to the first maximum in row-major window order, in TypeScript
 * and in C (csrc/tt_kernels.c: tt_maxpool, tt_maxpool_bwd) alike. The output keeps the input's
 * quantization, so no rescaling. The backward pass recomputes each window's argmax from the saved
 * input and adds the output gradient there (overlapping windows add up, in output order).
 */
import type { TypedArray } from '../ir/tensor.ts';
import type { KernelDef, KernelTypes } from './def.ts';

/** The window: `kernel` x `kernel`, `stride`, `pad` on every side (pad < kernel). */
export interface PoolWindow { kernel: number; stride: number; pad: number }
/** Input C x H x W and output Ho x Wo, bound from the tensors' shapes. */
export interface PoolShape { channels: number; h: number; w: number; ho: number; wo: number }

export type MaxpoolTypes = KernelTypes<PoolWindow, PoolShape>;

/** Index in the channel's plane of the window's first maximum (row-major), or -1 if the window is all padding. */
function argmax(x: ArrayLike<number>, base: number, s: PoolShape, p: PoolWindow, oy: number, ox: number): number {
  let best = -1, v = 0;
  for (let ky = 0; ky < p.kernel; ky++) {
    const iy = oy * p.stride - p.pad + ky;
    if (iy < 0 || iy >= s.h) continue;
    for (let kx = 0; kx < p.kernel; kx++) {
      const ix = ox * p.stride - p.pad + kx;
      if (ix < 0 || ix >= s.w) continue;
      const at = iy * s.w + ix;
      if (best < 0 || x[base + at] > v) {
        best = at;
        v = x[base + at];
      }
    }
  }
  return best;
}

/** y[c, oy, ox] = the window's maximum (-128 for a window that is all padding). */
export function maxpoolInt8(x: ArrayLike<number>, s: PoolShape, p: PoolWindow, y: TypedArray): void {
  const hw = s.h * s.w;
  for (let c = 0, o = 0; c < s.channels; c++) {
    for (let oy = 0; oy < s.ho; oy++) {
      for (let ox = 0; ox < s.wo; ox++, o++) {
        const at = argmax(x, c * hw, s, p, oy, ox);
        y[o] = at < 0 ? -128 : x[c * hw + at];
      }
    }
  }
}

/** gx = 0, then gx[window's argmax] += gy[c, oy, ox] for every output in order (float32 adds). */
export function maxpoolBackward(gy: Float32Array, x: ArrayLike<number>, s: PoolShape, p: PoolWindow, gx: Float32Array): void {
  const hw = s.h * s.w;
  gx.fill(0);
  for (let c = 0, o = 0; c < s.channels; c++) {
    for (let oy = 0; oy < s.ho; oy++) {
      for (let ox = 0; ox < s.wo; ox++, o++) {
        const at = argmax(x, c * hw, s, p, oy, ox);
        if (at >= 0) gx[c * hw + at] = Math.fround(gx[c * hw + at] + gy[o]);
      }
    }
  }
}

/** The shape of a max-pool over tensor `x` (C x H x W) into `y` (C x Ho x Wo), checked against the window. */
function bindShape(x: number[], y: number[], p: PoolWindow): PoolShape {
  const [channels, h, w] = x;
  const [cy, ho, wo] = y;
  const out = (n: number) => Math.floor((n + 2 * p.pad - p.kernel) / p.stride) + 1;
  if (!(p.kernel >= 1 && p.stride >= 1 && p.pad >= 0 && p.pad < p.kernel) || cy !== channels || ho !== out(h) || wo !== out(w)) {
    throw new Error(`internal: max-pool ${p.kernel}x${p.kernel} stride ${p.stride} pad ${p.pad} does not map ${x.join('x')} to ${y.join('x')}`);
  }
  return { channels, h, w, ho, wo };
}

const args = (s: PoolShape, p: PoolWindow) => `${s.channels}, ${s.h}, ${s.w}, ${p.kernel}, ${p.stride}, ${p.pad}, ${s.ho}, ${s.wo}`;

/** inputs [x], outputs [y]. */
export const maxpool: KernelDef<'maxpool'> = {
  bind: (k, b) => bindShape(b.shape(k.inputs[0]), b.shape(k.outputs[0]), k.attrs),
  reference(k, env) {
    maxpoolInt8(env.buf(k.inputs[0]), k.bound, k.attrs, env.buf(k.outputs[0]));
  },
  c: {
    functions: ['tt_maxpool', 'tt_maxpool_arg'],
    emit: (k, e) => [`tt_maxpool(${e.ptr(k.inputs[0])}, ${args(k.bound, k.attrs)}, ${e.ptr(k.outputs[0])});`],
    codeBytes: 302,
  },
  kind: 'forward',
  label: 'maxpool',
};

/** inputs [gy, x (the saved forward input)], outputs [gx]. */
export const maxpool_bwd: KernelDef<'maxpool_bwd'> = {
  bind: (k, b) => bindShape(b.shape(k.inputs[1]), b.shape(k.inputs[0]), k.attrs),
  reference(k, env) {
    maxpoolBackward(env.buf(k.inputs[0]) as Float32Array, env.buf(k.inputs[1]), k.bound, k.attrs, env.buf(k.outputs[0]) as Float32Array);
  },
  c: {
    functions: ['tt_maxpool_bwd'],
    emit: (k, e) => [`tt_maxpool_bwd(${e.ptr(k.inputs[0])}, ${e.ptr(k.inputs[1])}, ${args(k.bound, k.attrs)}, ${e.ptr(k.outputs[0])});`],
    codeBytes: 220,
  },
  kind: 'input-grad',
  label: 'max-pool gradient',
};
