// The int8 output step shared by the kernels (quant/arith.ts and setMaskBit of ops/grad-kernels.ts).

/**
 * rint(f32(acc) * eff) + zero per lane, as requantizeUnclamped, with zero as a float: the sum is
 * exact below 2^24, and above the truncation saturates, far outside int8 either way.
 */
export function requant(acc: v128, eff: v128, zero: v128): v128 {
  return i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.nearest(f32x4.mul(f32x4.convert_i32x4_s(acc), eff)), zero));
}

/**
 * Sets (in range) or clears bits i .. i + m - 1 (m <= 8) of the clamp mask from the low m bits of
 * `bits`: one read-modify-write of the two bytes they can span (the second may be the byte after
 * the mask, written back unchanged).
 */
export function maskBits(mask: usize, i: i32, bits: i32, m: i32): void {
  const at = mask + (<usize>i >> 3), shift = i & 7;
  const keep = ~(((1 << m) - 1) << shift);
  store<u16>(at, <u16>((<i32>load<u16>(at) & keep) | ((bits & ((1 << m) - 1)) << shift)));
}

/**
 * Eight int32 values (lo, hi) clamped to int8 and the first m <= 8 of them stored at y; their mask
 * bits (in [-128, 127]) at index mi when there is a mask. The saturating narrowings are the clamp.
 */
export function emit8(lo: v128, hi: v128, y: usize, m: i32, mask: usize, mi: i32): void {
  const v = i16x8.narrow_i32x4_s(lo, hi);
  if (mask) {
    const bits = i16x8.bitmask(v128.and(i16x8.gt_s(v, i16x8.splat(-129)), i16x8.lt_s(v, i16x8.splat(128))));
    // Eight bits on a byte boundary (most of them) are that byte.
    if (m == 8 && (mi & 7) == 0) store<u8>(mask + (<usize>mi >> 3), <u8>bits);
    else maskBits(mask, mi, bits, m);
  }
  const b = i8x16.narrow_i16x8_s(v, v);
  if (m >= 8) v128.store64_lane(y, b, 0);
  else {
    const word = i64x2.extract_lane(b, 0);
    for (let j = 0; j < m; j++) store<u8>(y + j, <u8>(word >> (<i64>j << 3)));
  }
}
