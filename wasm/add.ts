// Residual add of two int8 tensors (twin of addInt8 in src/engine/ops/add.ts, round mode): dequantize
// both, add, divide by the output's scale, round half to even, + zero, clamp; all in float32.
import { emit4, LIMIT } from './int8';

/** y[i] = round((f32((a[i] - za) * sa) + f32((b[i] - zb) * sb)) / sy) + zy clamped, mask bit i = in range (mask 0: none). */
export function addInt8(a: usize, sa: f32, za: i32, b: usize, sb: f32, zb: i32, y: usize, sy: f32, zy: i32, mask: usize, n: i32): void {
  const fa = f32x4.splat(sa), fb = f32x4.splat(sb), fy = f32x4.splat(sy);
  const va = i32x4.splat(za), vb = i32x4.splat(zb), vy = i32x4.splat(zy);
  for (let i = 0; i < n; i += 4) {
    const m = min(4, n - i);
    const xa = f32x4.convert_i32x4_s(i32x4.sub(widen(a + i, m), va));
    const xb = f32x4.convert_i32x4_s(i32x4.sub(widen(b + i, m), vb));
    const s = f32x4.add(f32x4.mul(xa, fa), f32x4.mul(xb, fb));
    const r = f32x4.max(f32x4.min(f32x4.nearest(f32x4.div(s, fy)), f32x4.splat(LIMIT)), f32x4.splat(-LIMIT));
    emit4(i32x4.add(i32x4.trunc_sat_f32x4_s(r), vy), y + i, m, mask, i);
  }
}

/** m <= 4 int8 at p as i32 lanes (the missing lanes zero: nothing is read past the array). */
function widen(p: usize, m: i32): v128 {
  let v: v128;
  if (m == 4) v = v128.load32_zero(p);
  else {
    v = i32x4.splat(0);
    v = i8x16.replace_lane(v, 0, load<i8>(p));
    if (m > 1) v = i8x16.replace_lane(v, 1, load<i8>(p + 1));
    if (m > 2) v = i8x16.replace_lane(v, 2, load<i8>(p + 2));
  }
  return i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v));
}
