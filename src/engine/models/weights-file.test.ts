import { describe, expect, it } from 'vitest';
import { ttwRefusal } from './ttw-refusal.ts';
import { archFromRows } from './arch.ts';
import { encodeDemoDataset, loadDemoDataset } from '../data/demo-dataset.ts';
import { buildGraph } from './build.ts';
import { syntheticParams } from './synthetic.ts';
import { encodeWeights, modelFromWeights, ttwFile, ttwSections, withArch } from './weights-file.ts';
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
    expect(() => modelFromWeights(new Uint8Array(16), { fileName: 'x.ttw' })).toThrow(/^x.ttw: not a TinyTrain weights file/);
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

/** A small model's .ttw, and the same file with its JSON header edited (the data section kept). */
function tinyTtw() {
  const arch = archFromRows('tiny', 8, [[0, 8, 3, 1], [16, 8, 3, 2], [24, 8, 3, 1, '+']]);
  const g = withArch(buildGraph(arch, { resolution: 16, classes: 4 }), arch);
  const bytes = encodeWeights(g, syntheticParams(g, 2), { source: 'test' });
  const { magic, header: parsed, data } = ttwSections(bytes);
  const header = parsed as any; // eslint-disable-line @typescript-eslint/no-explicit-any -- the tests edit any field
  const withHeader = (edit: (h: any) => void, body: Uint8Array = data) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const h = structuredClone(header);
    edit(h);
    return ttwFile(magic, h, body);
  };
  return { bytes, header, data, withHeader };
}

const refusal = (bytes: Uint8Array) => ttwRefusal(bytes, { resolution: 16 });

describe('.ttw files from outside: every field checked at open time', () => {
  const t = tinyTtw();
  interface Entry { name: string; dtype: string; length: number; offset: number }
  const tensor = (h: { tensors: Entry[] }, name: string) => h.tensors.find((e) => e.name === name)!;

  it('opens the untouched file', () => {
    expect(modelFromWeights(t.bytes, { resolution: 16 }).graph.name).toBe('tiny');
  });

  it('offsets and lengths inside the file, dtypes as declared, no missing or extra tensors', () => {
    expect(refusal(t.withHeader((h) => { tensor(h, 'conv0.weight').offset = -8; }))).toMatch(/tensors\[\d+\]\.offset is -8, outside/);
    expect(refusal(t.withHeader((h) => { tensor(h, 'conv0.weight').offset = 1e9; }))).toMatch(/offset/);
    expect(refusal(t.withHeader((h) => { tensor(h, 'conv0.weight').offset = 2; }))).toMatch(/not a multiple of 4/);
    expect(refusal(t.withHeader((h) => { tensor(h, 'conv0.weight').length = 5; }))).toMatch(/"conv0.weight" has 5 values but the architecture needs 216/);
    expect(refusal(t.withHeader((h) => { tensor(h, 'conv0.bias').dtype = 'float32'; }))).toMatch(/"conv0.bias" is float32 but the architecture needs int32/);
    expect(refusal(t.withHeader((h) => { tensor(h, 'conv0.bias').dtype = 'float64'; }))).toMatch(/dtype must be int8, int32 or float32/);
    expect(refusal(t.withHeader((h) => { h.tensors = h.tensors.filter((e: { name: string }) => e.name !== 'conv3.w_scales'); }))).toMatch(/"conv3.w_scales" is missing/);
    expect(refusal(t.withHeader((h) => { h.tensors.push({ ...tensor(h, 'conv0.bias'), name: 'conv99.bias' }); }))).toMatch(/"conv99.bias", which the architecture does not have/);
    expect(refusal(t.withHeader((h) => { tensor(h, 'conv1.weight').offset = tensor(h, 'conv0.weight').offset; }))).toMatch(/overlap/);
    expect(refusal(t.bytes.subarray(0, t.bytes.length - 3))).toMatch(/runs past the end of the file/);
    expect(refusal(t.bytes.subarray(0, 40))).toMatch(/header claims \d+ bytes but the file has only 32/);
    expect(refusal(t.withHeader((h) => { h.tensors = 5; }))).toMatch(/tensors must be a list/);
    expect(refusal(t.withHeader((h) => { delete h.quant; }))).toMatch(/quant must be an object/);
  });

  it('quantization numbers: scales finite and positive, zero points int8 integers', () => {
    for (const bad of [NaN, Infinity, 0, -0.01, 1e300, 1e-300]) {
      const body = t.data.slice();
      const off = tensor(t.header, 'conv2.w_scales').offset;
      new DataView(body.buffer).setFloat32(off + 4, bad, true);
      expect(refusal(t.withHeader(() => {}, body))).toMatch(/tensor "conv2.w_scales"\[1\] is .*; a weight scale must be a number from/);
    }
    for (const scale of [1e300, 1e-300, 0, -1, null, '0.1']) {
      expect(refusal(t.withHeader((h) => { h.quant.conv[3].scale = scale; }))).toMatch(/quant.conv\[3\]\.scale is .*an activation scale must be a number from 1e-8 to 10000/);
    }
    for (const zp of [1000, -1000, 0.5, '0']) {
      expect(refusal(t.withHeader((h) => { h.quant.input.zeroPoint = zp; }))).toMatch(/quant.input.zeroPoint/);
    }
    const head = t.data.slice();
    new DataView(head.buffer).setFloat32(tensor(t.header, 'classifier.weight').offset, NaN, true);
    expect(refusal(t.withHeader(() => {}, head))).toMatch(/tensor "classifier.weight"\[0\] is NaN/);
    expect(refusal(t.withHeader((h) => { h.quant.conv.pop(); }))).toMatch(/quant.conv must list the output quantization of the architecture's 9 convs/);
    expect(refusal(t.withHeader((h) => { h.quant.residual['7'] = h.quant.residual['2']; }))).toMatch(/quant.residual\["7"\] names no residual block/);
  });

  it('architecture bounds are checked before anything is allocated', () => {
    const t0 = performance.now();
    expect(refusal(t.withHeader((h) => { h.arch.inChannels = 1_000_000; }))).toMatch(/arch: inChannels is 1,000,000, outside the allowed 1 to 4/);
    expect(refusal(t.withHeader((h) => { h.arch.blocks[1].mid = 1_000_000; }))).toMatch(/arch: blocks\[1\]\.mid is 1,000,000 channels, outside the allowed 1 to 4,096/);
    expect(refusal(t.withHeader((h) => { h.arch.blocks[1].kernel = 999; }))).toMatch(/blocks\[1\]\.kernel is 999, outside the allowed 1 to 15/);
    expect(refusal(t.withHeader((h) => { h.arch.blocks = Array(10_000).fill(h.arch.blocks[1]); }))).toMatch(/blocks has 10000 blocks, more than the 64 allowed/);
    expect(refusal(t.withHeader((h) => { h.arch.blocks[2].stride = 2; }))).toMatch(/blocks\[2\]\.residual needs stride 1/);
    expect(refusal(t.withHeader((h) => { h.arch.stem = null; }))).toMatch(/arch: stem must be an object/);
    expect(refusal(t.withHeader((h) => { h.arch.blocks[0].expand = 'yes'; }))).toMatch(/expand and .*residual must be true or false/);
    expect(refusal(t.withHeader((h) => { h.classes = 1e7; }))).toMatch(/classes is 10,000,000, outside the allowed 2 to 10,000/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('a header nested 100,000 deep, or not JSON, is one sentence', () => {
    const deep = t.withHeader((h) => { h.source = 'x'; });
    const text = `{"arch":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const json = new TextEncoder().encode(text);
    const bytes = new Uint8Array(8 + json.length);
    bytes.set(deep.subarray(0, 4));
    new DataView(bytes.buffer).setUint32(4, json.length, true);
    bytes.set(json, 8);
    expect(refusal(bytes)).toMatch(/the header nests arrays or objects more than 32 levels deep/);
    const notJson = bytes.slice(0, 20);
    new DataView(notJson.buffer).setUint32(4, 12, true);
    expect(refusal(notJson)).toMatch(/the header is not valid JSON/);
  });
});
