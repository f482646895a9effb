/**
 * The int8 arithmetic of the paper's graphs, defined once. Every float operation is done in float32
 * (Math.fround after each step) in a fixed order, so the TypeScript runtime and the generated C
 * (float with -ffp-contract=off and rintf) give bit-identical results.
 */

const f32 = Math.fround;

/** Round half to even, as torch.round and C's rintf in the default rounding mode. */
export function rint(x: number): number {
  const r = Math.round(x);
  // Math.round rounds halves up; move odd results of exact halves back to the even neighbour.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function clampInt8(v: number): number {
  return v < -128 ? -128 : v > 127 ? 127 : v;
}

/** effective_scale = x_scale * w_scale / y_scale, in float32. */
export function effectiveScale(xScale: number, wScale: number, yScale: number): number {
  return f32(f32(f32(xScale) * f32(wScale)) / f32(yScale));
}

/** Requantize an int32 accumulator: round(acc * scale) + zero, before clamping. */
export function requantizeUnclamped(acc: number, scale: number, zero: number): number {
  return rint(f32(f32(acc) * scale)) + zero;
}

export function requantize(acc: number, scale: number, zero: number): number {
  return clampInt8(requantizeUnclamped(acc, scale, zero));
}

/** real = scale * (q - zero), in float32. */
export function dequantize(q: number, scale: number, zero: number): number {
  return f32((q - zero) * f32(scale));
}

/** The quantized value of a real number at a scale and zero point, clamped to int8. */
export function quantize(real: number, scale: number, zero: number): number {
  return clampInt8(rint(f32(real / f32(scale))) + zero);
}
