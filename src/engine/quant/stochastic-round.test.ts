import { describe, expect, it } from 'vitest';
import { paramKey, requantize, roundDraw, roundingId, updateKey } from './stochastic-round.ts';

const key = paramKey(updateKey(1, 0), roundingId('conv39.weight'));

describe('counter-based stochastic rounding', () => {
  it('draws are uniform on [0, 1), multiples of 2^-24, float32-exact', () => {
    const n = 200_000;
    const bins = new Array<number>(10).fill(0);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const u = roundDraw(key, i);
      expect(u >= 0 && u < 1 && Math.fround(u) === u && Number.isInteger(u * 2 ** 24)).toBe(true);
      sum += u;
      bins[Math.floor(u * 10)]++;
    }
    // Mean 0.5 within 5 standard errors (sd of U(0,1) = 0.289); every decile within 5%.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(5 * 0.289 / Math.sqrt(n));
    for (const b of bins) expect(Math.abs(b / n - 0.1)).toBeLessThan(0.005);
  });

  it('is unbiased: the mean rounded value is the value', () => {
    for (const v of [0.3, -0.3, 2.01, -7.999, 100.5]) {
      const n = 50_000;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const r = requantize(v, key, i);
        expect(r === Math.floor(v) || r === Math.floor(v) + 1).toBe(true);
        sum += r;
      }
      expect(Math.abs(sum / n - v)).toBeLessThan(0.01);
    }
  });

  it('small updates accumulate in expectation; to nearest they are lost', () => {
    // 1000 updates of -0.01 to one int8 value: stochastic ends near -10, nearest stays at 0.
    const elements = 400;
    let total = 0;
    for (let e = 0; e < elements; e++) {
      let w = 0, wn = 0;
      for (let t = 0; t < 1000; t++) {
        w = requantize(Math.fround(w - 0.01), paramKey(updateKey(5, t), roundingId('w')), e);
        wn = requantize(Math.fround(wn - 0.01), undefined, e);
      }
      expect(wn === 0).toBe(true);
      total += w;
    }
    // Each element's end value has mean -10 and variance at most 1000 * 1/4.
    expect(Math.abs(total / elements + 10)).toBeLessThan(5 * Math.sqrt(250 / elements));
  });

  it('depends only on (seed, update, parameter, element), never on the order of the draws', () => {
    const ids = ['a.weight', 'a.bias', 'b.weight'].map(roundingId);
    const draw = (seed: number, t: number, id: number, i: number) => roundDraw(paramKey(updateKey(seed, t), id), i);
    const forward: number[] = [];
    for (let t = 0; t < 3; t++) for (const id of ids) for (let i = 0; i < 50; i++) forward.push(draw(1, t, id, i));
    const backward: number[] = [];
    for (let t = 2; t >= 0; t--) for (const id of [...ids].reverse()) for (let i = 49; i >= 0; i--) backward.push(draw(1, t, id, i));
    expect(backward.reverse()).toEqual(forward);
    // Every coordinate matters: no two of these keys draw alike.
    const firsts = new Set([draw(1, 0, ids[0], 0), draw(2, 0, ids[0], 0), draw(1, 1, ids[0], 0), draw(1, 0, ids[1], 0), draw(1, 0, ids[0], 1)]);
    expect(firsts.size).toBe(5);
  });

});
