/**
 * The final comparison: the search ranks schemes by an estimate (the summed gain of parts measured
 * one at a time, on the validation images the search then optimises over), so its best is checked
 * the only way that counts. Its top schemes and the baselines the estimate cannot rank below the best
 * one are trained whole, with the analysis's recipe, once per training seed, and scored on the
 * held-out test images that no gain and no choice has seen. The report names the winner on those
 * images, beside every finalist's estimate, says so plainly when a baseline won, and lists the
 * baselines it did not train with the reason.
 *
 * Which baselines: the best one by estimate, plus every fitting baseline the estimate cannot tell
 * from it: one within the spread of it, or one whose estimate is partial (it trains parts that were
 * not measured, such as last-16 when only the last 12 convs' weights were, so its estimate says
 * nothing about those). At most `baselines` of them (the best always), in the order of their
 * estimates, so the choice is deterministic; the others are listed, each with why it was left out.
 */
import type { Scheme } from '../train/scheme.ts';
import { digestBytes, trainingSeeds, type AnalysisJobResult, type AnalysisJobSpec, type AnalysisSettings } from './contribution.ts';
import { stat, withinSpread, type Stat } from './gains.ts';
import { schemeKey, type Candidate, type SearchResult } from './search.ts';

export interface Finalist {
  /** "searched #1" for the search's own schemes, the reference's name otherwise ("last-12"). */
  name: string;
  kind: Candidate['kind'];
  /**
   * Why it is compared: one of the search's top schemes, the best baseline by estimate, or a baseline
   * the estimate cannot rank below it (within its spread, else a partial estimate).
   */
  role: 'top' | 'best baseline' | 'within spread' | 'partial estimate';
  /** The reason in words ("within the spread of last-24's estimate"). */
  why: string;
  scheme: Scheme;
  gain: number;
  spread: number | null;
  memory: number;
  unmeasured: string[];
}

/** A baseline the final does not train, and why. */
export interface LeftOut {
  name: string;
  scheme: Scheme;
  gain: number;
  spread: number | null;
  memory: number;
  unmeasured: string[];
  /** Over the budget; estimate below the best baseline's by more than the spread; or one more than the cap allows. */
  reason: 'over budget' | 'below' | 'cap';
  why: string;
}

export interface FinalPlan {
  finalists: Finalist[];
  /** Every baseline not among the finalists, fitting or not, in the order of their estimates. */
  leftOut: LeftOut[];
}

/** Points with a sign, rounded first so that -0.04 reads +0.0, not −0.0. */
const pts = (g: number, sd: number | null) => {
  const r = Math.round(g * 10) / 10;
  return `${r >= 0 ? '+' : '−'}${Math.abs(r).toFixed(1)}${sd !== null ? ` ± ${sd.toFixed(1)}` : ''}`;
};
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;

/**
 * The `top` highest-gain schemes of the search's front under the budget (distinct trade-offs: each
 * needs less memory than the one above it), then the baselines as the header says: at most
 * `baselines` in the final, counting any among the top, the best by estimate always. Baselines are
 * taken in the order of their estimates (on a tie, the one that trains more first: the stronger
 * opponent; then by name).
 */
export function chooseFinalists(r: SearchResult, n: { top: number; baselines: number }): FinalPlan {
  const top = [...r.front].sort((a, b) => b.gain - a.gain || a.memory - b.memory).slice(0, n.top);
  let searched = 0;
  const finalists: Finalist[] = top.map((c) => finalist(c, 'top', c.name ?? `searched #${++searched}`, c.kind === 'searched' ? `the search's #${searched} by estimate` : 'among the search\'s top schemes by estimate'));
  const inFinal = new Set(top.map((c) => schemeKey(c.scheme)));
  const baselines = r.references.filter((c) => c.kind === 'baseline')
    .sort((a, b) => b.gain - a.gain || b.memory - a.memory || a.name!.localeCompare(b.name!));
  const fitting = baselines.filter((c) => c.feasible);
  const best = fitting[0];
  let count = top.filter((c) => c.kind === 'baseline').length;
  const leftOut: LeftOut[] = [];
  const leave = (c: Candidate, reason: LeftOut['reason'], why: string) =>
    leftOut.push({ name: c.name!, scheme: c.scheme, gain: c.gain, spread: c.spread, memory: c.memory, unmeasured: c.unmeasured, reason, why });
  for (const c of baselines) {
    const key = schemeKey(c.scheme);
    if (!c.feasible) {
      leave(c, 'over budget', `needs ${kb(c.memory)}, over the budget`);
      continue;
    }
    const close = c !== best && withinSpread(c.gain, best.gain, c.spread, best.spread);
    const partial = c.unmeasured.length > 0;
    const role: Finalist['role'] | null = c === best ? 'best baseline' : close ? 'within spread' : partial ? 'partial estimate' : null;
    const why = role === 'best baseline' ? 'the best baseline by estimate'
      : role === 'within spread' ? `estimate within the spread of ${best.name}'s (${pts(c.gain, c.spread)} against ${pts(best.gain, best.spread)})`
        : 'partial estimate: it trains parts that were not measured, so the estimate cannot rank it';
    if (inFinal.has(key)) continue;
    if (role === null) leave(c, 'below', `estimate ${pts(c.gain, c.spread)} is below ${best.name}'s ${pts(best.gain, best.spread)} by more than the spread`);
    else if (c === best || count < n.baselines) {
      finalists.push(finalist(c, role, c.name!, why));
      inFinal.add(key);
      count++;
    } else leave(c, 'cap', `${why}; the final trains at most ${n.baselines} baseline${n.baselines > 1 ? 's' : ''}`);
  }
  return { finalists, leftOut };
}

function finalist(c: Candidate, role: Finalist['role'], name: string, why: string): Finalist {
  return { name, kind: c.kind, role, why, scheme: c.scheme, gain: c.gain, spread: c.spread, memory: c.memory, unmeasured: c.unmeasured };
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
  /** The baselines not trained, and why (the plan's). */
  leftOut: LeftOut[];
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

export function finalReport(plan: FinalPlan, jobs: AnalysisJobSpec[], results: AnalysisJobResult[], testImages: number): FinalReport {
  const { leftOut } = plan;
  const byId = new Map(results.map((r) => [r.id, r]));
  const rows: FinalRow[] = plan.finalists.map((f) => {
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
    return { rows, leftOut, complete, winner: null, baselineWon: false, verdict: rows.length ? `${left} of ${jobs.filter((j) => j.kind === 'final').length} held-out runs still to go` : 'no scheme fits the budget, so there is nothing to compare' };
  }
  const ranked = [...rows].sort((a, b) => b.test!.mean - a.test!.mean || a.finalist.memory - b.finalist.memory);
  const winner = ranked[0];
  const runnerUp = ranked[1];
  const w = winner.finalist;
  const on = `on ${testImages} held-out images`;
  const close = runnerUp && withinSpread(winner.test!.mean, runnerUp.test!.mean, winner.test!.sd, runnerUp.test!.sd)
    ? ` Its lead over ${runnerUp.finalist.name} (${((winner.test!.mean - runnerUp.test!.mean) * 100).toFixed(1)} points) is within the spread over seeds ` +
      `(${(Math.max(winner.test!.sd ?? 0, runnerUp.test!.sd ?? 0) * 100).toFixed(1)}), so the two are not told apart.`
    : '';
  const baselineWon = w.kind === 'baseline';
  let verdict: string;
  if (baselineWon) {
    const bestSearched = ranked.find((r) => r.finalist.kind !== 'baseline');
    verdict = `A baseline won: ${w.name} reached ${pm(winner.test!)} ${on}, more than any scheme the search proposed` +
      (bestSearched ? ` (the best of them, ${bestSearched.finalist.name}, reached ${pm(bestSearched.test!)} with an estimated gain of ${pts(bestSearched.finalist.gain, bestSearched.finalist.spread)} points)` : '') +
      `. The summed-gain estimate did not find a better scheme here.${close}`;
  } else {
    const baselines = ranked.filter((r) => r.finalist.kind === 'baseline');
    const baseline = baselines[0];
    verdict = `${w.kind === 'paper' ? "The paper's scheme " : ''}${w.name} won ${on}: ${pm(winner.test!)}, estimated gain ${pts(w.gain, w.spread)} points` +
      (!baseline ? '; no baseline fits the budget.'
        : baselines.length === 1 ? `; the best baseline under the budget, ${baseline.finalist.name}, reached ${pm(baseline.test!)}.`
          : `; the best of the ${baselines.length} baselines trained, ${baseline.finalist.name}, reached ${pm(baseline.test!)}.`) + close;
  }
  return { rows, leftOut, complete, winner, baselineWon, verdict };
}
