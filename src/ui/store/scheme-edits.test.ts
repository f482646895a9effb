import { describe, expect, it } from 'vitest';
import { builtinScheme } from '../../engine/train/builtin-schemes.ts';
import { ratioOfEntry, schemePresetName, withBias, withRatio } from './scheme-edits.ts';
import { shiftScheme } from './arch-edits.ts';

const base = builtinScheme('mcunet-5fps@49kb', 42)!;

describe('scheme edits', () => {
  it('a weight update outside the bias range extends it', () => {
    const { scheme, note } = withRatio(base, 21, 1, 42);
    expect(scheme.nBias).toBe(21);
    expect(scheme.weights['21']).toBe(1);
    expect(note).toMatch(/last 21 convs/);
  });
  it('ratio 0 removes the weight entry and keeps the bias range', () => {
    const { scheme } = withRatio(base, 24, 0, 42);
    expect(scheme.weights['24']).toBeUndefined();
    expect(scheme.nBias).toBe(20);
  });
  it('turning a bias off ends the range after it and drops the weights before it', () => {
    const { scheme, note } = withBias(base, 27, false, 42);
    expect(scheme.nBias).toBe(14);
    expect(Object.keys(scheme.weights).sort()).toEqual(['30', '33', '39']);
    expect(note).toMatch(/conv 24, 27/);
  });
  it('turning a bias on extends the range to it', () => {
    expect(withBias(base, 10, true, 42).scheme.nBias).toBe(32);
  });
  it('names presets and reads ratios', () => {
    expect(schemePresetName(base, 'mcunet-5fps', 42)).toBe('mcunet-5fps@49kb');
    expect(schemePresetName(withRatio(base, 24, 1, 42).scheme, 'mcunet-5fps', 42)).toBeNull();
    expect(ratioOfEntry('1/4')).toBe(0.25);
    expect(ratioOfEntry({ channels: 12 })).toBeNull();
  });
  it('an inserted block shifts the weight entries after it', () => {
    const s = shiftScheme(base, 42, 25, 3);
    expect(Object.keys(s.weights).map(Number).sort((a, b) => a - b)).toEqual([23, 24, 30, 33, 36, 42]);
    expect(s.nBias).toBe(23);
    const r = shiftScheme(base, 42, 24, -3);
    expect(Object.keys(r.weights).map(Number).sort((a, b) => a - b)).toEqual([23, 24, 27, 30, 36]);
    expect(r.nBias).toBe(17);
  });
});
