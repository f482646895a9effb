import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../ir/graph.ts';
import { buildGraph } from '../models/build.ts';
import { zooArch } from '../models/zoo.ts';
import { compileTraining } from '../program/compile.ts';
import { mulberry32 } from '../util/random.ts';
import { biasGainAt, evolutionarySearch, randomSearch, schemeGain, type GainTable } from './search.ts';

const graph = buildGraph(zooArch('mcunet-5fps'), { resolution: 128, classes: 10 });
const n = backboneConvs(graph).length;

/** A plausible gain table: later convs help more, larger ratios help with diminishing returns. */
function table(seed: number): GainTable {
  const rand = mulberry32(seed);
  const biasGain: Record<number, number> = {};
  for (let k = 2; k <= n; k += 4) biasGain[k] = 10 * (1 - Math.exp(-k / 10));
  const weightGain: GainTable['weightGain'] = {};
  for (let i = n - 24; i < n; i++) {
    const base = rand() * 2 * (i / n);
    weightGain[i] = { 0.125: base * 0.4, 0.25: base * 0.6, 0.5: base * 0.85, 1: base };
  }
  return { biasGain, weightGain };
}

describe('scheme search', () => {
  it('interpolates bias gains and sums weight gains', () => {
    const t = table(1);
    expect(biasGainAt(t, 0)).toBe(0);
    expect(biasGainAt(t, 4)).toBeCloseTo((t.biasGain[2] + t.biasGain[6]) / 2);
    expect(schemeGain(t, { nBias: 6, weights: { 40: 1 }, head: 'float32', momentum: false })).toBeCloseTo(t.biasGain[6] + t.weightGain[40][1]!);
  });

  it('finds a scheme within the budget, by the real planner', () => {
    const budget = 160 * 1024;
    const r = evolutionarySearch(graph, table(2), { budgetBytes: budget, evaluations: 150, seed: 1 });
    expect(r.best).not.toBeNull();
    expect(r.best!.memory).toBeLessThanOrEqual(budget);
    expect(compileTraining(graph, r.best!.scheme).report.peakSramBytes).toBe(r.best!.memory);
    for (const [c] of Object.entries(r.best!.scheme.weights)) expect(Number(c)).toBeGreaterThanOrEqual(n - r.best!.scheme.nBias);
    // Scored by gain, compiled only to compete: fewer compiles than schemes; the front's memory is the planner's.
    expect(r.compiles).toBeLessThan(r.evaluations);
    for (const c of r.front.slice(0, 3)) expect(compileTraining(graph, c.scheme).report.peakSramBytes).toBe(c.memory);
    // The front is sorted by memory with strictly rising gain.
    for (let i = 1; i < r.front.length; i++) {
      expect(r.front[i].memory).toBeGreaterThan(r.front[i - 1].memory);
      expect(r.front[i].gain).toBeGreaterThan(r.front[i - 1].gain);
    }
  });

  it('evolutionary search beats random search at equal evaluations, averaged over seeds', () => {
    let evo = 0, rnd = 0;
    for (const seed of [1, 2, 3]) {
      const t = table(10 + seed);
      evo += evolutionarySearch(graph, t, { budgetBytes: 150 * 1024, evaluations: 120, seed }).best?.gain ?? 0;
      rnd += randomSearch(graph, t, { budgetBytes: 150 * 1024, evaluations: 120, seed }).best?.gain ?? 0;
    }
    expect(evo).toBeGreaterThan(rnd);
  });

  it('says so when no scheme fits', () => {
    const r = evolutionarySearch(graph, table(3), { budgetBytes: 20 * 1024, evaluations: 50 });
    expect(r.best).toBeNull();
    expect(r.message).toMatch(/no scheme fits 20.0 KB: the smallest one tried needs \d+\.\d KB/);
    // A planned figure, not the search's lower bound: no scheme needs less than the head alone.
    const need = Number(/needs (\d+\.\d) KB/.exec(r.message!)![1]) * 1024;
    const headOnly = compileTraining(graph, { nBias: 0, weights: {}, head: 'float32', momentum: false }).report.peakSramBytes;
    expect(need).toBeGreaterThanOrEqual(headOnly - 52);
  });
});
