import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../ir/graph.ts';
import { summarize } from '../ir/summary.ts';
import { buildGraph } from './build.ts';
import { ZOO, zooArch } from './zoo.ts';
import { convCount } from './arch.ts';

// MODELS.md: backbone MACs and parameters (weights + biases, classifier excluded) at 128x128.
const FIGURES: Record<string, { convs: number; macs: number; params: number; features: number }> = {
  'mcunet-5fps': { convs: 42, macs: 22_453_504, params: 469_224, features: 160 },
  'mbv2-w0.35': { convs: 51, macs: 16_646_912, params: 244_448, features: 112 },
  'proxyless-w0.3': { convs: 60, macs: 18_619_904, params: 326_232, features: 96 },
};

describe('model zoo', () => {
  for (const [name, f] of Object.entries(FIGURES)) {
    it(`${name} matches MODELS.md at 128x128`, () => {
      const s = summarize(buildGraph(zooArch(name), { resolution: 128, classes: 10 }));
      expect(s.convs).toBe(f.convs);
      expect(convCount(ZOO[name])).toBe(f.convs);
      expect(s.backboneMacs).toBe(f.macs);
      expect(s.backboneParams).toBe(f.params);
      expect(s.classifierParams).toBe(f.features * 10 + 10);
    });
  }

  it('numbers convs as the paper does and keeps spatial sizes of MODELS.md', () => {
    const g = buildGraph(zooArch('mcunet-5fps'));
    const convs = backboneConvs(g);
    expect(convs.map((c) => c.attrs.convIndex)).toEqual([...Array(42).keys()]);
    const c10 = convs[10];
    expect(c10.attrs).toMatchObject({ role: 'dw', block: 3, kernel: 7, stride: 2 });
    expect(g.tensors[c10.inputs[0]].shape).toEqual([48, 32, 32]);
    expect(g.tensors[c10.outputs[0]].shape).toEqual([48, 16, 16]);
    expect(g.tensors[convs[41].outputs[0]].shape).toEqual([160, 4, 4]);
    expect(g.nodes.filter((n) => n.op === 'add').map((n) => n.name)).toEqual(
      [2, 4, 6, 8, 9, 11, 12].map((b) => `block${b}.add`));
  });

  it('builds any resolution and class count', () => {
    const g = buildGraph(zooArch('proxyless-w0.3'), { resolution: 96, classes: 37, head: 'int8' });
    expect(g.tensors[g.logits].shape).toEqual([37, 1, 1]);
    expect(g.tensors['conv0.out'].shape).toEqual([16, 48, 48]);
    expect(() => buildGraph(zooArch('mcunet-5fps'), { resolution: 4 })).toThrow(/^resolution is 4, outside the allowed 8 to 1,024$/);
    expect(() => zooArch('constructor')).toThrow(/^unknown model "constructor": the zoo has mcunet-5fps, mbv2-w0.35, proxyless-w0.3$/);
    expect(() => zooArch('__proto__')).toThrow(/^unknown model/);
  });
});
