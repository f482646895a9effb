import { describe, expect, it } from 'vitest';
import type { Scheme } from '../train/scheme.ts';
import { DEFAULT_ANALYSIS_SETTINGS, type AnalysisJobResult } from './contribution.ts';
import { chooseFinalists, finalJobId, finalReport, planFinal, type FinalPlan } from './final.ts';
import type { Candidate, SearchResult } from './search.ts';

const scheme = (nBias: number, weights: Record<string, number> = {}): Scheme => ({ nBias, weights, head: 'float32', momentum: false });
const cand = (s: Scheme, gain: number, memory: number, extra: Partial<Candidate> = {}): Candidate =>
  ({ scheme: s, gain, spread: 0.5, memory, feasible: true, kind: 'searched', unmeasured: [], ...extra });

const front = [cand(scheme(2), 1, 10), cand(scheme(4, { 22: 1 }), 3, 20), cand(scheme(6, { 22: 1 }), 4, 30, { kind: 'baseline', name: 'last-6' }), cand(scheme(8, { 22: 1, 23: 0.5 }), 5, 40)];
const refs = [cand(scheme(0), 0, 5, { kind: 'baseline', name: 'head-only' }), front[2], cand(scheme(12, { 12: 1 }), 4.5, 90, { kind: 'baseline', name: 'last-12', feasible: false }),
  cand(scheme(10, { 14: 1 }), 2, 35, { kind: 'baseline', name: 'last-10' }), cand(scheme(24), 2, 36, { kind: 'baseline', name: 'bias-only' })];
const search: SearchResult = { best: front[3], front, references: refs, evaluations: 100, compiles: 10 };

describe('the final comparison', () => {
  const names = (p: FinalPlan) => p.finalists.map((f) => [f.name, f.role]);
  it('takes the top of the front and the best baseline that fits, naming the search\'s own schemes by rank', () => {
    const two = chooseFinalists(search, { top: 2, baselines: 3 });
    expect(names(two)).toEqual([['searched #1', 'top'], ['last-6', 'top']]);
    // last-6 is already there; with one top scheme it is added as the best baseline (last-12 does not fit).
    const one = chooseFinalists(search, { top: 1, baselines: 3 });
    expect(names(one)).toEqual([['searched #1', 'top'], ['last-6', 'best baseline']]);
    // The others are listed with the reason: clearly below (by more than the spread), or over the budget.
    expect(one.leftOut.map((l) => [l.name, l.reason])).toEqual([['last-12', 'over budget'], ['bias-only', 'below'], ['last-10', 'below'], ['head-only', 'below']]);
    expect(one.leftOut[0].why).toBe('needs 0.1 KB, over the budget');
    expect(one.leftOut[1].why).toBe("estimate +2.0 ± 0.5 is below last-6's +4.0 ± 0.5 by more than the spread");
    expect(chooseFinalists({ ...search, front: [], best: null }, { top: 3, baselines: 3 }).finalists.map((f) => f.name)).toEqual(['last-6']);
  });

  it('sends every baseline the estimate cannot tell from the best one to the final: ties, those within the spread, partial estimates', () => {
    // Three baselines tie on the estimate, measured on one seed (no spread: only equal estimates are not told apart).
    const b = (name: string, nBias: number, gain: number, memory: number, extra: Partial<Candidate> = {}) =>
      cand(scheme(nBias), gain, memory, { kind: 'baseline', name, spread: null, ...extra });
    const tied = [b('last-2', 2, 3, 20), b('last-4', 4, 3, 30), b('last-8', 8, 3, 40), b('head-only', 0, 1, 10)];
    const tieSearch: SearchResult = { ...search, front: [cand(scheme(6), 6, 25)], references: tied };
    const ties = chooseFinalists(tieSearch, { top: 1, baselines: 3 });
    // All three reach the final, in a deterministic order (on a tie, the one that trains more first), whatever the order of the references.
    expect(names(ties)).toEqual([['searched #1', 'top'], ['last-8', 'best baseline'], ['last-4', 'within spread'], ['last-2', 'within spread']]);
    expect(ties.finalists[2].why).toBe("estimate within the spread of last-8's (+3.0 against +3.0)");
    expect(names(chooseFinalists({ ...tieSearch, references: [...tied].reverse() }, { top: 1, baselines: 3 }))).toEqual(names(ties));
    expect(ties.leftOut.map((l) => [l.name, l.reason])).toEqual([['head-only', 'below']]);
    // With a cap of 2, the third is named as left out by the cap, not dropped in silence.
    const capped = chooseFinalists(tieSearch, { top: 1, baselines: 2 });
    expect(names(capped)).toEqual([['searched #1', 'top'], ['last-8', 'best baseline'], ['last-4', 'within spread']]);
    expect(capped.leftOut.map((l) => [l.name, l.reason])).toEqual([['last-2', 'cap'], ['head-only', 'below']]);
    expect(capped.leftOut[0].why).toMatch(/; the final trains at most 2 baselines$/);

    // Within the spread of the best (the larger of the two spreads), and a partial estimate far below it: both go.
    const mixed = [b('last-12', 12, 10, 60, { spread: 1 }), b('last-10', 10, 8.5, 50, { spread: 2 }), b('last-8', 8, 7, 40, { spread: 1 }),
      b('last-16', 16, 2, 70, { spread: 1, unmeasured: ['convs 8–11 weights at 1'] })];
    const m = chooseFinalists({ ...search, front: [cand(scheme(6), 11, 25)], references: mixed }, { top: 1, baselines: 3 });
    expect(names(m)).toEqual([['searched #1', 'top'], ['last-12', 'best baseline'], ['last-10', 'within spread'], ['last-16', 'partial estimate']]);
    expect(m.finalists[3].why).toMatch(/^partial estimate/);
    expect(m.leftOut.map((l) => [l.name, l.reason])).toEqual([['last-8', 'below']]);
  });

  it('plans one run per finalist and training seed, keyed by scheme so a renamed finalist keeps its runs', () => {
    const f = chooseFinalists(search, { top: 2, baselines: 3 }).finalists;
    const jobs = planFinal(f, { ...DEFAULT_ANALYSIS_SETTINGS, seed: 3, seeds: 2 });
    expect(jobs.map((j) => [j.kind, j.seed, j.label])).toEqual([['final', 3, 'searched #1'], ['final', 4, 'searched #1'], ['final', 3, 'last-6'], ['final', 4, 'last-6']]);
    expect(jobs[0].id).toBe(finalJobId(scheme(8, { 23: 0.5, 22: 1 }), 3));
    // Ratio 0 means no update: the same scheme.
    expect(finalJobId(scheme(8, { 22: 1, 21: 0 }), 1)).toBe(finalJobId(scheme(8, { 22: 1 }), 1));
    expect(new Set(jobs.map((j) => j.id)).size).toBe(4);
  });

  const run = (plan: FinalPlan, test: number[][]) => {
    const jobs = planFinal(plan.finalists, { ...DEFAULT_ANALYSIS_SETTINGS, seeds: 2 });
    const results: AnalysisJobResult[] = jobs.map((j, i) => ({
      id: j.id, status: 'completed', valAccuracy: 0.7, testAccuracy: test[Math.floor(i / 2)][i % 2], seconds: 1,
    }));
    return { jobs, results };
  };

  it('names the winner on held-out images beside its estimate, and says plainly when a baseline won', () => {
    const f = chooseFinalists(search, { top: 1, baselines: 3 });
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

  it('names the best of several baselines trained, and carries the list of those left out', () => {
    const refs2 = refs.map((r) => (r.name === 'last-10' ? { ...r, gain: 3.6 } : r));
    const plan = chooseFinalists({ ...search, references: refs2 }, { top: 1, baselines: 3 });
    expect(names(plan)).toEqual([['searched #1', 'top'], ['last-6', 'best baseline'], ['last-10', 'within spread']]);
    const { jobs, results } = run(plan, [[0.8, 0.82], [0.7, 0.72], [0.74, 0.75]]);
    const r = finalReport(plan, jobs, results, 250);
    expect(r.verdict).toBe('searched #1 won on 250 held-out images: 81.0% ± 1.4, estimated gain +5.0 ± 0.5 points; the best of the 2 baselines trained, last-10, reached 74.5% ± 0.7.');
    expect(r.leftOut).toBe(plan.leftOut);
  });

  it('has no winner until every run finished', () => {
    const f = chooseFinalists(search, { top: 1, baselines: 3 });
    const { jobs, results } = run(f, [[0.8, 0.82], [0.7, 0.72]]);
    const r = finalReport(f, jobs, results.slice(0, 3), 250);
    expect(r.complete).toBe(false);
    expect(r.winner).toBeNull();
    expect(r.verdict).toBe('1 of 4 held-out runs still to go');
    expect(r.rows.map((x) => x.done)).toEqual([2, 1]);
  });
});
