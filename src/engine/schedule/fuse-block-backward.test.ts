/**
 * The streamed block backward changes memory, never values: every model and scheme trains to the
 * same parameters with and without it, momentum included; and it lowers the peak where it applies.
 */
import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../ir/graph.ts';
import { buildGraph } from '../models/build.ts';
import { syntheticParams } from '../models/synthetic.ts';
import { ZOO_NAMES, zooArch } from '../models/zoo.ts';
import { compileTraining } from '../program/compile.ts';
import { ArenaExecutor } from '../runtime/executor.ts';
import { builtinScheme } from '../train/builtin-schemes.ts';

const hyper = {
  weight: { lr: 0.05, momentum: 0.9, qas: true }, bias: { lr: 0.05, momentum: 0.9, qas: true }, head: { lr: 0.01, momentum: 0.9, qas: false },
};

describe('streamed block backward', () => {
  for (const model of ZOO_NAMES) {
    it(`${model}: same parameters after three steps, for paper and baseline schemes`, () => {
      const g = buildGraph(zooArch(model), { resolution: 32, classes: 10 });
      const n = backboneConvs(g).length;
      const names = [model === 'mcunet-5fps' ? 'mcunet-5fps@99kb' : model === 'mbv2-w0.35' ? 'mbv2-w0.35@49kb' : 'proxyless-w0.3@148kb', 'full'];
      for (const name of names) {
        const scheme = { ...builtinScheme(name, n)!, momentum: true };
        const fused = compileTraining(g, scheme, { fuseBlockBackward: true });
        expect(fused.kernels.some((k) => k.op === 'block_bwd')).toBe(true);
        const a = new ArenaExecutor(compileTraining(g, scheme, { fuseBlockBackward: false }), syntheticParams(g, 2), hyper);
        const b = new ArenaExecutor(fused, syntheticParams(g, 2), hyper);
        for (let step = 0; step < 3; step++) {
          const image = new Int8Array(3 * 32 * 32).map((_, i) => ((i * (131 + step)) % 253) - 126);
          expect(b.step(image, step).loss).toBe(a.step(image, step).loss);
        }
        for (const p of Object.keys(a.params)) expect(Array.from(b.params[p]), `${name}: ${p}`).toEqual(Array.from(a.params[p]));
      }
    });
  }

  it('lowers the peak of mcunet-5fps@99kb at 128x128', () => {
    const g = buildGraph(zooArch('mcunet-5fps'), { resolution: 128, classes: 10 });
    const s = builtinScheme('mcunet-5fps@99kb', 42)!;
    const plain = compileTraining(g, s, { fuseBlockBackward: false }).report.peakSramBytes;
    const fused = compileTraining(g, s, { fuseBlockBackward: true }).report.peakSramBytes;
    expect(fused).toBeLessThan(plain - 10 * 1024);
  });
});
