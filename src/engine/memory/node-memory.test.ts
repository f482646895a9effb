import { describe, expect, it } from 'vitest';
import { buildGraph } from '../models/build.ts';
import { zooArch } from '../models/zoo.ts';
import { compileTraining } from '../program/compile.ts';
import { builtinScheme } from '../train/builtin-schemes.ts';
import { nodeMemory } from './node-memory.ts';

describe('node memory', () => {
  const graph = buildGraph(zooArch('mcunet-5fps'), { resolution: 64, classes: 10 });
  const program = compileTraining(graph, builtinScheme('mcunet-5fps@99kb', 42)!);
  const m = nodeMemory(program);
  it('charges every trained parameter to its node', () => {
    const trained = Object.values(m).reduce((a, x) => a + x.trained, 0);
    expect(trained).toBe(program.trainable.reduce((a, t) => a + t.bytes + (t.optimizer ? t.elements * 4 : 0), 0));
    expect(m.conv21.trained).toBe(program.trainable.filter((t) => t.node === 'conv21').reduce((a, t) => a + t.bytes, 0));
    expect(m.conv0?.trained ?? 0).toBe(0);
  });
  it('counts each written arena buffer once, by category', () => {
    const written = Object.values(m).reduce((a, x) => a + Object.values(x.written).reduce((b, y) => b + y, 0), 0);
    const owned = Object.values(program.tensors).filter((t) => !t.aliasOf && !t.external && program.kernels.some((k) => k.outputs.includes(t.name)));
    expect(written).toBe(owned.reduce((a, t) => a + t.bytes, 0));
    for (const x of Object.values(m)) expect(x.total).toBe(x.trained + Object.values(x.written).reduce((a, b) => a + b, 0));
  });
});
