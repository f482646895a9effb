import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../ir/graph.ts';
import { buildGraph } from '../models/build.ts';
import { zooArch } from '../models/zoo.ts';
import { resolveScheme } from '../train/scheme.ts';
import {
  analysisCacheKey, DEFAULT_ANALYSIS_SETTINGS, digestBytes, estimateAnalysisSeconds, gainTable, planAnalysis, type AnalysisJobResult,
} from './contribution.ts';

const graph = buildGraph(zooArch('mcunet-5fps'), { resolution: 64, classes: 10 });
const n = backboneConvs(graph).length;
const ok = (id: string, acc: number): AnalysisJobResult => ({ id, status: 'completed', valAccuracy: acc, seconds: 1 });

describe('contribution analysis plan', () => {
  it('plans the baseline, the bias sweep and one weight job per conv and ratio within the bias base', () => {
    const s = { ...DEFAULT_ANALYSIS_SETTINGS, biasKs: [4, 8, 100], weightBaseK: 6, ratios: [0.25, 1] };
    const jobs = planAnalysis(graph, s);
    expect(jobs.slice(0, 4).map((j) => j.id)).toEqual(['baseline', 'bias:4', 'bias:6', 'bias:8']);
    const weights = jobs.filter((j) => j.kind === 'weight');
    expect(weights.map((j) => j.conv)).toEqual([...new Set(weights.map((j) => j.conv))].flatMap((c) => [c, c]));
    expect(new Set(weights.map((j) => j.conv))).toEqual(new Set(Array.from({ length: 6 }, (_, i) => n - 6 + i)));
    expect(weights[0].id).toBe(`weight:${n - 6}:0.25`);
    // Every scheme is valid on the graph: the weight conv lies within the trained biases.
    for (const j of jobs) expect(() => resolveScheme(j.scheme, graph)).not.toThrow();
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
  });

  it('refuses a conv outside the bias base and a ratio that is not one of the four', () => {
    expect(() => planAnalysis(graph, { ...DEFAULT_ANALYSIS_SETTINGS, weightBaseK: 4, convs: [n - 8] })).toThrow(/conv \d+ is outside the last 4 convs/);
    expect(() => planAnalysis(graph, { ...DEFAULT_ANALYSIS_SETTINGS, ratios: [0.3] })).toThrow(/ratio 0.3 is not one of/);
    expect(() => planAnalysis(graph, { ...DEFAULT_ANALYSIS_SETTINGS, valImages: 0 })).toThrow(/valImages must be a whole number of at least 1/);
  });

  it('turns finished jobs into gains over the baseline and over the bias base; missing ones are absent', () => {
    const s = { ...DEFAULT_ANALYSIS_SETTINGS, biasKs: [2, 4], weightBaseK: 4, ratios: [0.5] };
    const jobs = planAnalysis(graph, s);
    const t = gainTable(jobs, [ok('baseline', 0.5), ok('bias:2', 0.55), ok('bias:4', 0.6), ok(`weight:${n - 1}:0.5`, 0.7),
      { id: `weight:${n - 2}:0.5`, status: 'failed', valAccuracy: null, seconds: 0 }]);
    expect(t.baseline).toBe(0.5);
    expect(t.biasGain[2]).toBeCloseTo(5);
    expect(t.biasGain[4]).toBeCloseTo(10);
    expect(t.weightGain[n - 1][0.5]).toBeCloseTo(10);
    expect(t.weightGain[n - 2]).toBeUndefined();
    expect(gainTable(jobs, [ok('bias:2', 0.5)]).biasGain).toEqual({});
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
  });
});
