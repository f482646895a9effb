import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../ir/graph.ts';
import { buildGraph } from '../models/build.ts';
import { zooArch } from '../models/zoo.ts';
import { compileTraining } from '../program/compile.ts';
import { builtinScheme } from '../train/builtin-schemes.ts';
import { referencePoints } from './references.ts';
import { schemeGain, type GainTable } from './search.ts';

const table: GainTable = { biasGain: { 2: 1, 4: 2.5, 8: 3 }, weightGain: { 40: { 0.25: 0.5, 1: 1.5 }, 41: { 1: 2 } } };

describe('reference points', () => {
  it('draws the paper schemes and the baselines at their real planned memory and summed gains', () => {
    const graph = buildGraph(zooArch('mcunet-5fps'), { resolution: 64, classes: 10 });
    const n = backboneConvs(graph).length;
    const refs = referencePoints(graph, { table, budgetBytes: 64 * 1024, ks: [2, 4, 8, 100], head: 'float32' });
    expect(refs.filter((r) => r.kind === 'paper').map((r) => r.name)).toEqual(
      ['49kb', '74kb', '99kb', '124kb', '148kb'].map((l) => `mcunet-5fps@${l}`));
    // k beyond the model's convs is not a scheme.
    expect(refs.filter((r) => r.kind === 'baseline').map((r) => r.name)).toEqual(['bias-only', 'last-2', 'last-4', 'last-8']);
    for (const r of refs) {
      expect(r.scheme).toEqual(builtinScheme(r.name, n));
      expect(r.memory).toBe(compileTraining(graph, r.scheme).report.peakSramBytes);
      expect(r.gain).toBeCloseTo(schemeGain(table, r.scheme));
      expect(r.feasible).toBe(r.memory <= 64 * 1024);
    }
    // last-2 trains conv 40 and 41 at full weight on top of two biases: 1 + 1.5 + 2.
    expect(refs.find((r) => r.name === 'last-2')!.gain).toBeCloseTo(4.5);
  });
});
