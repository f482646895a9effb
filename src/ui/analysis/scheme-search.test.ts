import { describe, expect, it } from 'vitest';
import type { GainTable } from '../../engine/analysis/search.ts';
import { searchSchemes } from './scheme-search.ts';

const table: GainTable = { biasGain: { 2: 1, 4: 2.5, 8: 3 }, weightGain: { 40: { 0.25: 0.5, 1: 1.5 }, 41: { 1: 2 } } };

describe('the search worker', () => {
  it('returns the engine search result, or the error as a message', () => {
    const model = { kind: 'zoo' as const, name: 'mcunet-5fps' };
    const ok = searchSchemes({ seq: 3, model, resolution: 64, classes: 10, head: 'float32', table, budgetBytes: 256 * 1024, ks: [2], evaluations: 60 });
    expect(ok.ok && ok.seq === 3).toBe(true);
    if (!ok.ok) return;
    expect(ok.result.best).not.toBeNull();
    expect(ok.result.best!.memory).toBeLessThanOrEqual(256 * 1024);
    const bad = searchSchemes({ seq: 4, model: { kind: 'zoo', name: 'no-such-model' }, resolution: 64, classes: 10, head: 'float32', table, budgetBytes: 1, ks: [], evaluations: 10 });
    expect(bad).toEqual({ seq: 4, ok: false, error: 'unknown zoo model "no-such-model"' });
  });
});
