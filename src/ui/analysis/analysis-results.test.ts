import { describe, expect, it } from 'vitest';
import { DEFAULT_ANALYSIS_SETTINGS, estimateAnalysisSeconds, jobCost, planAnalysis, type AnalysisJobResult } from '../../engine/analysis/contribution.ts';
import { buildGraph } from '../../engine/models/build.ts';
import { zooArch } from '../../engine/models/zoo.ts';
import { formatDuration, formatGain, ratioLabel, schemeSummary } from './analysis-format.ts';
import { speedFromResults } from './analysis-speed.ts';
import { keptResults } from './analysis-store.ts';

const done = (id: string, seconds: number, status: AnalysisJobResult['status'] = 'completed'): AnalysisJobResult =>
  ({ id, status, valAccuracy: status === 'completed' ? 0.5 : null, seconds });

describe('analysis results in the tab', () => {
  it('keeps finished results only, the latest per job', () => {
    const kept = keptResults([done('a', 1, 'failed'), done('b', 1, 'cancelled'), done('a', 2), done('c', 3)]);
    expect(kept).toEqual([done('a', 2), done('c', 3)]);
  });

  it('measures the speed so that the estimate of a finished run on one worker is its own time', () => {
    const graph = buildGraph(zooArch('mcunet-5fps'), { resolution: 64, classes: 10 });
    const s = { ...DEFAULT_ANALYSIS_SETTINGS, biasKs: [2, 8], convs: [40, 41], ratios: [1], weightBaseK: 8 };
    const jobs = planAnalysis(graph, s);
    const n = Math.max(...jobs.map((j) => j.k));
    // Seconds proportional to each job's cost: 0.01 s per unit.
    const results = jobs.map((j) => done(j.id, jobCost(j, s, n) / 100));
    const speed = speedFromResults(jobs, [...results, done('elsewhere', 5)], s)!;
    expect(speed).toBeCloseTo(100);
    const front = (s.trainImages + s.valImages) / 3 / speed;
    expect(estimateAnalysisSeconds(jobs, s, speed, 1) - front).toBeCloseTo(results.reduce((t, r) => t + r.seconds, 0));
    expect(speedFromResults(jobs, [done('baseline', 0), done('bias:2', 3, 'failed')], s)).toBeNull();
  });

  it('writes ratios, durations, gains and schemes for people', () => {
    expect([1 / 8, 1 / 4, 1 / 2, 1].map(ratioLabel)).toEqual(['1/8', '1/4', '1/2', '1']);
    expect([0.4, 42, 150, 4000].map(formatDuration)).toEqual(['0 s', '42 s', '2 min 30 s', '1 h 7 min']);
    expect(formatDuration(NaN)).toBe('–');
    expect([1.25, -0.4, 0, -0.04].map(formatGain)).toEqual(['+1.3', '−0.4', '+0.0', '+0.0']);
    expect(schemeSummary({ nBias: 12, weights: { 22: 1, 20: 0.5, 21: 0 } })).toBe('biases of the last 12 convs; weights: 20 (1/2), 22 (1)');
    expect(schemeSummary({ nBias: 0, weights: {} })).toBe('no biases; no weights');
  });
});
