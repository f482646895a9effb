/**
 * A general graph in a .ttw (format version 2): every general test model (public/models/*.tflite and
 * lenet-300-100) saved and opened again gives the same graph and parameters bit for bit, with either
 * head; the options behave as for the imported .tflite (fixed input size, class count and head kind
 * may change); a version 1 file still writes and reads as before; a lying graph is one sentence.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { padNetTflite } from '../../../tests/pad-net.ts';
import { ttwRefusal } from './ttw-refusal.ts';
import type { Model } from '../ir/graph.ts';
import type { TypedArray } from '../ir/tensor.ts';
import { modelFromFile } from './model-file.ts';
import { encodeWeights, hasArch, isGraphWeightsFile, modelFromWeights, ttwFile, ttwSections } from './weights-file.ts';

const ROOT = new URL('../../../', import.meta.url);
const file = (p: string) => new Uint8Array(readFileSync(new URL(p, ROOT)));
const GENERAL = ['public/models/cnn-maxpool-fc.tflite', 'public/models/ds-cnn-kws.tflite', 'public/models/concat-net.tflite', '../shared/models/tflite/lenet-300-100-int8.tflite'];
const raw = (v: TypedArray) => Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));

function expectSameModel(a: Model, b: Model) {
  expect(b.graph).toEqual(a.graph);
  expect(Object.keys(b.params).sort()).toEqual(Object.keys(a.params).sort());
  for (const [k, v] of Object.entries(a.params)) {
    expect(b.params[k].constructor, k).toBe(v.constructor);
    expect(raw(b.params[k]), k).toEqual(raw(v));
  }
}

describe('.ttw version 2: a general graph', () => {
  it('pad-net (explicit pads: 0 before, 1 after) saves and opens again bit for bit', () => {
    const m = modelFromFile('pad-net.tflite', padNetTflite(), { head: 'int8' });
    expect(m.graph.nodes.some((n) => n.op === 'pad')).toBe(true);
    const bytes = encodeWeights(m.graph, m.params, { source: m.source.slice(0, 512) });
    expectSameModel(m, modelFromWeights(bytes, { fileName: 'p.ttw' }));
  });
  for (const path of GENERAL) {
    const name = path.split('/').pop()!;
    for (const head of ['float32', 'int8'] as const) {
      it(`${name} (${head} head) saves and opens again bit for bit, and saves again to the same bytes`, () => {
        const m = modelFromFile(name, file(path), { head });
        expect(hasArch(m.graph)).toBe(false);
        expect(m.graph.requant).toBe('tflite');
        const bytes = encodeWeights(m.graph, m.params, { source: m.source.slice(0, 512) });
        expect(isGraphWeightsFile(bytes)).toBe(true);
        const back = modelFromWeights(bytes, { fileName: 'g.ttw' });
        expectSameModel(m, back);
        expect(back.source).toBe(`g.ttw (${m.source})`);
        expect(Array.from(encodeWeights(back.graph, back.params, { source: m.source.slice(0, 512) }))).toEqual(Array.from(bytes));
        // Through the one reader of model files, with the options the project passes (its own size, classes and head).
        const [, h] = m.graph.tensors[m.graph.input].shape;
        const classes = m.graph.tensors[m.graph.logits].shape[0];
        expectSameModel(m, modelFromFile('g.ttw', bytes, { resolution: h, classes, head }));
      });
    }
  }

  it('options as for the imported .tflite: the input size is fixed; another class count or head gets a new head', () => {
    const tfl = file('public/models/cnn-maxpool-fc.tflite');
    const int8 = modelFromFile('c.tflite', tfl, { head: 'int8' });
    const bytes = encodeWeights(int8.graph, int8.params, { source: 's' });
    expect(() => modelFromWeights(bytes, { fileName: 'c.ttw', resolution: 32 })).toThrow(/^c\.ttw: the model's graph is fixed to its 28x28 input \(it is not of the inverted-bottleneck family, whose size can change\); it cannot open at 32x32$/);
    // int8 head to float32, same classes: converted exactly as the .tflite reader converts its int8 head.
    const asFloat = modelFromWeights(bytes, { head: 'float32' });
    expectSameModel(modelFromFile('c.tflite', tfl, { head: 'float32' }), { ...asFloat, source: '' });
    // A new class count: the same graph as the .tflite reader's at that count, the same fresh head.
    for (const head of ['float32', 'int8'] as const) {
      const five = modelFromWeights(bytes, { classes: 5, head });
      expectSameModel(modelFromFile('c.tflite', tfl, { classes: 5, head }), { ...five, source: '' });
      expect(five.source).toMatch(/a new 5-class head\)$/);
    }
    // A float32 head asked for as int8: a fresh head; the layers before it untouched.
    const floatBytes = encodeWeights(asFloat.graph, asFloat.params, { source: 's' });
    const back = modelFromWeights(floatBytes, { head: 'int8' });
    expect(back.graph.nodes.find((n) => n.name === 'classifier')!.op).toBe('conv2d');
    expect(raw(back.params['conv0.weight'])).toEqual(raw(int8.params['conv0.weight']));
    expect(back.graph.tensors[back.graph.logits].q).toEqual({ scale: 0.1, zeroPoint: 0 });
  });

  it('a version 1 file (the demo model) still opens and saves to the same bytes', () => {
    const demo = file('public/models/tinytrain-demo.ttw');
    expect(isGraphWeightsFile(demo)).toBe(false);
    const m = modelFromWeights(demo, { resolution: 32 });
    const len = new DataView(demo.buffer, demo.byteOffset).getUint32(4, true);
    const source = JSON.parse(new TextDecoder().decode(demo.subarray(8, 8 + len))).source;
    expect(Array.from(encodeWeights(m.graph, m.params, { source }))).toEqual(Array.from(demo));
  });
});

/** The version 2 file of cnn-maxpool-fc with its header edited (the data section kept). */
function edited(edit: (h: any) => void): Uint8Array { // eslint-disable-line @typescript-eslint/no-explicit-any
  const m = modelFromFile('c.tflite', file('public/models/cnn-maxpool-fc.tflite'), { head: 'int8' });
  const bytes = encodeWeights(m.graph, m.params, { source: 's' });
  const { magic, header, data } = ttwSections(bytes);
  edit(header);
  return ttwFile(magic, header, data);
}

const refusal = (bytes: Uint8Array) => ttwRefusal(bytes);

describe('.ttw version 2 from outside: the graph checked before it is used', () => {
  type N = { name: string; op: string; inputs: string[]; outputs: string[]; attrs: Record<string, unknown> };
  type T = { name: string; kind: string; dtype: string; shape: number[]; q?: { scale: number; zeroPoint: number } };
  const node = (h: { graph: { nodes: N[] } }, name: string) => h.graph.nodes.find((n) => n.name === name)!;
  const tensor = (h: { graph: { tensors: T[] } }, name: string) => h.graph.tensors.find((t) => t.name === name)!;

  it('opens the untouched file', () => {
    expect(modelFromWeights(edited(() => {})).graph.nodes.length).toBeGreaterThan(4);
  });

  it('fields: types, ranges, names and counts', () => {
    expect(refusal(edited((h) => { h.graph = 5; }))).toMatch(/^h\.ttw: graph must be an object$/);
    expect(refusal(edited((h) => { h.graph.tensors = Array(5000).fill(h.graph.tensors[0]); }))).toMatch(/graph\.tensors has 5000 entries; 1 to 4096 are allowed/);
    expect(refusal(edited((h) => { h.graph.tensors[0].name = '__proto__'; }))).toMatch(/graph\.tensors\[0\]\.name must be a name/);
    expect(refusal(edited((h) => { h.graph.tensors[1].shape = [1e9, 1e9]; }))).toMatch(/graph\.tensors\[1\]\.shape\[0\] is 1,000,000,000, outside the allowed 1 to 16,777,216/);
    expect(refusal(edited((h) => { tensor(h, 'input').q!.scale = NaN; }))).toMatch(/graph\.tensors\[0\]\.q\.scale is .*an activation scale must be a number from/);
    expect(refusal(edited((h) => { delete tensor(h, 'input').q; }))).toMatch(/graph\.tensors\[0\]\.q is missing/);
    expect(refusal(edited((h) => { node(h, 'conv0').op = 'constructor'; }))).toMatch(/graph\.nodes\[0\]\.op must be one of conv2d/);
    expect(refusal(edited((h) => { node(h, 'conv0').attrs.kernel = 99; }))).toMatch(/graph\.nodes\[0\]\.attrs\.kernel is 99, outside the allowed 1 to 15/);
    expect(refusal(edited((h) => { node(h, 'conv0').attrs.role = 'pw1'; }))).toMatch(/graph\.nodes\[0\]\.attrs\.role must be one of conv, fc, classifier in a general graph/);
    expect(refusal(edited((h) => { node(h, 'conv0').attrs.block = 2; }))).toMatch(/graph\.nodes\[0\]\.attrs\.block is not an attribute of conv2d/);
    expect(refusal(edited((h) => { node(h, 'conv0').inputs[0] = 'nothing'; }))).toMatch(/graph\.nodes\[0\]\.inputs\[0\] names "nothing", which is not among graph\.tensors/);
    expect(refusal(edited((h) => { h.graph.input = 'toString'; }))).toMatch(/graph\.input names "toString", which is not among graph\.tensors/);
    expect(refusal(edited((h) => { h.graph.requant = 'fixed'; }))).toMatch(/^h\.ttw: graph\.requant must be "float" or "tflite", got "fixed"$/);
  });

  it('structure and shapes: the ops\' shape rules, the head and loss, parameters, numbering', () => {
    expect(refusal(edited((h) => { node(h, 'conv0').attrs.stride = 2; }))).toMatch(/graph: conv2d "conv0" \(conv 0\): output "conv0\.out" is declared .* but the op produces/);
    expect(refusal(edited((h) => { tensor(h, 'conv0.weight').shape[0] += 1; }))).toMatch(/graph: conv2d "conv0".*weight shape|graph: conv2d "conv0".*bias must be/);
    expect(refusal(edited((h) => { h.graph.nodes.reverse(); }))).toMatch(/graph\.nodes must end with the loss/);
    expect(refusal(edited((h) => { const n = h.graph.nodes; [n[0], n[1]] = [n[1], n[0]]; }))).toMatch(/convIndex must be 0|used before it is computed/);
    expect(refusal(edited((h) => { node(h, 'conv1').attrs.convIndex = 7; }))).toMatch(/graph\.nodes\[\d+\]\.attrs\.convIndex must be 1/);
    expect(refusal(edited((h) => { node(h, 'conv1').inputs[1] = 'conv0.weight'; }))).toMatch(/the parameter "conv0\.weight" is read by two nodes/);
    expect(refusal(edited((h) => { node(h, 'classifier').name = 'head'; }))).toMatch(/a node "classifier"/);
    expect(refusal(edited((h) => { tensor(h, 'conv0.out').kind = 'weight'; delete tensor(h, 'conv0.out').q; }))).toMatch(/"conv0\.out" is a weight, which no node writes|is a parameter where the op reads an activation/);
    expect(refusal(edited((h) => { h.graph.tensors.push({ name: 'extra', kind: 'activation', dtype: 'int8', shape: [1], q: { scale: 1, zeroPoint: 0 } }); }))).toMatch(/the activation "extra" is read by no node/);
    expect(refusal(edited((h) => { h.tensors = h.tensors.filter((e: { name: string }) => e.name !== 'conv1.bias'); }))).toMatch(/the parameter "conv1\.bias" is missing from tensors/);
    expect(refusal(edited((h) => { h.tensors.push({ ...h.tensors[0], name: 'conv99.bias' }); }))).toMatch(/"conv99\.bias", which the graph does not have/);
  });
});
