import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../ir/graph.ts';
import { buildGraph } from '../models/build.ts';
import { zooArch } from '../models/zoo.ts';
import { compileTraining } from '../program/compile.ts';
import { builtinScheme } from '../train/builtin-schemes.ts';
import type { Measurements } from './gains.ts';
import { referenceSchemes } from './references.ts';
import { evolutionarySearch } from './search.ts';

// Measured: biases of the last 2, 4, 8; conv 40 at 1/4 and 1, conv 41 at 1 (two seeds).
const m: Measurements = {
  seeds: [1, 2], baseline: [0.5, 0.5], weightBaseK: 8,
  bias: { 2: [1, 1], 4: [2.5, 2.5], 8: [3, 3] }, weight: { 40: { 0.25: [0.5, 0.5], 1: [1.5, 1.5] }, 41: { 1: [2, 2] } },
};

describe('reference schemes', () => {
  it('are the paper schemes and the baselines, planned and scored in the search like the searched ones', () => {
    const graph = buildGraph(zooArch('mcunet-5fps'), { resolution: 64, classes: 10 });
    const n = backboneConvs(graph).length;
    const refs = referenceSchemes(graph, [2, 4, 8, 100], 'float32');
    expect(refs.filter((r) => r.kind === 'paper').map((r) => r.name)).toEqual(['49kb', '74kb', '99kb', '124kb', '148kb'].map((l) => `mcunet-5fps@${l}`));
    // k beyond the model's convs is not a scheme.
    expect(refs.filter((r) => r.kind === 'baseline').map((r) => r.name)).toEqual(['head-only', 'bias-only', 'last-2', 'last-4', 'last-8']);
    for (const r of refs) expect(r.scheme).toEqual(builtinScheme(r.name, n));

    const s = evolutionarySearch(graph, m, { budgetBytes: 64 * 1024, evaluations: 60, references: refs });
    for (const r of s.references) {
      expect(r.memory).toBe(compileTraining(graph, r.scheme).report.peakSramBytes);
      expect(r.feasible).toBe(r.memory <= 64 * 1024);
    }
    const at = (name: string) => s.references.find((r) => r.name === name)!;
    // last-2 trains conv 40 and 41 at full weight on top of two biases: 1 + 1.5 + 2, all measured.
    expect(at('last-2').gain).toBeCloseTo(4.5);
    expect(at('last-2').unmeasured).toEqual([]);
    expect(at('last-2').spread).toBeCloseTo(0);
    // bias-only: the biases of the last 8 carry their measured gain, the other 34 none.
    expect(at('bias-only').gain).toBeCloseTo(3);
    expect(at('bias-only').unmeasured).toEqual([`biases of the last ${n} convs beyond the measured last 8`]);
    // The paper's 99kb scheme (22 biases; convs 21, 24, 27, 30, 36, 39): only the last 8 biases were measured, none of its convs.
    expect(at('mcunet-5fps@99kb').gain).toBeCloseTo(3);
    expect(at('mcunet-5fps@99kb').unmeasured).toHaveLength(7);
    // The best is one of the measured space, and no reference beats it on both counts.
    expect(s.best!.unmeasured).toEqual([]);
    for (const r of s.references.filter((x) => x.feasible)) expect(r.gain > s.best!.gain && r.memory <= s.best!.memory).toBe(false);
  });
});
