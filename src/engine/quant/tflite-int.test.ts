import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/random.ts';
import {
  multiplyByQuantizedMultiplier, multiplyByQuantizedMultiplierSingle, quantizeMultiplier, requantizeInt, roundHalfAway, roundingDivideByPOT, saturatingRoundingDoublingHighMul,
} from './tflite-int.ts';

// Independent references in BigInt, written from the definitions (C semantics: truncating division).
const big = (x: number) => BigInt(x);
function srdhmRef(a: number, b: number): number {
  if (a === -2147483648 && b === -2147483648) return 2147483647;
  const ab = big(a) * big(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates, as C's does
}
function rdbpotRef(x: number, e: number): number {
  // Exact: x / 2^e rounded half away from zero.
  const d = 1n << big(e);
  const q = big(x) / d;
  const r = big(x) - q * d;
  const twice = 2n * (r < 0n ? -r : r);
  return Number(twice >= d ? q + (x < 0 ? -1n : 1n) : q);
}

describe('TFLite integer requantization', () => {
  const rand = mulberry32(7);
  const int32 = () => {
    const k = Math.floor(rand() * 4);
    if (k === 0) return [0, 1, -1, 2147483647, -2147483648, 1 << 30, -(1 << 30)][Math.floor(rand() * 7)];
    const bits = 1 + Math.floor(rand() * 31);
    return Math.floor((rand() * 2 - 1) * 2 ** bits) | 0;
  };

  it('saturatingRoundingDoublingHighMul equals the 64-bit definition', () => {
    for (let i = 0; i < 50_000; i++) {
      const a = int32(), b = int32();
      if (saturatingRoundingDoublingHighMul(a, b) !== srdhmRef(a, b)) {
        expect([a, b, saturatingRoundingDoublingHighMul(a, b)]).toEqual([a, b, srdhmRef(a, b)]);
      }
    }
    expect(saturatingRoundingDoublingHighMul(-2147483648, -2147483648)).toBe(2147483647);
    // Ties: 3 * 2^30 / 2^31 = 1.5 -> 2, but -1.5 -> -1: the negative nudge is 1 - 2^30, not -2^30.
    expect(saturatingRoundingDoublingHighMul(3, 1 << 30)).toBe(2);
    expect(saturatingRoundingDoublingHighMul(-3, 1 << 30)).toBe(-1);
  });

  it('roundingDivideByPOT rounds half away from zero', () => {
    expect([5, -5, 6, -6, 7, -7].map((x) => roundingDivideByPOT(x, 1))).toEqual([3, -3, 3, -3, 4, -4]);
    expect(roundingDivideByPOT(-2147483648, 31)).toBe(-1);
    expect(roundingDivideByPOT(2147483647, 31)).toBe(1);
    for (let i = 0; i < 100_000; i++) {
      const x = int32(), e = Math.floor(rand() * 32);
      if (roundingDivideByPOT(x, e) !== rdbpotRef(x, e)) expect([x, e, roundingDivideByPOT(x, e)]).toEqual([x, e, rdbpotRef(x, e)]);
    }
  });

  it('quantizeMultiplier gives a Q31 mantissa in [2^30, 2^31) and the right exponent', () => {
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 2 ** 30, shift: 0 });
    expect(quantizeMultiplier(1)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(0.75)).toEqual({ multiplier: 3 * 2 ** 29, shift: 0 });
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 });
    // A mantissa that rounds up to 2^31 moves to the next exponent.
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    for (let i = 0; i < 5_000; i++) {
      const real = 2 ** (-30 + rand() * 31);
      const { multiplier, shift } = quantizeMultiplier(real);
      expect(multiplier).toBeGreaterThanOrEqual(2 ** 30);
      expect(multiplier).toBeLessThan(2 ** 31);
      expect(Math.abs(multiplier * 2 ** (shift - 31) - real) / real).toBeLessThanOrEqual(2 ** -31);
    }
  });

  it('multiplyByQuantizedMultiplier is the two roundings in a row, within one of round(x * M)', () => {
    let exact = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const real = 2 ** (-20 + rand() * 19.9);
      const { multiplier, shift } = quantizeMultiplier(real);
      const x = Math.floor((rand() * 2 - 1) * 2 ** 20);
      const got = multiplyByQuantizedMultiplier(x, multiplier, shift);
      const want = roundHalfAway(x * multiplier * 2 ** (shift - 31));
      expect(got).toBe(rdbpotRef(srdhmRef(x, multiplier), -shift));
      expect(Math.abs(got - want)).toBeLessThanOrEqual(1);
      if (got === want) exact++;
    }
    // Double rounding moves a few percent of these (small shifts make ties after the first rounding common).
    expect(exact / n).toBeGreaterThan(0.95);
    // A known case of TFLite's double rounding: 3 * 2^-2 = 0.75 -> 1; and a left shift for M > 1.
    expect(multiplyByQuantizedMultiplier(3, 2 ** 30, -1)).toBe(1);
    expect(multiplyByQuantizedMultiplier(100, quantizeMultiplier(3).multiplier, quantizeMultiplier(3).shift)).toBe(300);
  });

  it('the single rounding is (x * m + 2^(t-1)) >> t in 64 bits', () => {
    for (let i = 0; i < 100_000; i++) {
      const x = int32();
      const m = (2 ** 30 + Math.floor(rand() * 2 ** 30)) | 0;
      const shift = -Math.floor(rand() * 40) + 10;
      const t = 31 - shift;
      const want = Number((big(x) * big(m) + (1n << big(t - 1))) >> big(t));
      if (multiplyByQuantizedMultiplierSingle(x, m, shift) !== want) expect([x, m, shift, multiplyByQuantizedMultiplierSingle(x, m, shift)]).toEqual([x, m, shift, want]);
    }
    // The double-rounding case of the depthwise conv in mcunet-vww: 1132 * M = 42.482 -> 42 (double rounding gives 43).
    expect(multiplyByQuantizedMultiplierSingle(1132, 1289462624, -4)).toBe(42);
    expect(multiplyByQuantizedMultiplier(1132, 1289462624, -4)).toBe(43);
    expect(requantizeInt(1132, 1289462624, -4, 'single')).toBe(42);
  });

  it('roundHalfAway is C round', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999].map(roundHalfAway)).toEqual([1, 2, 3, -1, -2, -3, 2]);
  });
});
