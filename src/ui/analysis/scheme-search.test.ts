import { describe, expect, it } from 'vitest';
import type { Measurements } from '../../engine/analysis/gains.ts';
import { searchSchemes } from './scheme-search.ts';

const measurements: Measurements = {
  seeds: [1, 2], baseline: [0.5, 0.5], weightBaseK: 8,
  bias: { 2: [1, 1.2], 4: [2.5, 2], 8: [3, 3.5] }, weight: { 40: { 0.25: [0.5, 0.3], 1: [1.5, 1] }, 41: { 1: [2, 2.5] } },
};

describe('the search worker', () => {
  it('returns the engine search result with its references and finalists, or the error as a message', () => {
    const model = { kind: 'zoo' as const, name: 'mcunet-5fps' };
    const ok = searchSchemes({ seq: 3, model, resolution: 64, classes: 10, head: 'float32', measurements, budgetBytes: 256 * 1024, ks: [2, 8], finalists: 2, baselines: 2, evaluations: 60 });
    expect(ok.ok && ok.seq === 3).toBe(true);
    if (!ok.ok) return;
    expect(ok.result.best).not.toBeNull();
    expect(ok.result.best!.memory).toBeLessThanOrEqual(256 * 1024);
    expect(ok.result.references.map((r) => r.name)).toContain('last-8');
    expect(ok.final.finalists.filter((f) => f.role === 'top')).toHaveLength(2);
    expect(ok.final.finalists[0].gain).toBe(ok.result.best!.gain);
    const baselines = ok.final.finalists.filter((f) => f.kind === 'baseline' && f.role !== 'top');
    expect(baselines.length).toBeGreaterThanOrEqual(1);
    expect(baselines.length).toBeLessThanOrEqual(2);
    // Every baseline is either in the final or listed as left out, with the reason.
    expect(ok.final.finalists.filter((f) => f.kind === 'baseline').length + ok.final.leftOut.length).toBe(ok.result.references.filter((r) => r.kind === 'baseline').length);
    const bad = searchSchemes({ seq: 4, model: { kind: 'zoo', name: 'no-such-model' }, resolution: 64, classes: 10, head: 'float32', measurements, budgetBytes: 1, ks: [], finalists: 1, baselines: 3, evaluations: 10 });
    expect(bad).toEqual({ seq: 4, ok: false, error: 'unknown model "no-such-model": the zoo has mcunet-5fps, mbv2-w0.35, proxyless-w0.3' });
  });
});
