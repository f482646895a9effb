/**
 * The project's model as a .tflite file: the layout and quantization each op gets, explicit PADs
 * where TFLite's SAME padding would misplace the window, the float32 head's quantization, and the
 * file's forward (the project's TFLite-semantics kernels) against the project's own forward on
 * real images. tests/tflite-export-armnn.test.ts checks the file against Arm NN.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDemoDataset } from '../data/demo-dataset.ts';
import { sampleSource, splitBySeed } from '../data/samples.ts';
import { isConv, type Model } from '../ir/graph.ts';
import { modelFromFile } from '../models/model-file.ts';
import { modelFromWeights } from '../models/weights-file.ts';
import { runForward } from '../runtime/reference.ts';
import { runImportedModel } from '../tflite-kernels/run.ts';
import { zeroFloatHead } from '../train/trainer.ts';
import { exportTflite, graphToTflite, toNhwc, TfliteExportError } from './from-graph.ts';
import { int8Data } from './model.ts';
import { readTflite } from './read.ts';

const bytes = (p: string) => new Uint8Array(readFileSync(new URL(`../../../public/${p}`, import.meta.url)));
const demo = (head: 'float32' | 'int8'): Model => modelFromWeights(bytes('models/tinytrain-demo.ttw'), { resolution: 32, classes: 15, head });
const set = loadDemoDataset(bytes('demo/fashion-demo.bin'));
const argmax = (a: ArrayLike<number>) => { let b = 0; for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i; return b; };

describe('graphToTflite', () => {
  it('writes every conv with OHWI / 1HWC weights, per-channel scales and int32 biases at input x weight scale', () => {
    const model = demo('int8');
    const ex = graphToTflite(model);
    const file = readTflite(exportTflite(model, { length: 0, get: () => { throw new Error('no calibration for an int8 head'); } }).bytes, 'demo.tflite');
    expect(file.ops.map((o) => o.kind)).toEqual(ex.model.ops.map((o) => o.kind));
    const g = model.graph;
    for (const node of g.nodes.filter(isConv)) {
      const [x, w, , s] = node.inputs;
      const t = file.tensors.find((tt) => tt.name === w)!;
      const [cout, cpg, k] = g.tensors[w].shape;
      const depthwise = node.attrs.groups > 1;
      expect(t.shape).toEqual(depthwise ? [1, k, k, cout] : [cout, k, k, cpg]);
      expect(t.quant!.axis).toBe(depthwise ? 3 : 0);
      expect(t.quant!.scales).toEqual(Array.from(model.params[s] as Float32Array));
      // The last tap of the last channel, in both layouts.
      const W = model.params[w] as Int8Array;
      expect(int8Data(t)[depthwise ? (k * k - 1) * cout + cout - 1 : ((cout - 1) * k * k + k * k - 1) * cpg + cpg - 1]).toBe(W[W.length - 1]);
      const bt = file.tensors.find((tt) => tt.name === node.inputs[2])!;
      expect(bt.quant!.scales[0]).toBe(Math.fround(Math.fround(g.tensors[x].q!.scale) * (model.params[s] as Float32Array)[0]));
    }
    // Stride-2 3x3 convs on even sizes: SAME would pad bottom/right, the IR pads top/left.
    const strided = g.nodes.filter(isConv).filter((n) => n.attrs.stride === 2 && g.tensors[n.inputs[0]].shape[1] % 2 === 0).map((n) => n.name);
    expect(strided.length).toBeGreaterThan(0);
    expect(ex.explicitPads).toEqual(strided);
    expect(file.ops.filter((o) => o.kind === 'PAD')).toHaveLength(strided.length);
    expect(ex.head).toBeNull();
  });

  it('runs like the project on real images: an int8 head gives the same top-1 and nearly the same logits', () => {
    const model = demo('int8');
    const ex = graphToTflite(model);
    const val = sampleSource(set, splitBySeed(set, { seed: 1 }).val, model.graph);
    let same = 0, identical = 0, n = 0;
    for (let i = 0; i < 60; i++) {
      const x = val.get(i).input;
      const ours = runForward(model, x)[model.graph.logits] as Int8Array;
      const file = runImportedModel(ex.model, toNhwc(x, model.graph)).get(ex.logits) as Int8Array;
      if (argmax(ours) === argmax(file)) same++;
      for (let j = 0; j < ours.length; j++) { if (ours[j] === file[j]) identical++; n++; }
    }
    // TFLite's fixed-point requantization and rounding rules differ from the IR's float32 ones on ties.
    expect(same / 60).toBeGreaterThanOrEqual(0.95);
    expect(identical / n).toBeGreaterThan(0.5);
  });

  it('quantizes a float32 head: one weight scale max|W|/127, logits over the calibration range', () => {
    const model = zeroFloatHead(demo('float32'));
    const w = model.params['classifier.weight'] as Float32Array;
    for (let i = 0; i < w.length; i++) w[i] = Math.sin(i) * 0.05;
    const b = model.params['classifier.bias'] as Float32Array;
    b.fill(0.1);
    const val = sampleSource(set, splitBySeed(set, { seed: 1 }).val, model.graph);
    const f = exportTflite(model, val);
    const h = f.export.head!;
    let max = 0;
    for (const v of w) max = Math.max(max, Math.abs(v));
    expect(h.weightScale).toBe(Math.fround(max / 127));
    expect(h.calibrationImages).toBe(Math.min(128, val.length));
    expect(h.range[0]).toBeLessThan(h.range[1]);
    expect(f.note).toMatch(/float32 head was quantized for the file/);
    // Every calibration logit is inside the int8 range (the widened range leaves room).
    const file = readTflite(f.bytes, 'x.tflite');
    const out = file.tensors[file.outputs[0]];
    expect(out.quant!.zeroPoints[0]).toBe(h.logits.zeroPoint);
    let worst = 0;
    for (let i = 0; i < 40; i++) {
      const x = val.get(i).input;
      const ours = runForward(model, x)[model.graph.logits] as Float32Array;
      const q = runImportedModel(file, toNhwc(x, model.graph)).get(file.outputs[0]) as Int8Array;
      for (const v of q) expect(v > -128 && v < 127).toBe(true);
      // The file's top class is the project's or within a few logit steps of it (a near tie).
      worst = Math.max(worst, (ours[argmax(ours)] - ours[argmax(q)]) / h.logits.scale);
    }
    expect(worst).toBeLessThanOrEqual(3);
  });

  it('a .tflite source: the exported file opens as a project model again and exports to the same weights and quantization', () => {
    const model = demo('float32');
    const calib = sampleSource(set, splitBySeed(set, { seed: 1 }).train, model.graph);
    const first = readTflite(exportTflite(model, calib).bytes, 'first.tflite');
    const reopened = modelFromFile('first.tflite', exportTflite(model, calib).bytes);
    const second = readTflite(exportTflite(reopened, calib).bytes, 'second.tflite');
    expect(second.ops.map((o) => o.kind)).toEqual(first.ops.map((o) => o.kind));
    const constants = (m: typeof first) => m.ops.flatMap((o) => o.inputs.slice(1).map((t) => m.tensors[t]).filter((t) => t.data && t.quant));
    const [a, b] = [constants(first), constants(second)];
    expect(b.length).toBe(a.length);
    a.forEach((t, i) => {
      expect(Buffer.from(b[i].data!).equals(Buffer.from(t.data!)), t.name).toBe(true);
      expect(b[i].quant).toEqual(t.quant);
    });
  });

  it('an int8 head (a 1x1 conv in the file) opens again with the same head and backbone', () => {
    const model = demo('int8');
    const none = { length: 0, get: (): never => { throw new Error('no calibration for an int8 head'); } };
    const reopened = modelFromFile('int8.tflite', exportTflite(model, none).bytes, { head: 'int8', classes: 15 });
    for (const k of ['classifier.weight', 'classifier.bias', 'classifier.w_scales', 'conv0.weight', 'conv5.bias']) {
      expect(Array.from(reopened.params[k]), k).toEqual(Array.from(model.params[k]));
    }
    // The file stores scales as float32.
    const [a, b] = [reopened.graph.tensors[reopened.graph.logits].q!, model.graph.tensors[model.graph.logits].q!];
    expect([a.scale, a.zeroPoint]).toEqual([Math.fround(b.scale), b.zeroPoint]);
  });

  it('refuses a float32 head without calibration images, in one sentence', () => {
    expect(() => graphToTflite(demo('float32'), [], 'm.tflite')).toThrow(TfliteExportError);
    expect(() => graphToTflite(demo('float32'), [], 'm.tflite')).toThrow(/^m\.tflite: the float32 head needs calibration images/);
  });
});
