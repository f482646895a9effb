import { describe, expect, it } from 'vitest';
import { encodeDemoDataset, loadDemoDataset } from '../data/demo-dataset.ts';
import { buildGraph } from './build.ts';
import { syntheticParams } from './synthetic.ts';
import { encodeWeights, modelFromWeights, withArch } from './weights-file.ts';
import { zooArch } from './zoo.ts';

describe('.ttw weights file and the demo dataset format', () => {
  it('round-trips a model: same graph quantization and parameters; another class count gets a zero head', () => {
    const arch = zooArch('mbv2-w0.35');
    const g = withArch(buildGraph(arch, { resolution: 48, classes: 10 }), arch);
    const params = syntheticParams(g, 3);
    const bytes = encodeWeights(g, params, { source: 'test' });
    const m = modelFromWeights(bytes, { resolution: 48 });
    for (const [k, v] of Object.entries(params)) expect(Array.from(m.params[k]), k).toEqual(Array.from(v));
    for (const [k, t] of Object.entries(g.tensors)) expect(m.graph.tensors[k].q, k).toEqual(t.q);
    const five = modelFromWeights(bytes, { resolution: 64, classes: 5 });
    expect(five.graph.tensors[five.graph.logits].shape[0]).toBe(5);
    expect(Array.from(five.params['classifier.weight']).every((v) => v === 0)).toBe(true);
    expect(() => modelFromWeights(new Uint8Array(16), { fileName: 'x.ttw' })).toThrow(/x.ttw is not a TinyTrain weights file/);
  });

  it('round-trips the demo dataset and refuses a truncated file', () => {
    const px = Uint8Array.from({ length: 3 * 4 }, (_, i) => i * 10);
    const bytes = encodeDemoDataset(px, Uint8Array.of(0, 1, 1), 2, 2, ['a', 'b']);
    const d = loadDemoDataset(bytes);
    expect(d.count).toBe(3);
    expect(d.classNames).toEqual(['a', 'b']);
    expect(Array.from(d.image(2).data)).toEqual([80, 90, 100, 110]);
    expect(d.label(1)).toBe(1);
    expect(() => loadDemoDataset(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
  });
});
