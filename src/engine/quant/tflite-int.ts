/**
 * TensorFlow Lite's integer requantization, defined once: the arithmetic its int8 reference kernels
 * (and TFLite Micro, and CMSIS-NN) use to scale an int32 accumulator to int8 without any float at
 * run time.
 *
 * A real multiplier M (e.g. input_scale * filter_scale / output_scale) is stored as a Q31 integer
 * `multiplier` in [2^30, 2^31) and a power-of-two `shift`, M ~= multiplier * 2^(shift - 31). Applying
 * it is a saturating rounding doubling high multiply (round(x * multiplier / 2^31); ties go up for
 * positive products, toward zero for negative ones) followed by a rounding arithmetic right shift
 * (ties away from zero); a positive shift is a
 * plain left shift before the multiply. This is gemmlowp's "double rounding" form, TFLite's default.
 *
 * How it differs from the project's float requantization (quant/arith.ts, the paper's engine):
 * there, acc * scale is computed in float32 and rounded half to even (rintf). Here the scale is
 * rounded once to 31 bits at load time (relative error <= 2^-31, far finer than float32's 2^-24),
 * the product is exact in 64 bits, and two roundings happen, neither half to even. The results
 * agree except near ties: a value whose exact scaled form is k + 1/2 can round differently, and the
 * double rounding can move a value within about 2^-31 of a tie across it. So the two differ by one
 * step on a small fraction of outputs; imported TFLite models use this arithmetic so that training
 * and the user's TFLite Micro deployment see the same forward.
 */

const TWO_31 = 2147483648;
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

export interface QuantizedMultiplier {
  /** Q31 mantissa in [2^30, 2^31), or 0 for a zero multiplier. */
  multiplier: number;
  /** Power-of-two exponent: positive shifts left before the multiply, negative rounds right after it. */
  shift: number;
}

/** Round half away from zero (C's round and TFLite's TfLiteRound). */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * TFLite's QuantizeMultiplier: the real multiplier (computed in double by the caller) as a Q31
 * mantissa and exponent, via frexp and a rounding of the mantissa to 31 bits.
 */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (real === 0) return { multiplier: 0, shift: 0 };
  if (!(Number.isFinite(real) && real > 0)) throw new RangeError(`the multiplier ${real} is not positive and finite`);
  // frexp: real = q * 2^shift with q in [0.5, 1).
  let shift = Math.floor(Math.log2(real)) + 1;
  let q = real / 2 ** shift;
  // log2 can be off by one at exact powers of two and near them; fix so that q is in [0.5, 1).
  while (q >= 1) { q /= 2; shift++; }
  while (q < 0.5) { q *= 2; shift--; }
  let qFixed = roundHalfAway(q * TWO_31);
  if (qFixed === TWO_31) {
    qFixed /= 2;
    shift++;
  }
  // Multipliers below 2^-31 flush to zero (TFLite does the same).
  if (shift < -31) return { multiplier: 0, shift: 0 };
  // A multiplier of 2^30 or more cannot be applied without int32 overflow (no sane model has one);
  // cap it as TFLite's single-rounding build does.
  if (shift > 30) return { multiplier: INT32_MAX, shift: 30 };
  return { multiplier: qFixed, shift };
}

/**
 * gemmlowp's SaturatingRoundingDoublingHighMul for int32 a, b: round(a * b / 2^31) by a nudge of
 * 2^30 (or 1 - 2^30 for a negative product) and C's truncating division, so a tie goes up when the
 * product is positive and toward zero when it is negative; saturates the one overflow case
 * (INT32_MIN * INT32_MIN). Exact in doubles: b is split into 16-bit halves so every partial product
 * stays below 2^53.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const bLo = b & 0xffff;
  const bHi = (b - bLo) / 65536; // exact, signed
  const hi = a * bHi; // |hi| < 2^47
  const lo = a * bLo; // |lo| < 2^47
  // a*b = hi * 2^16 + lo = hq * 2^31 + (hr * 2^16 + lo), with hi = hq * 2^15 + hr, 0 <= hr < 2^15.
  const hq = Math.floor(hi / 32768);
  const hr = hi - hq * 32768;
  const nonNegative = a === 0 || b === 0 || (a > 0) === (b > 0);
  const nudge = nonNegative ? 1 << 30 : 1 - (1 << 30);
  const r = hr * 65536 + lo + nudge; // exact: |r| < 2^48
  const rq = Math.floor(r / TWO_31);
  const rem = r - rq * TWO_31; // in [0, 2^31)
  const floorQ = hq + rq; // floor((a*b + nudge) / 2^31)
  // C's division truncates toward zero: a negative quotient with a remainder moves up by one.
  return floorQ < 0 && rem !== 0 ? floorQ + 1 : floorQ;
}

/** gemmlowp's RoundingDivideByPOT: x / 2^exponent for int32 x, rounded half away from zero. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = (2 ** exponent - 1) | 0;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/**
 * The two roundings TFLite has shipped for MultiplyByQuantizedMultiplier:
 * - 'double': gemmlowp's SaturatingRoundingDoublingHighMul then RoundingDivideByPOT (TFLite before
 *   2.7's single-rounding change; TFLite Micro and CMSIS-NN builds without their single-rounding flag);
 * - 'single': one rounding of the exact 64-bit product, ties up (TFLite built with
 *   TFLITE_SINGLE_ROUNDING; CMSIS-NN with CMSIS_NN_USE_SINGLE_ROUNDING). It is round(x * M) exactly,
 *   which is also what an exact float reference (Arm NN's CpuRef) computes away from ties.
 */
export type Rounding = 'single' | 'double';

/** MultiplyByQuantizedMultiplier with the given rounding. */
export function requantizeInt(x: number, multiplier: number, shift: number, rounding: Rounding): number {
  return rounding === 'single' ? multiplyByQuantizedMultiplierSingle(x, multiplier, shift) : multiplyByQuantizedMultiplier(x, multiplier, shift);
}

/**
 * TFLite's single-rounding MultiplyByQuantizedMultiplier: (x * multiplier + 2^(t-1)) >> t in 64
 * bits, t = 31 - shift (an arithmetic shift: floor). Exact in doubles for the shifts real models
 * have (t >= 16, t <= 46); BigInt otherwise.
 */
export function multiplyByQuantizedMultiplierSingle(x: number, multiplier: number, shift: number): number {
  const t = 31 - shift;
  if (t < 16 || t > 52) return Number((BigInt(x) * BigInt(multiplier) + (1n << BigInt(t - 1))) >> BigInt(t));
  const mLo = multiplier & 0xffff;
  const mHi = (multiplier - mLo) / 65536;
  const hi = x * mHi; // |hi| < 2^47, exact
  const lo = x * mLo; // |lo| < 2^47, exact
  // x * m = hi * 2^16 + lo; hi = q1 * 2^(t-16) + r1 with 0 <= r1 < 2^(t-16).
  const unit = 2 ** (t - 16);
  const q1 = Math.floor(hi / unit);
  const r1 = hi - q1 * unit;
  const rest = r1 * 65536 + lo + 2 ** (t - 1); // |rest| < 2^t + 2^47 + 2^(t-1) <= 2^53: exact
  return q1 + Math.floor(rest / 2 ** t);
}

/** TFLite's (double-rounding) MultiplyByQuantizedMultiplier: an int32 scaled by multiplier * 2^(shift - 31). */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  // C multiplies in int32 (wrapping); a model whose accumulator overflows here is already broken in TFLite too.
  const shifted = left > 0 ? Math.imul(x, 1 << left) : x;
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(shifted, multiplier), right);
}

/** C's integer division of int32s: truncates toward zero. */
export function truncDiv(a: number, b: number): number {
  return Math.trunc(a / b);
}

/** Clamp to [lo, hi]. */
export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Which requantization a model's int8 forward uses (Graph.requant): 'float' is the paper's engine
 * (quant/arith.ts: rint(f32(acc * scale))), the default of .pkl, .ttw and zoo models; 'tflite' is
 * TFLite's own integer arithmetic (its current reference kernels: single rounding), which models
 * read from a .tflite use, so that training and the user's TFLite Micro deployment see the same
 * forward. Backward and QAS use the float scales either way.
 */
export type RequantArith = 'float' | 'tflite';

/** A conv's per-output-channel Q31 multipliers and shifts (TFLite's prepare step). */
export interface ConvMultipliers { multipliers: Int32Array; shifts: Int32Array }

/** x_scale * w_scale[c] / y_scale per output channel, computed in double from the float32 scales as TFLite does. */
export function convMultipliers(xScale: number, wScales: ArrayLike<number>, yScale: number): ConvMultipliers {
  const multipliers = new Int32Array(wScales.length), shifts = new Int32Array(wScales.length);
  for (let c = 0; c < wScales.length; c++) {
    const m = quantizeMultiplier((xScale * wScales[c]) / yScale);
    multipliers[c] = m.multiplier;
    shifts[c] = m.shift;
  }
  return { multipliers, shifts };
}

/** TFLite's int8 ADD: both inputs lifted by 2^20 and scaled to twice the larger input scale, then to the output. */
export const ADD_LEFT_SHIFT = 20;
export interface AddMultipliers { aMult: number; aShift: number; bMult: number; bShift: number; outMult: number; outShift: number }

export function addMultipliers(sa: number, sb: number, sy: number): AddMultipliers {
  const twiceMax = 2 * Math.max(sa, sb);
  const a = quantizeMultiplier(sa / twiceMax), b = quantizeMultiplier(sb / twiceMax);
  const o = quantizeMultiplier(twiceMax / (2 ** ADD_LEFT_SHIFT * sy));
  return { aMult: a.multiplier, aShift: a.shift, bMult: b.multiplier, bShift: b.shift, outMult: o.multiplier, outShift: o.shift };
}

/** One int8 ADD output before its zero point and clamp, in single rounding; da, db: the inputs less their zero points. */
export function addTfliteUnclamped(da: number, db: number, m: AddMultipliers): number {
  const sa = multiplyByQuantizedMultiplierSingle(da * 2 ** ADD_LEFT_SHIFT, m.aMult, m.aShift);
  const sb = multiplyByQuantizedMultiplierSingle(db * 2 ** ADD_LEFT_SHIFT, m.bMult, m.bShift);
  return multiplyByQuantizedMultiplierSingle(sa + sb, m.outMult, m.outShift);
}

/** A conv's multipliers as the C library reads them (tt_geom.rq): multiplier and shift of each output channel in turn. */
export function multiplierPairs(m: ConvMultipliers): Int32Array {
  const out = new Int32Array(2 * m.multipliers.length);
  m.multipliers.forEach((v, c) => { out[2 * c] = v; out[2 * c + 1] = m.shifts[c]; });
  return out;
}

/** An add's multipliers as the C library reads them (tt_add_q's rq). */
export function addMultiplierWords(m: AddMultipliers): Int32Array {
  return Int32Array.of(m.aMult, m.aShift, m.bMult, m.bShift, m.outMult, m.outShift);
}
