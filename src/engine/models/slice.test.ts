import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../ir/graph.ts';
import { compileTraining } from '../program/compile.ts';
import { runForward } from '../runtime/reference.ts';
import { ArenaExecutor } from '../runtime/executor.ts';
import { builtinScheme } from '../train/builtin-schemes.ts';
import { buildGraph } from './build.ts';
import { cutPoints, suffixGraph } from './slice.ts';
import { syntheticParams } from './synthetic.ts';
import { zooArch } from './zoo.ts';

const g = buildGraph(zooArch('mcunet-5fps'), { resolution: 48, classes: 10 });
const params = syntheticParams(g, 3);
const image = new Int8Array(3 * 48 * 48).map((_, i) => ((i * 31) % 251) - 125);

describe('graph suffixes', () => {
  it('cuts only where one activation carries everything forward', () => {
    const cuts = cutPoints(g);
    expect(cuts).toContain('conv2.out'); // block 0 output
    expect(cuts).toContain('block2.out'); // a residual block's output
    expect(cuts).not.toContain('conv6.out'); // inside block 2, its input is still needed by the add
    expect(() => suffixGraph(g, 'conv6.out')).toThrow(/not a tensor the graph can be cut at/);
  });

  it('gives the same logits from a cached activation as the whole graph', () => {
    const full = runForward({ graph: g, params, source: '' }, image, 3);
    const s = suffixGraph(g, 'block6.out', params);
    const part = runForward({ graph: s.graph, params: s.params, source: '' }, full['block6.out'] as Int8Array, 3);
    expect(Array.from(part[g.logits])).toEqual(Array.from(full[g.logits]));
    expect(Object.keys(s.params).every((k) => !k.startsWith('conv0.'))).toBe(true);
  });

  it('trains the suffix exactly as the whole graph trains those layers', () => {
    const scheme = builtinScheme('mcunet-5fps@99kb', backboneConvs(g).length)!; // first trained conv 20
    const whole = new ArenaExecutor(compileTraining(g, scheme), { ...params, ...cloneTrained(params) });
    const s = suffixGraph(g, 'conv17.out', params);
    s.graph.name = g.name;
    const suffixParams = cloneTrained(s.params);
    const part = new ArenaExecutor(compileTraining(s.graph, scheme), { ...s.params, ...suffixParams });
    const cached = runForward({ graph: g, params, source: '' }, image, 3)['conv17.out'] as Int8Array;
    const a = whole.step(image, 3), b = part.step(cached, 3);
    expect(b.loss).toBe(a.loss);
    expect(Array.from(part.params['conv21.weight'])).toEqual(Array.from(whole.params['conv21.weight']));
  });
});

function cloneTrained(p: Record<string, Int8Array | Int32Array | Float32Array | Uint8Array>) {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.slice()]));
}
