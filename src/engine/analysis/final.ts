/**
 * The final comparison: the search ranks schemes by an estimate (the summed gain of parts measured
 * one at a time, on the validation images the search then optimises over), so its best is checked
 * the only way that counts. Its top schemes and the best baseline under the same budget are trained
 * whole, with the analysis's recipe, once per training seed, and scored on the held-out test images
 * that no gain and no choice has seen. The report names the winner on those images, beside every
 * finalist's estimate, and says so plainly when a baseline won.
 */
import type { Scheme } from '../train/scheme.ts';
import { digestBytes, trainingSeeds, type AnalysisJobResult, type AnalysisJobSpec, type AnalysisSettings } from './contribution.ts';
import { stat, type Stat } from './gains.ts';
import { schemeKey, type Candidate, type SearchResult } from './search.ts';

export interface Finalist {
  /** "searched #1" for the search's own schemes, the reference's name otherwise ("last-12"). */
  name: string;
  kind: Candidate['kind'];
  /** Why it is compared: one of the search's top schemes, or the best baseline under the budget. */
  role: 'top' | 'best baseline';
  scheme: Scheme;
  gain: number;
  spread: number | null;
  memory: number;
  unmeasured: string[];
}

/**
 * The `count` highest-gain schemes of the search's front under the budget (distinct trade-offs: each
 * needs less memory than the one above it), and the baseline with the highest estimate that fits
 * (on a tie, the one that trains more: the stronger opponent), unless it is already among them.
 */
export function chooseFinalists(r: SearchResult, count: number): Finalist[] {
  const top = [...r.front].sort((a, b) => b.gain - a.gain || a.memory - b.memory).slice(0, count);
  let searched = 0;
  const out: Finalist[] = top.map((c) => finalist(c, 'top', c.name ?? `searched #${++searched}`));
  const baseline = r.references.filter((c) => c.kind === 'baseline' && c.feasible).sort((a, b) => b.gain - a.gain || b.memory - a.memory)[0];
  if (baseline && !top.some((c) => schemeKey(c.scheme) === schemeKey(baseline.scheme))) out.push(finalist(baseline, 'best baseline', baseline.name!));
  return out;
}

function finalist(c: Candidate, role: Finalist['role'], name: string): Finalist {
  return { name, kind: c.kind, role, scheme: c.scheme, gain: c.gain, spread: c.spread, memory: c.memory, unmeasured: c.unmeasured };
}

/** The id of a final run: the scheme (not its name, which depends on the search) and the seed. */
export const finalJobId = (scheme: Scheme, seed: number) => `final:${digestBytes(new TextEncoder().encode(schemeKey(scheme)))}@${seed}`;

/** One job per finalist and training seed, finalists in order. */
export function planFinal(finalists: Finalist[], s: AnalysisSettings): AnalysisJobSpec[] {
  return finalists.flatMap((f) => trainingSeeds(s).map((seed): AnalysisJobSpec => ({
    id: finalJobId(f.scheme, seed), kind: 'final', k: f.scheme.nBias, seed, scheme: f.scheme, label: f.name,
  })));
}

export interface FinalRow {
  finalist: Finalist;
  /** Held-out test accuracy (0..1) over the seeds run; null until one finished. */
  test: Stat | null;
  /** Validation accuracy of the same runs (the images the estimate was measured on). */
  val: Stat | null;
  /** Seeds planned and seeds finished. */
  planned: number;
  done: number;
}

export interface FinalReport {
  rows: FinalRow[];
  /** Every planned run finished. */
  complete: boolean;
  /** The finalist with the highest mean held-out accuracy (the least memory among equals), once complete. */
  winner: FinalRow | null;
  /** The winner is a baseline: the search's estimate did not find anything better on held-out images. */
  baselineWon: boolean;
  /** The verdict in plain words (or what is still missing). */
  verdict: string;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const pm = (s: Stat) => `${pct(s.mean)}${s.sd !== null ? ` ± ${(s.sd * 100).toFixed(1)}` : ''}`;
/** Points with a sign, rounded first so that -0.04 reads +0.0, not −0.0. */
const pts = (g: number, sd: number | null) => {
  const r = Math.round(g * 10) / 10;
  return `${r >= 0 ? '+' : '−'}${Math.abs(r).toFixed(1)}${sd !== null ? ` ± ${sd.toFixed(1)}` : ''}`;
};

export function finalReport(finalists: Finalist[], jobs: AnalysisJobSpec[], results: AnalysisJobResult[], testImages: number): FinalReport {
  const byId = new Map(results.map((r) => [r.id, r]));
  const rows: FinalRow[] = finalists.map((f) => {
    const mine = jobs.filter((j) => j.kind === 'final' && schemeKey(j.scheme) === schemeKey(f.scheme));
    const done = mine.map((j) => byId.get(j.id)).filter((r): r is AnalysisJobResult => r?.status === 'completed');
    return {
      finalist: f, planned: mine.length, done: done.length,
      test: stat(done.map((r) => r.testAccuracy ?? null)), val: stat(done.map((r) => r.valAccuracy)),
    };
  });
  const complete = rows.length > 0 && rows.every((r) => r.done === r.planned && r.test !== null);
  if (!complete) {
    const left = rows.reduce((a, r) => a + r.planned - r.done, 0);
    return { rows, complete, winner: null, baselineWon: false, verdict: rows.length ? `${left} of ${jobs.filter((j) => j.kind === 'final').length} held-out runs still to go` : 'no scheme fits the budget, so there is nothing to compare' };
  }
  const ranked = [...rows].sort((a, b) => b.test!.mean - a.test!.mean || a.finalist.memory - b.finalist.memory);
  const winner = ranked[0];
  const runnerUp = ranked[1];
  const w = winner.finalist;
  const on = `on ${testImages} held-out images`;
  const margin = runnerUp ? (winner.test!.mean - runnerUp.test!.mean) * 100 : null;
  const noise = runnerUp ? Math.max(winner.test!.sd ?? 0, runnerUp.test!.sd ?? 0) * 100 : 0;
  const close = runnerUp && margin !== null && margin <= noise
    ? ` Its lead over ${runnerUp.finalist.name} (${margin.toFixed(1)} points) is within the spread over seeds (${noise.toFixed(1)}), so the two are not told apart.`
    : '';
  const baselineWon = w.kind === 'baseline';
  let verdict: string;
  if (baselineWon) {
    const bestSearched = ranked.find((r) => r.finalist.kind !== 'baseline');
    verdict = `A baseline won: ${w.name} reached ${pm(winner.test!)} ${on}, more than any scheme the search proposed` +
      (bestSearched ? ` (the best of them, ${bestSearched.finalist.name}, reached ${pm(bestSearched.test!)} with an estimated gain of ${pts(bestSearched.finalist.gain, bestSearched.finalist.spread)} points)` : '') +
      `. The summed-gain estimate did not find a better scheme here.${close}`;
  } else {
    const baseline = ranked.find((r) => r.finalist.kind === 'baseline');
    verdict = `${w.kind === 'paper' ? "The paper's scheme " : ''}${w.name} won ${on}: ${pm(winner.test!)}, estimated gain ${pts(w.gain, w.spread)} points` +
      (baseline ? `; the best baseline under the budget, ${baseline.finalist.name}, reached ${pm(baseline.test!)}.` : '; no baseline fits the budget.') + close;
  }
  return { rows, complete, winner, baselineWon, verdict };
}
