// The int8 output step shared by the kernels (quant/arith.ts and setMaskBit of ops/grad-kernels.ts).

/** 2^24: beyond it every value saturates anyway, and the int32 conversion cannot overflow. */
export const LIMIT: f32 = 16777216;

/** round(f32(acc) * eff) + zero per lane (before the clamp), as requantizeUnclamped. */
export function requant(acc: v128, eff: v128, zero: v128): v128 {
  let f = f32x4.nearest(f32x4.mul(f32x4.convert_i32x4_s(acc), eff));
  f = f32x4.max(f32x4.min(f, f32x4.splat(LIMIT)), f32x4.splat(-LIMIT));
  return i32x4.add(i32x4.trunc_sat_f32x4_s(f), zero);
}

/** Sets (in range) or clears bits i .. i + m - 1 of the clamp mask from the low m bits of `bits`. */
export function maskBits(mask: usize, i: i32, bits: i32, m: i32): void {
  for (let j = 0; j < m; j++) {
    const at = mask + (<usize>(i + j) >> 3);
    const bit = <u8>(<i32>1 << ((i + j) & 7));
    if ((bits >> j) & 1) store<u8>(at, load<u8>(at) | bit);
    else store<u8>(at, load<u8>(at) & ~bit);
  }
}

/** Clamps four values to int8 and stores the first m of them at y; records their mask bits at index mi. */
export function emit4(v: v128, y: usize, m: i32, mask: usize, mi: i32): void {
  if (mask) {
    const inRange = v128.and(i32x4.gt_s(v, i32x4.splat(-129)), i32x4.lt_s(v, i32x4.splat(128)));
    maskBits(mask, mi, i32x4.bitmask(inRange), m);
  }
  const b = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(v, v), v);
  const word = i32x4.extract_lane(b, 0);
  if (m >= 4) store<i32>(y, word);
  else for (let j = 0; j < m; j++) store<u8>(y + j, <u8>(word >> (j << 3)));
}

