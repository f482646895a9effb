/**
 * Max-pool's backward is the gradient of its forward: by finite differences on inputs with distinct
 * values, and, where windows tie, the gradient goes to the first maximum in row-major window order
 * (checked against a brute-force enumeration of each window). The C twin: tests/c-kernels.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/random.ts';
import type { Binder } from './def.ts';
import { maxpool, maxpoolBackward, maxpoolInt8, type PoolShape, type PoolWindow } from './maxpool.ts';

const CASES: [string, PoolShape, PoolWindow][] = [
  ['3x3 stride 2 pad 1 (overlapping windows)', { channels: 3, h: 9, w: 8, ho: 5, wo: 4 }, { kernel: 3, stride: 2, pad: 1 }],
  ['2x2 stride 2', { channels: 2, h: 6, w: 6, ho: 3, wo: 3 }, { kernel: 2, stride: 2, pad: 0 }],
  ['3x3 stride 1 pad 1', { channels: 2, h: 5, w: 7, ho: 5, wo: 7 }, { kernel: 3, stride: 1, pad: 1 }],
];

/** Each window's input positions in row-major order (inside the input only). */
function windowOf(s: PoolShape, p: PoolWindow, c: number, oy: number, ox: number): number[] {
  const at: number[] = [];
  for (let ky = 0; ky < p.kernel; ky++) {
    for (let kx = 0; kx < p.kernel; kx++) {
      const iy = oy * p.stride - p.pad + ky, ix = ox * p.stride - p.pad + kx;
      if (iy >= 0 && iy < s.h && ix >= 0 && ix < s.w) at.push((c * s.h + iy) * s.w + ix);
    }
  }
  return at;
}

describe('max-pool backward', () => {
  for (const [name, s, p] of CASES) {
    it(`is the forward's gradient by finite differences, ${name}`, () => {
      const rand = mulberry32(7);
      const n = s.channels * s.h * s.w, m = s.channels * s.ho * s.wo;
      // Distinct values at least 1 apart: a step of 0.25 moves no maximum.
      const x = Float32Array.from({ length: n }, (_, i) => i * 1.5);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [x[i], x[j]] = [x[j], x[i]];
      }
      const gy = Float32Array.from({ length: m }, () => Math.round((rand() * 2 - 1) * 64) / 64);
      const loss = (v: Float32Array) => {
        const y = new Float32Array(m);
        maxpoolInt8(v, s, p, y);
        return y.reduce((acc, yi, i) => acc + yi * gy[i], 0);
      };
      const gx = new Float32Array(n);
      maxpoolBackward(gy, x, s, p, gx);
      const eps = 0.25;
      for (let i = 0; i < n; i++) {
        const up = x.slice(), down = x.slice();
        up[i] += eps;
        down[i] -= eps;
        expect(gx[i], `input ${i}`).toBeCloseTo((loss(up) - loss(down)) / (2 * eps), 5);
      }
    });
  }

  it('sends a tied window\'s gradient to its first maximum in row-major order, as a brute-force enumeration does', () => {
    const rand = mulberry32(11);
    const [, s, p] = CASES[0];
    const n = s.channels * s.h * s.w, m = s.channels * s.ho * s.wo;
    const x = Int8Array.from({ length: n }, () => Math.floor(rand() * 2)); // 0 or 1: nearly every window ties
    const gy = Float32Array.from({ length: m }, (_, i) => i + 1);
    const want = new Float32Array(n);
    const y = new Int8Array(m), wantY = new Int8Array(m);
    for (let c = 0, o = 0; c < s.channels; c++) {
      for (let oy = 0; oy < s.ho; oy++) {
        for (let ox = 0; ox < s.wo; ox++, o++) {
          const at = windowOf(s, p, c, oy, ox);
          const max = Math.max(...at.map((i) => x[i]));
          const first = at.find((i) => x[i] === max)!;
          want[first] += gy[o];
          wantY[o] = max;
        }
      }
    }
    maxpoolInt8(x, s, p, y);
    expect(y).toEqual(wantY);
    const gx = new Float32Array(n).fill(NaN); // the backward zeroes it first
    maxpoolBackward(gy, x, s, p, gx);
    expect(gx).toEqual(want);
  });

  it('binds its shape from the tensors and refuses a window that does not map them', () => {
    const shapes: Record<string, number[]> = { x: [3, 9, 8], y: [3, 5, 4], bad: [3, 4, 4] };
    const b = { shape: (t: string) => shapes[t] } as Pick<Binder, 'shape'> as Binder;
    const k = { name: 'maxpool:n', op: 'maxpool' as const, phase: 'forward' as const, node: 'n', inputs: ['x'], outputs: ['y'], params: [], attrs: CASES[0][2] };
    expect(maxpool.bind(k, b)).toEqual(CASES[0][1]);
    expect(() => maxpool.bind({ ...k, outputs: ['bad'] }, b)).toThrow(/does not map 3x9x8 to 3x4x4/);
    expect(() => maxpool.bind({ ...k, attrs: { kernel: 3, stride: 2, pad: 3 } }, b)).toThrow(/max-pool/);
  });
});
