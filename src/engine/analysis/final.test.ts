import { describe, expect, it } from 'vitest';
import type { Scheme } from '../train/scheme.ts';
import { DEFAULT_ANALYSIS_SETTINGS, type AnalysisJobResult } from './contribution.ts';
import { chooseFinalists, finalJobId, finalReport, planFinal, type Finalist } from './final.ts';
import type { Candidate, SearchResult } from './search.ts';

const scheme = (nBias: number, weights: Record<string, number> = {}): Scheme => ({ nBias, weights, head: 'float32', momentum: false });
const cand = (s: Scheme, gain: number, memory: number, extra: Partial<Candidate> = {}): Candidate =>
  ({ scheme: s, gain, spread: 0.5, memory, feasible: true, kind: 'searched', unmeasured: [], ...extra });

const front = [cand(scheme(2), 1, 10), cand(scheme(4, { 22: 1 }), 3, 20), cand(scheme(6, { 22: 1 }), 4, 30, { kind: 'baseline', name: 'last-6' }), cand(scheme(8, { 22: 1, 23: 0.5 }), 5, 40)];
const refs = [cand(scheme(0), 0, 5, { kind: 'baseline', name: 'head-only' }), front[2], cand(scheme(12, { 12: 1 }), 4.5, 90, { kind: 'baseline', name: 'last-12', feasible: false }),
  cand(scheme(10, { 14: 1 }), 2, 35, { kind: 'baseline', name: 'last-10' }), cand(scheme(24), 2, 36, { kind: 'baseline', name: 'bias-only' })];
const search: SearchResult = { best: front[3], front, references: refs, evaluations: 100, compiles: 10 };

describe('the final comparison', () => {
  it('takes the top of the front and the best baseline that fits, naming the search\'s own schemes by rank', () => {
    const two = chooseFinalists(search, 2);
    expect(two.map((f) => [f.name, f.role])).toEqual([['searched #1', 'top'], ['last-6', 'top']]);
    // last-6 is already there; with one finalist it is added as the best baseline (last-12 does not fit).
    const one = chooseFinalists(search, 1);
    expect(one.map((f) => [f.name, f.role])).toEqual([['searched #1', 'top'], ['last-6', 'best baseline']]);
    // Equal estimates between baselines: the one that trains more is the opponent.
    const tie = chooseFinalists({ ...search, references: refs.filter((r) => r.name !== 'last-6') }, 1);
    expect(tie[1].name).toBe('bias-only');
    expect(chooseFinalists({ ...search, front: [], best: null }, 3).map((f) => f.name)).toEqual(['last-6']);
  });

  it('plans one run per finalist and training seed, keyed by scheme so a renamed finalist keeps its runs', () => {
    const f = chooseFinalists(search, 2);
    const jobs = planFinal(f, { ...DEFAULT_ANALYSIS_SETTINGS, seed: 3, seeds: 2 });
    expect(jobs.map((j) => [j.kind, j.seed, j.label])).toEqual([['final', 3, 'searched #1'], ['final', 4, 'searched #1'], ['final', 3, 'last-6'], ['final', 4, 'last-6']]);
    expect(jobs[0].id).toBe(finalJobId(scheme(8, { 23: 0.5, 22: 1 }), 3));
    // Ratio 0 means no update: the same scheme.
    expect(finalJobId(scheme(8, { 22: 1, 21: 0 }), 1)).toBe(finalJobId(scheme(8, { 22: 1 }), 1));
    expect(new Set(jobs.map((j) => j.id)).size).toBe(4);
  });

  const run = (finalists: Finalist[], test: number[][]) => {
    const jobs = planFinal(finalists, { ...DEFAULT_ANALYSIS_SETTINGS, seeds: 2 });
    const results: AnalysisJobResult[] = jobs.map((j, i) => ({
      id: j.id, status: 'completed', valAccuracy: 0.7, testAccuracy: test[Math.floor(i / 2)][i % 2], seconds: 1,
    }));
    return { jobs, results };
  };

  it('names the winner on held-out images beside its estimate, and says plainly when a baseline won', () => {
    const f = chooseFinalists(search, 1);
    const won = run(f, [[0.8, 0.82], [0.7, 0.72]]);
    const r = finalReport(f, won.jobs, won.results, 250);
    expect(r.complete).toBe(true);
    expect(r.winner!.finalist.name).toBe('searched #1');
    expect(r.baselineWon).toBe(false);
    expect(r.rows[0].test!.mean).toBeCloseTo(0.81);
    expect(r.rows[0].test!.sd).toBeCloseTo(Math.SQRT2 / 100);
    expect(r.verdict).toBe('searched #1 won on 250 held-out images: 81.0% ± 1.4, estimated gain +5.0 ± 0.5 points; the best baseline under the budget, last-6, reached 71.0% ± 1.4.');

    const lost = run(f, [[0.7, 0.71], [0.75, 0.74]]);
    const b = finalReport(f, lost.jobs, lost.results, 250);
    expect(b.winner!.finalist.name).toBe('last-6');
    expect(b.baselineWon).toBe(true);
    expect(b.verdict).toMatch(/^A baseline won: last-6 reached 74\.5% ± 0\.7 on 250 held-out images, more than any scheme the search proposed \(the best of them, searched #1, reached 70\.5% ± 0\.7 with an estimated gain of \+5\.0 ± 0\.5 points\)\. The summed-gain estimate did not find a better scheme here\.$/);

    // A lead inside the spread is said to be one.
    const close = run(f, [[0.70, 0.74], [0.71, 0.72]]);
    expect(finalReport(f, close.jobs, close.results, 250).verdict).toMatch(/Its lead over last-6 \(0\.5 points\) is within the spread over seeds \(2\.8\), so the two are not told apart\.$/);
  });

  it('has no winner until every run finished', () => {
    const f = chooseFinalists(search, 1);
    const { jobs, results } = run(f, [[0.8, 0.82], [0.7, 0.72]]);
    const r = finalReport(f, jobs, results.slice(0, 3), 250);
    expect(r.complete).toBe(false);
    expect(r.winner).toBeNull();
    expect(r.verdict).toBe('1 of 4 held-out runs still to go');
    expect(r.rows.map((x) => x.done)).toEqual([2, 1]);
  });
});
