import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../ir/graph.ts';
import { buildGraph } from '../models/build.ts';
import { zooArch } from '../models/zoo.ts';
import { resolveScheme } from '../train/scheme.ts';
import {
  analysisCacheKey, DEFAULT_ANALYSIS_SETTINGS, digestBytes, estimateAnalysisSeconds, measure, planAnalysis, type AnalysisJobResult,
} from './contribution.ts';

const graph = buildGraph(zooArch('mcunet-5fps'), { resolution: 64, classes: 10 });
const n = backboneConvs(graph).length;
const ok = (id: string, acc: number): AnalysisJobResult => ({ id, status: 'completed', valAccuracy: acc, seconds: 1 });

describe('contribution analysis plan', () => {
  it('plans the baseline, the bias sweep and one weight job per conv and ratio within the bias base, for each seed', () => {
    const s = { ...DEFAULT_ANALYSIS_SETTINGS, biasKs: [4, 8, 100], weightBaseK: 6, ratios: [0.25, 1], seed: 5, seeds: 2 };
    const jobs = planAnalysis(graph, s);
    expect(jobs.slice(0, 4).map((j) => j.id)).toEqual(['baseline@5', 'bias:4@5', 'bias:6@5', 'bias:8@5']);
    // One pass per training seed, the first complete before the second starts.
    const half = jobs.length / 2;
    expect(jobs.slice(0, half).every((j) => j.seed === 5) && jobs.slice(half).every((j) => j.seed === 6)).toBe(true);
    expect(jobs.slice(half).map((j) => j.id)).toEqual(jobs.slice(0, half).map((j) => j.id.replace('@5', '@6')));
    const weights = jobs.slice(0, half).filter((j) => j.kind === 'weight');
    expect(weights.map((j) => j.conv)).toEqual([...new Set(weights.map((j) => j.conv))].flatMap((c) => [c, c]));
    expect(new Set(weights.map((j) => j.conv))).toEqual(new Set(Array.from({ length: 6 }, (_, i) => n - 6 + i)));
    expect(weights[0].id).toBe(`weight:${n - 6}:0.25@5`);
    // Every scheme is valid on the graph: the weight conv lies within the trained biases.
    for (const j of jobs) expect(() => resolveScheme(j.scheme, graph)).not.toThrow();
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
  });

  it('refuses a conv outside the bias base and a ratio that is not one of the four', () => {
    expect(() => planAnalysis(graph, { ...DEFAULT_ANALYSIS_SETTINGS, weightBaseK: 4, convs: [n - 8] })).toThrow(/conv \d+ is outside the last 4 convs/);
    expect(() => planAnalysis(graph, { ...DEFAULT_ANALYSIS_SETTINGS, ratios: [0.3] })).toThrow(/ratio 0.3 is not one of/);
    expect(() => planAnalysis(graph, { ...DEFAULT_ANALYSIS_SETTINGS, valImages: 0 })).toThrow(/valImages must be a whole number of at least 1/);
    expect(() => planAnalysis(graph, { ...DEFAULT_ANALYSIS_SETTINGS, seeds: 0 })).toThrow(/seeds must be a whole number from 1 to 10, got 0/);
    expect(() => planAnalysis(graph, { ...DEFAULT_ANALYSIS_SETTINGS, finalists: 1.5 })).toThrow(/finalists must be a whole number from 0 to 10/);
    // The best baseline is always compared.
    expect(() => planAnalysis(graph, { ...DEFAULT_ANALYSIS_SETTINGS, baselines: 0 })).toThrow(/baselines must be a whole number from 1 to 10, got 0/);
  });

  it('turns finished jobs into gains per seed over that seed\'s baseline and bias base; missing ones are null or absent', () => {
    const s = { ...DEFAULT_ANALYSIS_SETTINGS, biasKs: [2, 4], weightBaseK: 4, ratios: [0.5], seeds: 2 };
    const jobs = planAnalysis(graph, s);
    const m = measure(jobs, [ok('baseline@1', 0.5), ok('bias:2@1', 0.55), ok('bias:4@1', 0.6), ok(`weight:${n - 1}:0.5@1`, 0.7),
      ok('baseline@2', 0.4), ok('bias:4@2', 0.6), ok(`weight:${n - 1}:0.5@2`, 0.65),
      { id: `weight:${n - 2}:0.5@1`, status: 'failed', valAccuracy: null, seconds: 0 }]);
    expect(m.seeds).toEqual([1, 2]);
    expect(m.baseline).toEqual([0.5, 0.4]);
    expect(m.weightBaseK).toBe(4);
    expect(m.bias[2][0]).toBeCloseTo(5);
    expect(m.bias[2][1]).toBeNull();
    expect(m.bias[4][0]).toBeCloseTo(10);
    expect(m.bias[4][1]).toBeCloseTo(20);
    expect(m.weight[n - 1][0.5][0]).toBeCloseTo(10);
    expect(m.weight[n - 1][0.5][1]).toBeCloseTo(5);
    expect(m.weight[n - 2]).toBeUndefined();
    // Without a baseline nothing has a gain.
    expect(measure(jobs, [ok('bias:2@1', 0.5)]).bias).toEqual({});
  });

  it('estimates time from speed and workers', () => {
    const jobs = planAnalysis(graph, DEFAULT_ANALYSIS_SETTINGS);
    const one = estimateAnalysisSeconds(jobs, DEFAULT_ANALYSIS_SETTINGS, 50, 1);
    const two = estimateAnalysisSeconds(jobs, DEFAULT_ANALYSIS_SETTINGS, 50, 2);
    expect(one).toBeGreaterThan(0);
    expect(two).toBeLessThan(one * 0.6);
    expect(estimateAnalysisSeconds(jobs, DEFAULT_ANALYSIS_SETTINGS, 100, 1)).toBeCloseTo(one / 2);
  });

  it('digests bytes with FNV-1a 64 and keys the cache by model, data and settings', () => {
    expect(digestBytes(new Uint8Array())).toBe('cbf29ce484222325');
    expect(digestBytes(new TextEncoder().encode('a'))).toBe('af63dc4c8601ec8c');
    expect(digestBytes(new TextEncoder().encode('foobar'))).toBe('85944171f73967e8');
    const a = analysisCacheKey('m', 'd', DEFAULT_ANALYSIS_SETTINGS);
    const reordered = Object.fromEntries(Object.entries(DEFAULT_ANALYSIS_SETTINGS).reverse()) as typeof DEFAULT_ANALYSIS_SETTINGS;
    expect(analysisCacheKey('m', 'd', reordered)).toBe(a);
    expect(analysisCacheKey('m', 'd', { ...DEFAULT_ANALYSIS_SETTINGS, epochs: DEFAULT_ANALYSIS_SETTINGS.epochs + 1 })).not.toBe(a);
    expect(analysisCacheKey('m2', 'd', DEFAULT_ANALYSIS_SETTINGS)).not.toBe(a);
    // A run's id carries its seed and a final run's its scheme: more seeds, finalists or baselines reuse every run made.
    expect(analysisCacheKey('m', 'd', { ...DEFAULT_ANALYSIS_SETTINGS, seeds: 5, finalists: 1, baselines: 5 })).toBe(a);
    expect(analysisCacheKey('m', 'd', { ...DEFAULT_ANALYSIS_SETTINGS, testImages: 100 })).not.toBe(a);
    // Single-seed results of the first format are never read as these.
    expect(a).toMatch(/^analysis\/v2\//);
  });
});
