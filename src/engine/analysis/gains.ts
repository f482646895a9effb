/**
 * What contribution analysis measured, and what a scheme is estimated to gain from it.
 *
 * `Measurements` says exactly what was measured, and nothing else: the bias k values (biases of the
 * last k convs), and for each conv the weight ratios, each with its gain in accuracy points for every
 * training seed. It is the search's space (search.ts): a scheme the search proposes trains only
 * measured things.
 *
 * The estimate of a scheme (the paper's summed gain) credits only measured parts: the bias gain of
 * the largest measured k not above its nBias, plus the gain of each (conv, ratio) it trains that was
 * measured. Whatever else it trains (a reference scheme such as last-16 when only the last 12 convs'
 * weights were measured) adds nothing and is listed as unmeasured. The spread is the standard
 * deviation over seeds of the per-seed sums: a seed's terms share its runs (every weight gain is
 * measured against the same bias-base run), so they are summed per seed rather than assumed independent.
 */
import type { Scheme } from '../train/scheme.ts';

/** Per training seed, in the order of `seeds`; null where that seed's run is not measured (yet). */
export type PerSeed = (number | null)[];

export interface Measurements {
  /** The training seeds (image order and rounding; the split is the same for all). */
  seeds: number[];
  /** Head-only validation accuracy (0..1) per seed. */
  baseline: PerSeed;
  /** bias[k]: gain (points) of training the biases of the last k convs over the head alone; measured k only. */
  bias: Record<number, PerSeed>;
  /** The k whose biases the weight gains were measured on top of. */
  weightBaseK: number;
  /** weight[conv][ratio]: gain (points) of also training that conv's weights at that ratio, over the bias base. */
  weight: Record<number, Record<number, PerSeed>>;
}

export interface Stat {
  mean: number;
  /** Sample standard deviation over the measured seeds; null with fewer than two. */
  sd: number | null;
  /** Seeds measured. */
  n: number;
}

/**
 * Two means are not told apart when they differ by no more than the larger of their spreads (one
 * standard deviation over seeds; a spread not known counts as 0, so only equal means are then).
 */
export function withinSpread(a: number, b: number, sdA: number | null, sdB: number | null): boolean {
  return Math.abs(a - b) <= Math.max(sdA ?? 0, sdB ?? 0) + 1e-9;
}

/**
 * The flag of an estimate that leaves parts out: they are counted as no gain, so the scheme cannot be
 * ranked by it (it is not a bound either way: training a part can also cost accuracy). Null for a
 * scheme of the measured space.
 */
export function partialNote(unmeasured: string[]): string | null {
  return unmeasured.length ? `partial estimate: no gain counted for ${unmeasured.join('; ')} (not measured)` : null;
}

/** Mean and spread of the measured values; null when none is measured. */
export function stat(values: PerSeed): Stat | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  if (!v.length) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : null;
  return { mean, sd, n: v.length };
}

export interface Estimate {
  /** Summed gain in accuracy points: the sum of the measured terms' means. */
  gain: number;
  /** Standard deviation over seeds of the per-seed sums; null with fewer than two seeds measured for every term. */
  spread: number | null;
  /** Seeds with every term measured. */
  seeds: number;
  /** What the scheme trains that was not measured, so carries no gain; empty for a scheme of the measured space. */
  unmeasured: string[];
}

const ratioName = (r: number) => (r >= 1 ? '1' : `1/${Math.round(1 / r)}`);

/** A weight entry of a scheme as a ratio (the search's schemes use ratios; a channel count has no measured gain). */
function ratioOf(w: Scheme['weights'][string]): number | null {
  if (typeof w === 'number') return w;
  if (typeof w === 'string') {
    const m = /^1\/(\d+)$/.exec(w.trim());
    return m ? 1 / Number(m[1]) : Number.isFinite(Number(w)) ? Number(w) : null;
  }
  return null;
}

/** The measurements indexed for the search, which estimates thousands of schemes. */
export class GainModel {
  /** Measured bias k values, ascending (0, the head alone, always). */
  readonly ks: number[];
  /** Measured ratios per conv, ascending. */
  readonly ratios: Map<number, number[]>;
  private readonly biasMean = new Map<number, number>();
  private readonly weightMean = new Map<string, number>();

  constructor(readonly m: Measurements) {
    this.ks = [0];
    for (const [k, v] of Object.entries(m.bias)) {
      const s = stat(v);
      if (s && Number(k) > 0) {
        this.ks.push(Number(k));
        this.biasMean.set(Number(k), s.mean);
      }
    }
    this.ks.sort((a, b) => a - b);
    this.ratios = new Map();
    for (const [c, byRatio] of Object.entries(m.weight)) {
      const rs: number[] = [];
      for (const [r, v] of Object.entries(byRatio)) {
        const s = stat(v);
        if (!s) continue;
        rs.push(Number(r));
        this.weightMean.set(`${c}:${Number(r)}`, s.mean);
      }
      if (rs.length) this.ratios.set(Number(c), rs.sort((a, b) => a - b));
    }
  }

  /** The largest measured k not above nBias (0: the head alone). */
  biasK(nBias: number): number {
    let k = 0;
    for (const x of this.ks) if (x <= nBias) k = x;
    return k;
  }

  /** The measured terms of a scheme (bias key and weight keys) and what it trains unmeasured. */
  private terms(s: Scheme): { k: number; weights: [number, number][]; unmeasured: string[] } {
    const k = this.biasK(s.nBias);
    const unmeasured: string[] = [];
    if (k < s.nBias) unmeasured.push(k ? `biases of the last ${s.nBias} convs beyond the measured last ${k}` : `biases of the last ${s.nBias} convs`);
    const weights: [number, number][] = [];
    const missing: [number, string][] = [];
    for (const [c, w] of Object.entries(s.weights)) {
      const r = ratioOf(w);
      if (r === 0) continue;
      if (r !== null && this.weightMean.has(`${Number(c)}:${r}`)) weights.push([Number(c), r]);
      else missing.push([Number(c), r !== null ? ` at ${ratioName(r)}` : '']);
    }
    // Runs of consecutive convs at the same ratio read as one part: last-24 with the last 12 measured
    // lacks "convs 0–11 weights at 1", not twelve parts.
    missing.sort((a, b) => a[0] - b[0]);
    for (let i = 0; i < missing.length;) {
      let j = i;
      while (j + 1 < missing.length && missing[j + 1][0] === missing[j][0] + 1 && missing[j + 1][1] === missing[i][1]) j++;
      unmeasured.push(j > i ? `convs ${missing[i][0]}–${missing[j][0]} weights${missing[i][1]}` : `conv ${missing[i][0]} weights${missing[i][1]}`);
      i = j + 1;
    }
    return { k, weights, unmeasured };
  }

  /** The summed gain of the scheme's measured parts (points), without the spread: what the search ranks by. */
  gain(s: Scheme): number {
    let g = this.biasMean.get(this.biasK(s.nBias)) ?? 0;
    for (const [c, w] of Object.entries(s.weights)) {
      const r = ratioOf(w);
      if (r) g += this.weightMean.get(`${Number(c)}:${r}`) ?? 0;
    }
    return g;
  }

  /** The summed gain with its spread over seeds and what carries no gain. */
  estimate(s: Scheme): Estimate {
    const { k, weights, unmeasured } = this.terms(s);
    const series: PerSeed[] = [...(k ? [this.m.bias[k]] : []), ...weights.map(([c, r]) => this.m.weight[c][r])];
    const perSeed: number[] = [];
    for (let i = 0; i < this.m.seeds.length; i++) {
      let sum = 0, complete = true;
      for (const v of series) {
        const x = v[i];
        if (x === null || x === undefined) complete = false;
        else sum += x;
      }
      if (complete) perSeed.push(sum);
    }
    const spread = stat(perSeed);
    return { gain: this.gain(s), spread: spread?.sd ?? null, seeds: perSeed.length, unmeasured };
  }

  /** True when the scheme trains only measured things (a scheme of the search's space). */
  measures(s: Scheme): boolean {
    return this.terms(s).unmeasured.length === 0;
  }

  /**
   * The nearest scheme of the measured space that trains no more: nBias down to the largest
   * measured k, each weight ratio down to the largest measured one for its conv (dropped if none, or
   * if the conv falls outside the biases kept). The search starts from these near the reference schemes.
   */
  project(s: Scheme, convCount: number): Scheme {
    const k = this.biasK(s.nBias);
    const weights: Record<string, number> = {};
    for (const [c, w] of Object.entries(s.weights)) {
      const r = ratioOf(w), conv = Number(c);
      if (!r || conv < convCount - k) continue;
      const below = (this.ratios.get(conv) ?? []).filter((x) => x <= r + 1e-9);
      if (below.length) weights[c] = below[below.length - 1];
    }
    return { nBias: k, weights, head: s.head, momentum: s.momentum };
  }
}
