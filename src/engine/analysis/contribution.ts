/**
 * Contribution analysis (the paper's Sec. 3.2), the pure part: which fine-tuning jobs measure the
 * gains, how the finished jobs become a gain table for the search, how long the jobs will take, and
 * the cache key under which their results are kept. The jobs themselves run in analysis-job.ts.
 *
 * Jobs: the baseline trains the head only (k = 0); a bias job trains the biases of the last k convs
 * (and the head); a weight job trains the biases of the last `weightBaseK` convs plus one conv's
 * weight at a ratio. Gains are accuracy points over the baseline (bias) or over the bias base (weight).
 */
import { backboneConvs, type Graph } from '../ir/graph.ts';
import { weightChannels, type Scheme } from '../train/scheme.ts';
import type { GainTable } from './search.ts';

export interface AnalysisSettings {
  trainImages: number;
  valImages: number;
  epochs: number;
  lr: { weight: number; bias: number; head: number };
  resolution: number;
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
 * points and 12 convs x 4 ratios, 58 jobs, 600 train and 400 validation images (a gain's standard
 * error is about 2.5 points at 400), 2 epochs, well inside 10 minutes on 2 cores (bench/analysis.ts
 * measures it). The rate is the demo's default run's (src/engine/train/demo-run.ts).
 */
export const DEFAULT_ANALYSIS_SETTINGS: AnalysisSettings = {
  trainImages: 600, valImages: 400, epochs: 2, lr: { weight: 0.01, bias: 0.01, head: 0.01 }, resolution: 32, seed: 1,
  biasKs: [2, 4, 6, 8, 10, 12, 16, 20, 24], convs: 'all', ratios: [1 / 8, 1 / 4, 1 / 2, 1], weightBaseK: 12,
};

export interface AnalysisJobSpec {
  /** Stable: "baseline", "bias:8", "weight:20:0.25". */
  id: string;
  kind: 'baseline' | 'bias' | 'weight';
  /** Biases of the last k convs are trained. */
  k: number;
  conv?: number;
  ratio?: number;
  scheme: Scheme;
}

export interface AnalysisJobResult {
  id: string;
  status: 'completed' | 'failed' | 'cancelled';
  /** Validation accuracy (0..1) after fine-tuning; null unless completed. */
  valAccuracy: number | null;
  seconds: number;
  /** CPU seconds of the worker's thread for the job, where the host can tell (Node on Linux). */
  cpuSeconds?: number;
  message?: string;
}

const ANALYSIS_RATIOS = [1 / 8, 1 / 4, 1 / 2, 1];

export class AnalysisSettingsError extends Error {
  override name = 'AnalysisSettingsError';
}

/** Refuses settings that cannot give a measurement, naming the field. */
export function checkAnalysisSettings(s: AnalysisSettings): void {
  const whole = (field: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new AnalysisSettingsError(`${field} must be a whole number of at least ${min}, got ${v}`);
  };
  whole('trainImages', s.trainImages, 1);
  whole('valImages', s.valImages, 1);
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

const scheme = (nBias: number, weights: Record<string, number> = {}): Scheme => ({ nBias, weights, head: 'float32', momentum: false });

/** The jobs the settings ask for on this graph, baseline first, then the bias sweep, then the weights. */
export function planAnalysis(graph: Graph, s: AnalysisSettings): AnalysisJobSpec[] {
  checkAnalysisSettings(s);
  const convs = backboneConvs(graph);
  const n = convs.length;
  const jobs: AnalysisJobSpec[] = [{ id: 'baseline', kind: 'baseline', k: 0, scheme: scheme(0) }];
  const base = Math.min(s.weightBaseK, n);
  const ks = [...new Set([...s.biasKs.filter((k) => k <= n), ...(base > 0 ? [base] : [])])].sort((a, b) => a - b);
  for (const k of ks) jobs.push({ id: `bias:${k}`, kind: 'bias', k, scheme: scheme(k) });
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
      jobs.push({ id: `weight:${i}:${r}`, kind: 'weight', k: base, conv: i, ratio: r, scheme: scheme(base, { [i]: r }) });
    }
  }
  return jobs;
}

/** Gains (accuracy points over the baseline) from the finished jobs; missing jobs simply absent. */
export function gainTable(jobs: AnalysisJobSpec[], results: AnalysisJobResult[]): GainTable & { baseline: number | null } {
  const acc = new Map<string, number>();
  for (const r of results) if (r.status === 'completed' && r.valAccuracy !== null) acc.set(r.id, r.valAccuracy);
  const baseline = acc.get('baseline') ?? null;
  const biasAcc = (k: number) => (k === 0 ? baseline ?? undefined : acc.get(`bias:${k}`));
  const table: GainTable & { baseline: number | null } = { baseline, biasGain: {}, weightGain: {} };
  for (const j of jobs) {
    const a = acc.get(j.id);
    if (a === undefined) continue;
    if (j.kind === 'bias' && baseline !== null) table.biasGain[j.k] = (a - baseline) * 100;
    if (j.kind === 'weight') {
      const b = biasAcc(j.k);
      if (b === undefined) continue;
      (table.weightGain[j.conv!] ??= {})[j.ratio!] = (a - b) * 100;
    }
  }
  return table;
}

/**
 * Relative cost of one job, in training images of a network trained end to end: the forward of the
 * frozen front is cached, so a job costs about the part it trains (backward) plus what follows its
 * first trained layer (forward); validation is a forward pass.
 */
export function jobCost(job: AnalysisJobSpec, s: AnalysisSettings, convCount: number): number {
  const depth = convCount > 0 ? Math.min(1, job.k / convCount) : 1;
  const perImage = 0.15 + 0.85 * depth;
  return s.epochs * s.trainImages * perImage + (s.valImages * perImage) / 3;
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
  const front = (s.trainImages + s.valImages) / 3;
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

/** Cache key: model digest, dataset digest, settings (stable JSON). */
export function analysisCacheKey(modelDigest: string, dataDigest: string, s: AnalysisSettings): string {
  return `analysis/v1/${modelDigest}/${dataDigest}/${digestBytes(new TextEncoder().encode(stableJson(s)))}`;
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
