// A depthwise conv over a small plane (fewer than 8 output columns, where vectors across positions
// would be mostly empty) with 8 channels per vector: the input planes channel-last as int16
// x - x_zero with the padding as zeros (zero taps add nothing: exact), the taps channel-last, and each
// output position of 8 channels one vector sum, requantized with each lane's own scale.
import { maskBits, requant } from './int8';
import { reserve } from './conv-forward';
import { BIAS, COUT, DST, DST_CS, DST_ROWS, EFF, get, H, HO, K, MASK, PAD, SRC, SRC_CS, SRC_ROWS, STRIDE, W, WEIGHT, WO, XZERO, YZERO } from './stage';

export function depthwiseLanes(rec: usize, work: usize): void {
  const cout = get(rec, COUT), h = get(rec, H), w = get(rec, W), ho = get(rec, HO), wo = get(rec, WO);
  const k = get(rec, K), s = get(rec, STRIDE), pad = get(rec, PAD), xz = get(rec, XZERO);
  const src = <usize>get(rec, SRC), srcCS = get(rec, SRC_CS), srcRows = get(rec, SRC_ROWS);
  const dst = <usize>get(rec, DST), dstCS = get(rec, DST_CS), dstRows = get(rec, DST_ROWS);
  const weight = <usize>get(rec, WEIGHT), bias = <usize>get(rec, BIAS), eff = <usize>get(rec, EFF), mask = <usize>get(rec, MASK);
  const zero = f32x4.splat(<f32>get(rec, YZERO));
  const wp = w + 2 * pad, hp = h + 2 * pad;
  const plane = work, planeEnd = plane + (<usize>(hp * wp) << 4);
  const taps = planeEnd;
  reserve(taps + (<usize>(k * k) << 4) + 64);
  for (let c0 = 0; c0 < cout; c0 += 8) {
    const m = min(8, cout - c0);
    for (let p = plane; p < planeEnd; p += 16) v128.store(p, i32x4.splat(0));
    for (let t = 0; t < k * k; t++) v128.store(taps + (<usize>t << 4), i32x4.splat(0));
    for (let lane = 0; lane < m; lane++) {
      const ch = c0 + lane;
      for (let iy = 0; iy < h; iy++) {
        const row = src + <usize>(ch * srcCS + (iy % srcRows) * w);
        const out = plane + (<usize>((iy + pad) * wp + pad) << 4) + (<usize>lane << 1);
        for (let ix = 0; ix < w; ix++) store<i16>(out + (<usize>ix << 4), <i16>(<i32>load<i8>(row + ix) - xz));
      }
      const wr = weight + <usize>(ch * k * k);
      for (let t = 0; t < k * k; t++) store<i16>(taps + (<usize>t << 4) + (<usize>lane << 1), <i16>load<i8>(wr + t));
    }
    // Lanes past the last channel read whatever follows bias and eff; their sums are dropped.
    const bLo = v128.load(bias + (<usize>c0 << 2)), bHi = v128.load(bias + (<usize>(c0 + 4) << 2));
    const eLo = v128.load(eff + (<usize>c0 << 2)), eHi = v128.load(eff + (<usize>(c0 + 4) << 2));
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        let lo = bLo, hi = bHi;
        let tap = taps;
        for (let ky = 0; ky < k; ky++) {
          let xa = plane + (<usize>((oy * s + ky) * wp + ox * s) << 4);
          for (let kx = 0; kx < k; kx++) {
            const xv = v128.load(xa), wv = v128.load(tap);
            lo = i32x4.add(lo, i32x4.extmul_low_i16x8_s(xv, wv));
            hi = i32x4.add(hi, i32x4.extmul_high_i16x8_s(xv, wv));
            xa += 16;
            tap += 16;
          }
        }
        // As emit8, but the 8 lanes go to 8 channel planes.
        const v = i16x8.narrow_i32x4_s(requant(lo, eLo, zero), requant(hi, eHi, zero));
        const bits = i16x8.bitmask(v128.and(i16x8.gt_s(v, i16x8.splat(-129)), i16x8.lt_s(v, i16x8.splat(128))));
        const word = i64x2.extract_lane(i8x16.narrow_i16x8_s(v, v), 0);
        const at = (oy % dstRows) * wo + ox;
        for (let lane = 0; lane < m; lane++) {
          const i = (c0 + lane) * dstCS + at;
          store<u8>(dst + <usize>i, <u8>(word >> (<i64>lane << 3)));
          if (mask) maskBits(mask, i, bits >> lane, 1);
        }
      }
    }
  }
}
