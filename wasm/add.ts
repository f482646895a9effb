// Residual add of two int8 tensors (twin of addInt8 in src/engine/ops/add.ts, round mode): dequantize
// both, add, divide by the output's scale, round half to even, + zero, clamp; all in float32.
import { emit8 } from './int8';

/** y[i] = rint((f32((a[i] - za) * sa) + f32((b[i] - zb) * sb)) / sy) + zy clamped, mask bit i = in range (mask 0: none). */
export function addInt8(a: usize, sa: f32, za: i32, b: usize, sb: f32, zb: i32, y: usize, sy: f32, zy: i32, mask: usize, n: i32): void {
  const fa = f32x4.splat(sa), fb = f32x4.splat(sb), fy = f32x4.splat(sy), fz = f32x4.splat(<f32>zy);
  const va = i16x8.splat(<i16>za), vb = i16x8.splat(<i16>zb);
  for (let i = 0; i < n; i += 8) {
    const m = min(8, n - i);
    // a - za and b - zb fit int16 (int8 values and zero points).
    const xa = i16x8.sub(widen(a + i, m), va), xb = i16x8.sub(widen(b + i, m), vb);
    emit8(lane4(xa, xb, fa, fb, fy, fz, false), lane4(xa, xb, fa, fb, fy, fz, true), y + i, m, mask, i);
  }
}

/** Four of the eight sums (the low or high half), requantized. */
function lane4(xa: v128, xb: v128, fa: v128, fb: v128, fy: v128, fz: v128, high: bool): v128 {
  const ia = high ? i32x4.extend_high_i16x8_s(xa) : i32x4.extend_low_i16x8_s(xa);
  const ib = high ? i32x4.extend_high_i16x8_s(xb) : i32x4.extend_low_i16x8_s(xb);
  const s = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(ia), fa), f32x4.mul(f32x4.convert_i32x4_s(ib), fb));
  return i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.nearest(f32x4.div(s, fy)), fz));
}

/** m <= 8 int8 at p as int16 lanes (the missing lanes zero: nothing is read past the array). */
function widen(p: usize, m: i32): v128 {
  if (m == 8) return v128.load8x8_s(p);
  let word: i64 = 0;
  for (let j = 0; j < m; j++) word |= <i64>load<u8>(p + j) << (<i64>j << 3);
  return i16x8.extend_low_i8x16_s(i64x2.splat(word));
}
