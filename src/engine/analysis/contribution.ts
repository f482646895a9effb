/**
 * Contribution analysis (the paper's Sec. 3.2), the pure part: which fine-tuning jobs measure the
 * gains, how the finished jobs become the measurements the search works in (gains.ts), how long the
 * jobs will take, and the cache key under which their results are kept. The jobs run in analysis-job.ts.
 *
 * Jobs: the baseline trains the head only (k = 0); a bias job trains the biases of the last k convs
 * (and the head); a weight job trains the biases of the last `weightBaseK` convs plus one conv's
 * weight at a ratio. Gains are accuracy points over the baseline (bias) or over the bias base (weight).
 * Every job runs once per training seed (the split stays the same), so each gain comes with its
 * spread. A final job (final.ts) trains a whole finalist scheme and is scored on the held-out test split.
 */
import { InputError } from '../input-error.ts';
import { backboneConvs, type Graph } from '../ir/graph.ts';
import { weightChannels, type Scheme } from '../train/scheme.ts';
import type { Measurements, PerSeed } from './gains.ts';

export interface AnalysisSettings {
  /** Images each job fine-tunes on. */
  trainImages: number;
  /** Images the gains are measured on. */
  valImages: number;
  /** Held-out images only the final comparison is scored on (never seen by the gains or the search). */
  testImages: number;
  /** Training runs per measurement (seeds seed, seed + 1, ...): the spread of every gain comes from them. */
  seeds: number;
  /** How many of the search's best schemes are trained whole and compared on the test images (beside the baselines). */
  finalists: number;
  /**
   * At most this many baselines in that comparison: the best by estimate, then those the estimate
   * cannot rank below it (within its spread, or trained on unmeasured parts); final.ts.
   */
  baselines: number;
  epochs: number;
  lr: { weight: number; bias: number; head: number };
  resolution: number;
  /** Seeds the split, and is the first training seed. */
  seed: number;
  /** k values of the bias sweep (biases of the last k convs); values above the model's conv count are dropped. */
  biasKs: number[];
  /** Convs whose weight gains are measured: 'all' convs within the last weightBaseK, or a subset of those. */
  convs: number[] | 'all';
  /** Subset of 1/8, 1/4, 1/2, 1. */
  ratios: number[];
  /** The bias k the weight jobs are measured on top of (clamped to the model's conv count). */
  weightBaseK: number;
}

/**
 * Sized for the default project (the demo model, 24 convs at 32x32, on the 1,000 demo images): 9 bias
 * points and 12 convs x 4 ratios, 58 measurements, each run for 3 seeds (174 jobs); 500 training,
 * 250 validation and 250 held-out test images; 2 epochs. bench/analysis.ts measures its wall time and
 * the noise. The rate is the demo's default run's (src/engine/train/demo-run.ts).
 */
export const DEFAULT_ANALYSIS_SETTINGS: AnalysisSettings = {
  trainImages: 500, valImages: 250, testImages: 250, seeds: 3, finalists: 3, baselines: 3, epochs: 2, lr: { weight: 0.01, bias: 0.01, head: 0.01 }, resolution: 32, seed: 1,
  biasKs: [2, 4, 6, 8, 10, 12, 16, 20, 24], convs: 'all', ratios: [1 / 8, 1 / 4, 1 / 2, 1], weightBaseK: 12,
};

export interface AnalysisJobSpec {
  /** Stable: "baseline@1", "bias:8@2", "weight:20:0.25@1", "final:<scheme digest>@3" (@ the training seed). */
  id: string;
  kind: 'baseline' | 'bias' | 'weight' | 'final';
  /** Biases of the last k convs are trained. */
  k: number;
  conv?: number;
  ratio?: number;
  /** Training seed (image order and rounding). */
  seed: number;
  scheme: Scheme;
  /** For a final job: the finalist's name ("searched #1", "last-12"). */
  label?: string;
}

export interface AnalysisJobResult {
  id: string;
  status: 'completed' | 'failed' | 'cancelled';
  /** Validation accuracy (0..1) after fine-tuning; null unless completed. */
  valAccuracy: number | null;
  /** Held-out test accuracy (0..1), for a final job. */
  testAccuracy?: number | null;
  seconds: number;
  /** CPU seconds of the worker's thread for the job, where the host can tell (Node on Linux). */
  cpuSeconds?: number;
  message?: string;
}

const ANALYSIS_RATIOS = [1 / 8, 1 / 4, 1 / 2, 1];

export class AnalysisSettingsError extends InputError {
  override name = 'AnalysisSettingsError';
}

/** Refuses settings that cannot give a measurement, naming the field. */
export function checkAnalysisSettings(s: AnalysisSettings): void {
  const whole = (field: string, v: number, min: number, max = Infinity) => {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new AnalysisSettingsError(`${field} must be a whole number ${max < Infinity ? `from ${min} to ${max}` : `of at least ${min}`}, got ${v}`);
    }
  };
  whole('trainImages', s.trainImages, 1);
  whole('valImages', s.valImages, 1);
  whole('testImages', s.testImages, 0);
  // Spread needs two runs; beyond ten the analysis costs more than it tells.
  whole('seeds', s.seeds, 1, 10);
  whole('finalists', s.finalists, 0, 10);
  // The best baseline is always compared.
  whole('baselines', s.baselines, 1, 10);
  whole('resolution', s.resolution, 8);
  whole('weightBaseK', s.weightBaseK, 0);
  if (!(s.epochs > 0)) throw new AnalysisSettingsError(`epochs must be positive, got ${s.epochs}`);
  for (const [k, v] of Object.entries(s.lr)) if (!(v >= 0 && Number.isFinite(v))) throw new AnalysisSettingsError(`lr.${k} must be a number of at least 0, got ${v}`);
  for (const k of s.biasKs) whole('every biasKs value', k, 1);
  for (const r of s.ratios) {
    if (!ANALYSIS_RATIOS.some((q) => Math.abs(q - r) < 1e-9)) throw new AnalysisSettingsError(`ratio ${r} is not one of 1/8, 1/4, 1/2, 1`);
  }
  if (s.convs !== 'all') for (const c of s.convs) whole('every convs value', c, 0);
}

/** The training seeds of the settings: seed, seed + 1, ... */
export const trainingSeeds = (s: AnalysisSettings) => Array.from({ length: s.seeds }, (_, i) => s.seed + i);

const scheme = (nBias: number, weights: Record<string, number> = {}): Scheme => ({ nBias, weights, head: 'float32', momentum: false });

/**
 * The jobs the settings ask for on this graph: for each training seed in turn (so a first complete
 * pass comes early), the baseline, the bias sweep, then the weights.
 */
export function planAnalysis(graph: Graph, s: AnalysisSettings): AnalysisJobSpec[] {
  checkAnalysisSettings(s);
  const convs = backboneConvs(graph);
  const n = convs.length;
  const one: Omit<AnalysisJobSpec, 'seed'>[] = [{ id: 'baseline', kind: 'baseline', k: 0, scheme: scheme(0) }];
  const base = Math.min(s.weightBaseK, n);
  const ks = [...new Set([...s.biasKs.filter((k) => k <= n), ...(base > 0 ? [base] : [])])].sort((a, b) => a - b);
  for (const k of ks) one.push({ id: `bias:${k}`, kind: 'bias', k, scheme: scheme(k) });
  const inBase = convs.filter((c) => c.attrs.convIndex! >= n - base);
  if (s.convs !== 'all') {
    const outside = s.convs.filter((c) => !inBase.some((b) => b.attrs.convIndex === c));
    if (outside.length) {
      throw new AnalysisSettingsError(`conv ${outside.join(', ')} is outside the last ${base} convs (${n - base} to ${n - 1}) the weight jobs train the biases of; raise weightBaseK or drop it`);
    }
  }
  const chosen = s.convs === 'all' ? inBase : inBase.filter((c) => (s.convs as number[]).includes(c.attrs.convIndex!));
  const ratios = [...s.ratios].sort((a, b) => a - b);
  for (const c of chosen) {
    const i = c.attrs.convIndex!;
    const total = weightChannels(c, graph);
    for (const r of ratios) {
      // A ratio that trains no channel of this conv would measure the bias base again.
      if (Math.floor(total * r) === 0) continue;
      one.push({ id: `weight:${i}:${r}`, kind: 'weight', k: base, conv: i, ratio: r, scheme: scheme(base, { [i]: r }) });
    }
  }
  return trainingSeeds(s).flatMap((seed) => one.map((j) => ({ ...j, id: `${j.id}@${seed}`, seed })));
}

/**
 * What the finished jobs measured: per seed, each bias gain over that seed's baseline and each
 * weight gain over that seed's bias-base run, in accuracy points. An entry is present when at least
 * one seed measured it; unmeasured seeds are null. Final jobs are not measurements of the space.
 */
export function measure(jobs: AnalysisJobSpec[], results: AnalysisJobResult[]): Measurements {
  const acc = new Map<string, number>();
  for (const r of results) if (r.status === 'completed' && r.valAccuracy !== null) acc.set(r.id, r.valAccuracy);
  const measured = jobs.filter((j) => j.kind !== 'final');
  const seeds = [...new Set(measured.map((j) => j.seed))].sort((a, b) => a - b);
  const at = (id: string, seed: number) => acc.get(`${id}@${seed}`) ?? null;
  const gain = (a: number | null, b: number | null) => (a === null || b === null ? null : (a - b) * 100);
  const any = (v: PerSeed) => v.some((x) => x !== null);
  const weightBaseK = measured.find((j) => j.kind === 'weight')?.k ?? 0;
  const m: Measurements = { seeds, baseline: seeds.map((s) => at('baseline', s)), bias: {}, weightBaseK, weight: {} };
  for (const j of measured) {
    if (j.seed !== seeds[0]) continue;
    if (j.kind === 'bias') {
      const v = seeds.map((s) => gain(at(`bias:${j.k}`, s), at('baseline', s)));
      if (any(v)) m.bias[j.k] = v;
    }
    if (j.kind === 'weight') {
      const v = seeds.map((s) => gain(at(`weight:${j.conv}:${j.ratio}`, s), j.k ? at(`bias:${j.k}`, s) : at('baseline', s)));
      if (any(v)) (m.weight[j.conv!] ??= {})[j.ratio!] = v;
    }
  }
  return m;
}

/**
 * Relative cost of one job, in training images of a network trained end to end: the forward of the
 * frozen front is cached, so a job costs about the part it trains (backward) plus what follows its
 * first trained layer (forward); validation is a forward pass.
 */
export function jobCost(job: AnalysisJobSpec, s: AnalysisSettings, convCount: number): number {
  const depth = convCount > 0 ? Math.min(1, job.k / convCount) : 1;
  const perImage = 0.15 + 0.85 * depth;
  const scored = s.valImages + (job.kind === 'final' ? s.testImages : 0);
  return s.epochs * s.trainImages * perImage + (scored * perImage) / 3;
}

/**
 * Seconds the jobs will take with `workers` workers, given the measured training speed (images per
 * second of a job that trains the whole network). Jobs are spread longest first, as the pool does
 * with a queue in plan order; every worker also computes the frozen fronts once.
 */
export function estimateAnalysisSeconds(jobs: AnalysisJobSpec[], s: AnalysisSettings, stepsPerSecond: number, workers: number): number {
  if (!(stepsPerSecond > 0) || jobs.length === 0) return 0;
  const n = Math.max(1, ...jobs.map((j) => j.k));
  const lanes = new Array<number>(Math.max(1, Math.min(workers, jobs.length))).fill(0);
  for (const c of jobs.map((j) => jobCost(j, s, n)).sort((a, b) => b - a)) {
    const i = lanes.indexOf(Math.min(...lanes));
    lanes[i] += c;
  }
  const front = (s.trainImages + s.valImages + (jobs.some((j) => j.kind === 'final') ? s.testImages : 0)) / 3;
  return (Math.max(...lanes) + front) / stepsPerSecond;
}

/** JSON with object keys sorted, so equal settings give equal text. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Cache key: model digest, dataset digest, and the settings that change what a job measures. Not the
 * number of seeds, finalists or baselines: a job's id carries its seed and a final job's its scheme, so raising
 * either reuses every run already made. v2: results per seed with a test split (v1's single-seed
 * results, measured on a split without held-out images, are never mixed in).
 */
export function analysisCacheKey(modelDigest: string, dataDigest: string, s: AnalysisSettings): string {
  const { seeds: _seeds, finalists: _finalists, baselines: _baselines, ...measured } = s;
  void _seeds;
  void _finalists;
  void _baselines;
  return `analysis/v2/${modelDigest}/${dataDigest}/${digestBytes(new TextEncoder().encode(stableJson(measured)))}`;
}

/**
 * FNV-1a 64 as 16 hex digits. The 64-bit product is done in two 32-bit halves (the prime is
 * 2^40 + 0x1b3), so it stays exact in doubles and is fast enough for a model or dataset file.
 */
export function digestBytes(b: Uint8Array): string {
  let hi = 0xcbf29ce4, lo = 0x84222325;
  for (let i = 0; i < b.length; i++) {
    const x = (lo ^ b[i]) >>> 0;
    const low = x * 0x1b3;
    lo = low >>> 0;
    hi = (Math.imul(hi, 0x1b3) + ((x << 8) >>> 0) + Math.floor(low / 0x100000000)) >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
