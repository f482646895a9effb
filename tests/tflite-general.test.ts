// Int8 .tflite files that are not of the inverted-bottleneck family, opened as general graphs
// (models/from-tflite-graph.ts): lenet-300-100 (FULLY_CONNECTED only, LOG_SOFTMAX), and the project's
// own cnn-maxpool-fc (MAX_POOL_2D, RESHAPE, FC), ds-cnn-kws (49x10 input, a 10x4 SAME stem of stride 2,
// depthwise-separable, ADD), concat-net (CONCATENATION), pad-net (tests/pad-net.ts: SAME convs of
// stride 2 on even sizes, padding 0 before and 1 after, lowered to pad + conv) and nonsquare-net
// (tests/nonsquare-net.ts: 5x3 and 1x3 depthwise, a 4x2 conv). For each: its structure, the studio's int8 forward against Arm NN
// on real images, training that beats the head-only baseline, and its exported firmware on QEMU
// against the TypeScript runtime hash for hash.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportCProject, syntheticSamples } from '../src/engine/codegen/index.ts';
import { loadFashionMnist, loadMnist } from '../src/engine/data/datasets.ts';
import { fromIdx, sampleSource, splitBySeed } from '../src/engine/data/samples.ts';
import { grayImageAt, resizeBilinear } from '../src/engine/data/preprocess.ts';
import { InputError } from '../src/engine/input-error.ts';
import { backboneConvs, type Model } from '../src/engine/ir/graph.ts';
import { summarize } from '../src/engine/ir/summary.ts';
import { modelFromFile } from '../src/engine/models/model-file.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { runForward } from '../src/engine/runtime/reference.ts';
import { chipTarget } from '../src/engine/targets.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { resolveScheme } from '../src/engine/train/scheme.ts';
import { Trainer, zeroFloatHead } from '../src/engine/train/trainer.ts';
import { TfliteModelBuilder } from '../src/engine/tflite/build.ts';
import { exportTflite, toNhwc } from '../src/engine/tflite/from-graph.ts';
import { readTflite } from '../src/engine/tflite/read.ts';
import { writeTflite } from '../src/engine/tflite/write.ts';
import { lowerModel } from '../src/engine/tflite-kernels/lower.ts';
import { runImportedModel } from '../src/engine/tflite-kernels/run.ts';
import { forArmnn, runArmnn } from './armnn.ts';
import { make, parseSteps, parseTrace, runQemu, traceDiffs, tsTrace, writeProject } from './firmware.ts';
import { nonSquareNetTflite } from './nonsquare-net.ts';
import { padNetTflite } from './pad-net.ts';
import { tinyFamilyTflite } from './tflite-family.ts';
import { requireTool } from './require-tool.ts';
import { tinytrain } from '../src/cli/cli-harness.ts';

const file = (name: string) => name === 'pad-net.tflite' ? padNetTflite() : name === 'nonsquare-net.tflite' ? nonSquareNetTflite() : new Uint8Array(readFileSync(name === 'lenet-300-100-int8.tflite'
  ? new URL(`../../shared/models/tflite/${name}`, import.meta.url) : new URL(`../public/models/${name}`, import.meta.url)));

const MODELS = [
  { name: 'lenet-300-100-int8.tflite', data: 'mnist', convs: 2, ops: ['reshape', 'conv2d'], roles: ['fc', 'fc'] },
  { name: 'cnn-maxpool-fc.tflite', data: 'mnist', convs: 3, ops: ['conv2d', 'maxpool', 'reshape'], roles: ['conv', 'conv', 'fc'] },
  { name: 'ds-cnn-kws.tflite', data: 'fashion', convs: 9, ops: ['conv2d', 'add', 'avgpool'], roles: Array(9).fill('conv') },
  { name: 'concat-net.tflite', data: 'fashion', convs: 4, ops: ['conv2d', 'concat', 'avgpool'], roles: Array(4).fill('conv') },
  { name: 'pad-net.tflite', data: 'fashion', convs: 2, ops: ['pad', 'conv2d', 'reshape'], roles: ['conv', 'conv'] },
  { name: 'nonsquare-net.tflite', data: 'fashion', convs: 4, ops: ['pad', 'conv2d', 'reshape'], roles: Array(4).fill('conv') },
] as const;

const haveArmnn = requireTool('pyarmnn') && requireTool('armnn-cpuref') && requireTool('armnn-tflite-parser');
const hasQemu = requireTool('arm-none-eabi-gcc') && requireTool('newlib') && requireTool('qemu-system-arm');
const hasGcc = requireTool('gcc') && requireTool('libc6-dev');

/** Test images as the file's float input in [0, 1] (NHWC, one channel), resized to its input. */
function images(data: string, h: number, w: number, count: number, from = 0): Float32Array[] {
  const ds = data === 'mnist' ? loadMnist('test') : loadFashionMnist(undefined, 'test');
  return Array.from({ length: count }, (_, i) => Float32Array.from(resizeBilinear(grayImageAt(ds.images, from + i, 28, 28), h, w), (v) => v / 255));
}

/** The file's QUANTIZE of an NHWC float input as the IR's CHW int8 input. */
function irInput(theirs: Int8Array, h: number, w: number, c: number): Int8Array {
  const y = new Int8Array(theirs.length);
  for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) y[ch * h * w + p] = theirs[p * c + ch];
  return y;
}

const argmax = (a: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
};

describe.each(MODELS)('$name as a general graph', ({ name, data, convs, ops, roles }) => {
  // Read when a test of this file runs (not at collection), so a filtered run reads only its model.
  let loaded: ReturnType<typeof load> | undefined;
  const load = () => {
    const bytes = file(name);
    const tm = readTflite(bytes, name);
    const [, h, w, c] = tm.tensors[tm.inputs[0]].shape;
    const model = modelFromFile(name, bytes, { head: 'int8' });
    // The logits before DEQUANTIZE (and LOG_SOFTMAX, which Arm NN refuses).
    const logitsT = tm.ops.find((o) => o.kind === 'DEQUANTIZE')!.inputs[0];
    const xs = images(data, h, w, 100);
    const ours = xs.map((x) => {
      const q = runImportedModel(tm, x).get(tm.ops[0].outputs[0]) as Int8Array;
      return runForward(model, irInput(q, h, w, c))[model.graph.logits] as Int8Array;
    });
    return { bytes, tm, h, w, c, model, g: model.graph, logitsT, xs, ours };
  };
  const get = () => (loaded ??= load());

  it('opens with its ops, convs numbered in graph order, no blocks, and every scheme kind resolves', () => {
    const { model, g, h, w, c } = get();
    expect(model.source).toMatch(/a general graph of \d+ convs/);
    expect(g.tensors[g.input].shape).toEqual([c, h, w]);
    for (const op of ops) expect(g.nodes.map((n) => n.op)).toContain(op);
    const bb = backboneConvs(g);
    expect(bb.map((n) => n.attrs.convIndex)).toEqual(bb.map((_, i) => i));
    expect(bb.map((n) => n.attrs.role)).toEqual(roles);
    expect(bb).toHaveLength(convs);
    expect(g.nodes.every((n) => (n.attrs as { block?: number }).block === undefined)).toBe(true);
    expect(summarize(g).layers.every((l) => l.block === null)).toBe(true);
    for (const s of ['bias-only', 'head-only', 'last-2', 'full']) {
      const scheme = { ...builtinScheme(s, convs)!, head: 'int8' as const };
      expect(resolveScheme(scheme, g).convs).toHaveLength(convs);
      const p = compileTraining(g, scheme);
      // No fused family kernels: plain kernels only.
      expect(p.kernels.some((k) => k.op === 'conv_chain' || k.op === 'block_bwd' || k.op === 'dw_pw_bwd')).toBe(false);
      expect(p.report.analyticBytes).toBeGreaterThan(0);
    }
  });

  it('its int8 logits are TFLite\'s (the project\'s TFLite kernels) on 100 test images: same top-1, within one step', () => {
    const { tm, xs, ours, logitsT } = get();
    const kernels = lowerModel(tm);
    let same = 0, n = 0;
    xs.forEach((x, i) => {
      const theirs = runImportedModel(tm, x, kernels).get(logitsT) as Int8Array;
      expect(argmax(ours[i])).toBe(argmax(theirs));
      for (let j = 0; j < theirs.length; j++, n++) {
        expect(Math.abs(ours[i][j] - theirs[j])).toBeLessThanOrEqual(1);
        if (ours[i][j] === theirs[j]) same++;
      }
    });
    expect(same / n).toBeGreaterThanOrEqual(0.99);
  });

  it.skipIf(!haveArmnn)('Arm NN gives the same top-1 on every one of 100 test images and at least 99% identical int8 logits', () => {
    const { tm, xs, ours, logitsT } = get();
    const arm = runArmnn(writeTflite(forArmnn(tm, [logitsT])), xs);
    let same = 0, n = 0;
    xs.forEach((_, i) => {
      const theirs = arm.values[i][0] as Int8Array;
      expect(argmax(ours[i])).toBe(argmax(theirs));
      for (let j = 0; j < theirs.length; j++, n++) if (ours[i][j] === theirs[j]) same++;
    });
    console.log(`${name}: ${(100 * same / n).toFixed(2)}% of ${n} int8 logits identical to Arm NN's`);
    expect(same / n).toBeGreaterThanOrEqual(0.99);
  }, 120_000);

  it.skipIf(!hasQemu)('its exported mps2-an500 firmware (last-2) hashes every tensor as the TypeScript runtime', () => {
    const m = modelFromFile(name, get().bytes);
    const program = compileTraining(m.graph, builtinScheme('last-2', convs)!, { sramBudget: chipTarget('mps2-an500')!.sramBytes });
    const samples = syntheticSamples(m.graph, 2, 11);
    const hyper = { weight: { lr: 0.05, momentum: 0, qas: true }, bias: { lr: 0.02, momentum: 0, qas: true }, head: { lr: 0.01, momentum: 0, qas: false }, rounding: { mode: 'stochastic' as const, seed: 5 } };
    const dir = writeProject(exportCProject(program, m.params, samples, { target: 'mps2-an500', hyper, steps: 2 }));
    const build = make(dir, 'all', { EXTRA_CFLAGS: '-DTT_DEBUG' });
    expect(build.status, build.stderr).toBe(0);
    const r = runQemu(join(dir, 'build/firmware.elf'), { timeoutMs: 120_000 });
    expect(r.status, r.stdout.slice(-2000)).toBe(0);
    const ts = tsTrace(program, m.params, samples, hyper, 2);
    const cTrace = parseTrace(r.stdout);
    expect(traceDiffs(ts.hashes, cTrace)).toEqual([]);
    expect(cTrace.size).toBe(ts.hashes.size);
    expect(parseSteps(r.stdout).map((s) => s.bits)).toEqual(ts.losses);
  }, 180_000);
});

describe('a general graph exported as .tflite (its trained weights out) opens again as the same graph', () => {
  for (const name of ['cnn-maxpool-fc.tflite', 'concat-net.tflite', 'lenet-300-100-int8.tflite', 'pad-net.tflite', 'nonsquare-net.tflite']) {
    it(`${name}: int8 head: same ops and parameters after the round trip, and the file computes the project's logits`, () => {
      const m = modelFromFile(name, file(name), { head: 'int8' });
      const none = { length: 0, get: (): never => { throw new Error('no calibration for an int8 head'); } };
      const ex = exportTflite(m, none, 'again.tflite');
      const again = modelFromFile('again.tflite', ex.bytes, { head: 'int8' });
      expect(again.graph.nodes.map((n) => `${n.op} ${(n.attrs as { role?: string }).role ?? ''}`)).toEqual(m.graph.nodes.map((n) => `${n.op} ${(n.attrs as { role?: string }).role ?? ''}`));
      for (const k of Object.keys(m.params)) expect(Array.from(again.params[k]), k).toEqual(Array.from(m.params[k]));
      // The exported file, run by the project's TFLite kernels, against the project's own forward.
      const tm = readTflite(ex.bytes, 'again.tflite');
      const ds = loadFashionMnist(undefined, 'test');
      let same = 0, n = 0;
      const xs = Array.from({ length: 20 }, (_, i) => sampleInput(ds, i, m));
      const ours = xs.map((x) => runForward(m, x)[m.graph.logits] as Int8Array);
      xs.forEach((x, i) => {
        const theirs = runImportedModel(tm, toNhwc(x, m.graph)).get(ex.export.logits) as Int8Array;
        expect(argmax(theirs)).toBe(argmax(ours[i]));
        for (let j = 0; j < theirs.length; j++, n++) if (ours[i][j] === theirs[j]) same++;
      });
      expect(same / n).toBeGreaterThanOrEqual(0.99);
      // And Arm NN, an independent reader: the same top-1.
      if (haveArmnn) {
        const arm = runArmnn(writeTflite(forArmnn(tm, [ex.export.logits])), xs.map((x) => toNhwc(x, m.graph)));
        xs.forEach((_, i) => expect(argmax(arm.values[i][0] as Int8Array)).toBe(argmax(ours[i])));
      }
    });
  }
});

/** A residual whose skip is also the branch's input, listed second in the ADD (x -> conv -> y; ADD(y, x)), and a CONCATENATION of one tensor with itself. */
function sharedInputs(): Uint8Array {
  const b = new TfliteModelBuilder();
  const q = { scale: 0.05, zeroPoint: 0 };
  const x0 = b.tensor('x', [1, 6, 6, 1], 'int8', { scale: 1 / 255, zeroPoint: -128 });
  const conv = (x: number, cin: number, name: string) => {
    const y = b.tensor(name, [1, 6, 6, 4], 'int8', q);
    const w = Int8Array.from({ length: 4 * 9 * cin }, (_, i) => ((i * 37) % 61) - 30);
    b.op('CONV_2D', { padding: 'SAME', strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, activation: 'NONE' },
      [x, b.tensor(`${name}/w`, [4, 3, 3, cin], 'int8', { scales: [0.01, 0.012, 0.008, 0.011], zeroPoints: [0, 0, 0, 0], axis: 0 }, w), b.tensor(`${name}/b`, [4], 'int32', null, Int32Array.of(5, -3, 0, 8))], [y]);
    return y;
  };
  const a = conv(x0, 1, 'a');
  const y = conv(a, 4, 'b');
  const sum = b.tensor('sum', [1, 6, 6, 4], 'int8', { scale: 0.07, zeroPoint: 1 });
  b.op('ADD', { activation: 'NONE' }, [y, a], [sum]);
  const cat = b.tensor('cat', [1, 6, 6, 8], 'int8', { scale: 0.07, zeroPoint: 1 });
  b.op('CONCATENATION', { axis: 3, activation: 'NONE' }, [sum, sum], [cat]);
  const pooled = b.tensor('pool', [1, 8], 'int8', { scale: 0.07, zeroPoint: 1 });
  b.op('MEAN', { keepDims: false }, [cat, b.tensor('axes', [2], 'int32', null, Int32Array.of(1, 2))], [pooled]);
  const logits = b.tensor('logits', [1, 3], 'int8', { scale: 0.1, zeroPoint: 0 });
  b.op('FULLY_CONNECTED', { activation: 'NONE', keepNumDims: false, shuffledWeights: false },
    [pooled, b.tensor('fw', [3, 8], 'int8', { scales: [0.02], zeroPoints: [0], axis: 0 }, Int8Array.from({ length: 24 }, (_, i) => (i * 13) % 41 - 20)), b.tensor('fb', [3], 'int32', null, new Int32Array(3))], [logits]);
  b.inputs = [x0];
  b.outputs = [logits];
  return writeTflite(b.model('shared.tflite'));
}

describe('tensors read by several consumers (a skip that is also a conv\'s input, a tensor concatenated with itself)', () => {
  it.skipIf(!hasGcc)('compiles with every conv trained, and its C step hashes every tensor as the TypeScript runtime', () => {
    const m = modelFromFile('shared.tflite', sharedInputs(), { head: 'int8' });
    expect(m.graph.nodes.map((n) => n.op)).toEqual(['conv2d', 'conv2d', 'add', 'concat', 'avgpool', 'conv2d', 'softmax_ce']);
    const program = compileTraining(m.graph, { ...builtinScheme('full', 2)!, head: 'int8' });
    const gradNames = Object.keys(program.tensors).filter((t) => t.startsWith('grad:'));
    expect(gradNames).toEqual(expect.arrayContaining(['grad:add2.out@concat3:0', 'grad:add2.out@concat3:1', 'grad:conv0.out']));
    // conv0.out's second contribution, conv1's input gradient, adds onto the add's skip gradient in its
    // buffer (schedule/accumulate-grads.ts) instead of a grad:conv0.out@conv1 summed after.
    const conv1 = program.kernels.find((k) => k.name === 'conv_bwd_x:conv1');
    expect(conv1?.op === 'conv_bwd_x' && conv1.attrs.onto).toBe('grad:conv0.out');
    expect(gradNames).not.toContain('grad:conv0.out@conv1');
    const samples = syntheticSamples(m.graph, 2, 11);
    const hyper = { weight: { lr: 0.05, momentum: 0, qas: true }, bias: { lr: 0.02, momentum: 0, qas: true }, head: { lr: 0.01, momentum: 0, qas: false }, rounding: { mode: 'stochastic' as const, seed: 5 } };
    const dir = writeProject(exportCProject(program, m.params, samples, { target: 'mps2-an500', hyper, steps: 3 }));
    const build = make(dir, 'host-debug');
    expect(build.status, build.stderr).toBe(0);
    const r = make(dir, 'run-host-debug');
    expect(r.status, r.stderr.slice(0, 2000)).toBe(0);
    const ts = tsTrace(program, m.params, samples, hyper, 3);
    expect(traceDiffs(ts.hashes, parseTrace(r.stdout))).toEqual([]);
    expect(parseSteps(r.stdout).map((s) => s.bits)).toEqual(ts.losses);
  }, 120_000);
});

/** Image i of a set as the model's int8 input (the trainer's preprocessing). */
function sampleInput(ds: ReturnType<typeof loadFashionMnist>, i: number, m: Model): Int8Array {
  return sampleSource(fromIdx(ds), [i], m.graph).get(0).input;
}

describe('host build with sanitizers: general graphs under other compile options match the TypeScript runtime hash for hash', () => {
  const cases = [
    // Every conv trained, momentum, the int8 head, updates kept to the end (no reordering).
    { name: 'concat-net.tflite', head: 'int8', momentum: 0.9, opts: { reorder: false } },
    { name: 'cnn-maxpool-fc.tflite', head: 'float32', momentum: 0.9, opts: { inPlace: false } },
    { name: 'ds-cnn-kws.tflite', head: 'float32', momentum: 0, opts: {} },
    { name: 'lenet-300-100-int8.tflite', head: 'int8', momentum: 0, opts: {} },
    // The pads' gradient (crop) feeds the first conv's weight gradient.
    { name: 'pad-net.tflite', head: 'int8', momentum: 0.9, opts: {} },
    // Non-square kernels (5x3 and 1x3 depthwise, 4x2 conv), every one trained.
    { name: 'nonsquare-net.tflite', head: 'int8', momentum: 0.9, opts: {} },
    // The two branches read the stem's output and train different shares of it: one saved slice serves both.
    { name: 'concat-net.tflite', head: 'float32', momentum: 0, opts: {}, weights: { 1: '1/2', 2: '1/4', 3: '1/8' } },
  ] as const;
  for (const c of cases) {
    const weights = 'weights' in c ? c.weights : undefined;
    it.skipIf(!hasGcc)(`${c.name}, ${weights ? JSON.stringify(weights) : 'full'}, ${c.head} head${c.momentum ? ', momentum' : ''} ${JSON.stringify(c.opts)}`, () => {
      const m = modelFromFile(c.name, file(c.name), { head: c.head });
      const n = backboneConvs(m.graph).length;
      const scheme = { ...builtinScheme('full', n)!, ...(weights ? { weights } : {}), head: c.head, momentum: c.momentum > 0 };
      const program = compileTraining(m.graph, scheme, { ...c.opts, sramBudget: chipTarget('mps2-an500')!.sramBytes });
      if (weights) expect(program.kernels.filter((k) => k.op === 'save_slice').map((k) => program.tensors[k.outputs[0]].shape[0])).toEqual([6, 2]);
      const samples = syntheticSamples(m.graph, 2, 11);
      const hyper = { weight: { lr: 0.05, momentum: c.momentum, qas: true }, bias: { lr: 0.02, momentum: c.momentum, qas: true }, head: { lr: 0.01, momentum: c.momentum, qas: false }, rounding: { mode: 'stochastic' as const, seed: 5 } };
      const dir = writeProject(exportCProject(program, m.params, samples, { target: 'mps2-an500', hyper, steps: 3, sramBudget: chipTarget('mps2-an500')!.sramBytes }));
      const build = make(dir, 'host-debug');
      expect(build.status, build.stderr).toBe(0);
      const r = make(dir, 'run-host-debug');
      expect(r.status, r.stderr.slice(0, 2000)).toBe(0);
      const ts = tsTrace(program, m.params, samples, hyper, 3);
      const cTrace = parseTrace(r.stdout);
      expect(traceDiffs(ts.hashes, cTrace)).toEqual([]);
      expect(cTrace.size).toBe(ts.hashes.size);
      expect(parseSteps(r.stdout).map((s) => s.bits)).toEqual(ts.losses);
    }, 180_000);
  }
});

/** Trains a general graph on real images; returns validation accuracy and the mean loss of the first and last quarter. */
async function train(m: Model, scheme: string, data: 'mnist' | 'fashion', lr: number) {
  const ds = data === 'mnist' ? loadMnist('test') : loadFashionMnist(undefined, 'test');
  const set = fromIdx(ds);
  const split = splitBySeed(set, { seed: 1, train: 1000, val: 500 });
  const t = new Trainer(zeroFloatHead(m), builtinScheme(scheme, backboneConvs(m.graph).length)!, {
    epochs: 1, lr: { weight: lr, bias: lr, head: lr }, qas: true, precision: 'int8', batchSize: 1, momentum: 0, rounding: 'stochastic', warmupSteps: 50, seed: 1,
  });
  const r = await t.run({ train: sampleSource(set, split.train, m.graph), val: sampleSource(set, split.val, m.graph) });
  const losses = r.history.filter((p) => Number.isFinite(p.loss)).map((p) => p.loss);
  const q = Math.max(1, Math.floor(losses.length / 4));
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  return { acc: r.valAccuracy!, first: mean(losses.slice(0, q)), last: mean(losses.slice(-q)) };
}

describe('training a general graph on real images', () => {
  // A task new to the file's head (Fashion-MNIST for MNIST's LeNet; its ten-class head starts at zero).
  const runs = [['cnn-maxpool-fc.tflite', 'fashion', 'last-2'], ['lenet-300-100-int8.tflite', 'fashion', 'last-2'], ['ds-cnn-kws.tflite', 'fashion', 'last-4'],
    ['concat-net.tflite', 'fashion', 'last-3'], ['pad-net.tflite', 'fashion', 'last-2']] as const;
  for (const [name, data, scheme] of runs) {
    it(`${name} on ${data}: the loss falls and ${scheme} beats head-only`, async () => {
      const m = modelFromFile(name, file(name));
      const head = await train(m, 'head-only', data, 0.01);
      const last = await train(modelFromFile(name, file(name)), scheme, data, 0.01);
      console.log(`${name} on ${data}: head-only ${(head.acc * 100).toFixed(1)}%, ${scheme} ${(last.acc * 100).toFixed(1)}% (loss ${last.first.toFixed(3)} -> ${last.last.toFixed(3)})`);
      expect(last.last).toBeLessThan(last.first);
      expect(last.acc).toBeGreaterThan(head.acc);
    }, 300_000);
  }
});

describe('pad-net (convs padding 0 before and 1 after) trains in the CLI', () => {
  it('tinytrain train --model pad-net.tflite --scheme last-2: the loss falls on Fashion-MNIST', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tt-pad-'));
    const path = join(dir, 'pad-net.tflite');
    writeFileSync(path, padNetTflite());
    const r = await tinytrain('train', '--model', path, '--scheme', 'last-2', '--dataset', 'fashion', '--train', '2000', '--val', '500', '--epochs', '2', '--json');
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { status: string; valAccuracy: number; history: { loss: number }[] };
    expect(doc.status).toBe('completed');
    const losses = doc.history.map((p) => p.loss).filter(Number.isFinite);
    const q = Math.floor(losses.length / 4);
    const mean = (a: number[]) => a.reduce((t, v) => t + v, 0) / a.length;
    console.log(`pad-net last-2 in the CLI: loss ${mean(losses.slice(0, q)).toFixed(3)} -> ${mean(losses.slice(-q)).toFixed(3)}, val ${(doc.valAccuracy * 100).toFixed(1)}%`);
    expect(q).toBeGreaterThan(10);
    expect(mean(losses.slice(-q))).toBeLessThan(mean(losses.slice(0, q)) - 0.1);
  }, 120_000);
});

describe('a model of the inverted-bottleneck family at an even size (its SAME stride-2 stem pads 0 before and 1 after)', () => {
  it('opens as a general graph with a pad before the stem (at 9x9 it stays of the family), and its int8 logits are TFLite\'s', () => {
    expect(modelFromFile('tiny.tflite', tinyFamilyTflite(3), { head: 'int8' }).graph.nodes.some((n) => n.op === 'pad')).toBe(false);
    const bytes = tinyFamilyTflite(3, { size: 10 });
    const m = modelFromFile('tiny.tflite', bytes, { head: 'int8' });
    expect(m.source).toMatch(/a general graph of 6 convs/);
    expect(m.graph.nodes.filter((n) => n.op === 'pad').map((n) => n.attrs)).toEqual([{ top: 0, left: 0, bottom: 1, right: 1 }]);
    const tm = readTflite(bytes, 'tiny.tflite');
    const logitsT = tm.ops.find((o) => o.kind === 'DEQUANTIZE')!.inputs[0];
    for (let i = 0; i < 10; i++) {
      const x = Float32Array.from({ length: 300 }, (_, j) => ((j * 37 + i * 101) % 255) / 255);
      const r = runImportedModel(tm, x);
      const ours = runForward(m, irInput(r.get(tm.ops[0].outputs[0]) as Int8Array, 10, 10, 3))[m.graph.logits];
      expect(Array.from(ours)).toEqual(Array.from(r.get(logitsT) as Int8Array));
    }
  });
});

describe('what a general graph cannot say is refused in one sentence naming the operator', () => {
  const refusal = (bytes: Uint8Array) => {
    try {
      modelFromFile('odd.tflite', bytes);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
    throw new Error('not refused');
  };
  /** A conv of the given kernel on an 8x8x1 input, then a FULLY_CONNECTED head. */
  /** explicitPad: a PAD before the conv, [top, bottom, left, right] (true: 1 on every side). */
  /** stride: [rows, columns] for strides that differ. */
  const model = (kh: number, kw: number, padding: 'SAME' | 'VALID', stride: number | [number, number] = 1, explicitPad: boolean | number[] = false) => {
    const [strideH, strideW] = typeof stride === 'number' ? [stride, stride] : stride;
    const b = new TfliteModelBuilder();
    let x = b.tensor('x', [1, 8, 8, 1], 'int8', { scale: 1 / 255, zeroPoint: -128 });
    const input = x;
    const [pt, pb, pl, pr] = explicitPad === true ? [1, 1, 1, 1] : explicitPad || [0, 0, 0, 0];
    if (explicitPad) {
      // PAD 1 on every side, then the VALID conv: the studio folds it into the conv's padding.
      const padded = b.tensor('padded', [1, 8 + pt + pb, 8 + pl + pr, 1], 'int8', { scale: 1 / 255, zeroPoint: -128 });
      b.op('PAD', {}, [x, b.tensor('pads', [4, 2], 'int32', null, Int32Array.of(0, 0, pt, pb, pl, pr, 0, 0))], [padded]);
      x = padded;
    }
    const sh = 8 + pt + pb, sw = 8 + pl + pr;
    const oh = padding === 'SAME' ? Math.ceil(sh / strideH) : Math.floor((sh - kh) / strideH) + 1;
    const ow = padding === 'SAME' ? Math.ceil(sw / strideW) : Math.floor((sw - kw) / strideW) + 1;
    const y = b.tensor('conv', [1, oh, ow, 2], 'int8', { scale: 0.05, zeroPoint: 0 });
    b.op('CONV_2D', { padding, strideH, strideW, dilationH: 1, dilationW: 1, activation: 'NONE' },
      [x, b.tensor('w', [2, kh, kw, 1], 'int8', { scales: [0.01, 0.01], zeroPoints: [0, 0], axis: 0 }, Int8Array.from({ length: 2 * kh * kw }, (_, i) => ((i * 7) % 15) - 5)), b.tensor('b', [2], 'int32', null, new Int32Array(2))], [y]);
    const flat = b.tensor('flat', [1, oh * ow * 2], 'int8', { scale: 0.05, zeroPoint: 0 });
    b.op('RESHAPE', { newShape: [1, oh * ow * 2] }, [y, b.tensor('shape', [2], 'int32', null, Int32Array.of(1, oh * ow * 2))], [flat]);
    const logits = b.tensor('logits', [1, 3], 'int8', { scale: 0.1, zeroPoint: 0 });
    b.op('FULLY_CONNECTED', { activation: 'NONE', keepNumDims: false, shuffledWeights: false },
      [flat, b.tensor('fw', [3, oh * ow * 2], 'int8', { scales: [0.01], zeroPoints: [0], axis: 0 }, new Int8Array(3 * oh * ow * 2).fill(1)), b.tensor('fb', [3], 'int32', null, new Int32Array(3))], [logits]);
    b.inputs = [input];
    b.outputs = [logits];
    return writeTflite(b.model('odd.tflite'));
  };

  it('opens a square conv with VALID padding and flattens its map for the FC (weights in NHWC order permuted)', () => {
    const m = modelFromFile('odd.tflite', model(3, 3, 'VALID'), { head: 'int8' });
    expect(backboneConvs(m.graph)[0].attrs).toMatchObject({ kernel: 3, padding: 0, role: 'conv', convIndex: 0 });
  });
  it('folds an explicit PAD into the following conv, and its int8 logits are TFLite\'s', () => {
    const bytes = model(3, 3, 'VALID', 1, true);
    const m = modelFromFile('odd.tflite', bytes, { head: 'int8' });
    expect(backboneConvs(m.graph)[0].attrs).toMatchObject({ kernel: 3, padding: 1 });
    expect(m.graph.nodes.map((n) => n.op)).toEqual(['conv2d', 'reshape', 'conv2d', 'softmax_ce']);
    const tm = readTflite(bytes, 'odd.tflite');
    for (let i = 0; i < 5; i++) {
      const x = Int8Array.from({ length: 64 }, (_, j) => ((j * 37 + i * 11) % 256) - 128);
      const theirs = runImportedModel(tm, x).get(tm.outputs[0]) as Int8Array;
      expect(Array.from(runForward(m, x)[m.graph.logits])).toEqual(Array.from(theirs));
    }
  });
  it('lowers a PAD read by something other than a conv (here a global MEAN) to a pad node; its int8 logits are TFLite\'s', () => {
    const b = new TfliteModelBuilder();
    const q = { scale: 0.05, zeroPoint: -20 };
    const x = b.tensor('x', [1, 8, 8, 2], 'int8', q);
    const padded = b.tensor('padded', [1, 9, 11, 2], 'int8', q);
    b.op('PAD', {}, [x, b.tensor('pads', [4, 2], 'int32', null, Int32Array.of(0, 0, 0, 1, 2, 1, 0, 0))], [padded]);
    const pooled = b.tensor('pool', [1, 2], 'int8', q);
    b.op('MEAN', { keepDims: false }, [padded, b.tensor('axes', [2], 'int32', null, Int32Array.of(1, 2))], [pooled]);
    const logits = b.tensor('logits', [1, 3], 'int8', { scale: 0.01, zeroPoint: 0 });
    b.op('FULLY_CONNECTED', { activation: 'NONE', keepNumDims: false, shuffledWeights: false },
      [pooled, b.tensor('fw', [3, 2], 'int8', { scales: [0.02], zeroPoints: [0], axis: 0 }, Int8Array.of(100, -90, 40, 70, -127, 5)), b.tensor('fb', [3], 'int32', null, new Int32Array(3))], [logits]);
    b.inputs = [x];
    b.outputs = [logits];
    const bytes = writeTflite(b.model('padmean.tflite'));
    const m = modelFromFile('padmean.tflite', bytes, { head: 'int8' });
    expect(m.graph.nodes.map((n) => n.op)).toEqual(['pad', 'avgpool', 'conv2d', 'softmax_ce']);
    expect(m.graph.nodes[0].attrs).toEqual({ top: 0, left: 2, bottom: 1, right: 1 });
    const tm = readTflite(bytes, 'padmean.tflite');
    for (let i = 0; i < 5; i++) {
      const xs = Int8Array.from({ length: 128 }, (_, j) => ((j * 53 + i * 29) % 256) - 128);
      const theirs = runImportedModel(tm, xs).get(tm.outputs[0]) as Int8Array;
      expect(Array.from(runForward(m, irInput(xs, 8, 8, 2))[m.graph.logits])).toEqual(Array.from(theirs));
    }
  });
  it('refuses a graph past the architecture bounds (here one 32 MB activation) before any work on it', () => {
    const b = new TfliteModelBuilder();
    const x = b.tensor('x', [1, 1024, 1024, 1], 'int8', { scale: 1 / 255, zeroPoint: -128 });
    const y = b.tensor('big', [1, 1024, 1024, 32], 'int8', { scale: 0.05, zeroPoint: 0 });
    b.op('CONV_2D', { padding: 'VALID', strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, activation: 'NONE' },
      [x, b.tensor('w', [32, 1, 1, 1], 'int8', { scales: [0.01], zeroPoints: [0], axis: 0 }, new Int8Array(32).fill(1)), b.tensor('b', [32], 'int32', null, new Int32Array(32))], [y]);
    const pooled = b.tensor('pool', [1, 32], 'int8', { scale: 0.05, zeroPoint: 0 });
    b.op('MEAN', { keepDims: false }, [y, b.tensor('axes', [2], 'int32', null, Int32Array.of(1, 2))], [pooled]);
    const logits = b.tensor('logits', [1, 2], 'int8', { scale: 0.1, zeroPoint: 0 });
    b.op('FULLY_CONNECTED', { activation: 'NONE', keepNumDims: false, shuffledWeights: false },
      [pooled, b.tensor('fw', [2, 32], 'int8', { scales: [0.01], zeroPoints: [0], axis: 0 }, new Int8Array(64)), b.tensor('fb', [2], 'int32', null, new Int32Array(2))], [logits]);
    b.inputs = [x];
    b.outputs = [logits];
    expect(refusal(writeTflite(b.model('big.tflite')))).toBe('odd.tflite: the activation "conv0.out" (32x1024x1024) takes 33,554,432 bytes, more than the 16,777,216 any activation may');
  });
  it('opens non-square kernels, each axis padded in the conv where it can be and by a pad node where not; its int8 logits are TFLite\'s', () => {
    // The conv's weights differ tap by tap (the model's), so a transposed kernel or a shifted window changes the logits.
    const cases: [Uint8Array, Record<string, number>, number[] | null][] = [
      // 10x4 SAME stride 2 on 8x8: rows 4/4, columns 1/1, both in the conv.
      [model(10, 4, 'SAME', 2), { kernel: 10, kernelW: 4, padding: 4, paddingW: 1 }, null],
      // 5x3 SAME stride 1: rows 2/2, columns 1/1.
      [model(5, 3, 'SAME'), { kernel: 5, kernelW: 3, padding: 2, paddingW: 1 }, null],
      // 4x3 SAME stride 1: rows 1/2 by a pad node, columns 1/1 in the conv.
      [model(4, 3, 'SAME'), { kernel: 4, kernelW: 3, padding: 0, paddingW: 1 }, [1, 0, 2, 0]],
      // 10x4 SAME stride 1: rows 4/5 and columns 1/2, both by the pad node.
      [model(10, 4, 'SAME'), { kernel: 10, kernelW: 4, padding: 0 }, [4, 1, 5, 2]],
      // 1x3 VALID.
      [model(1, 3, 'VALID'), { kernel: 1, kernelW: 3, padding: 0 }, null],
    ];
    for (const [bytes, attrs, pad] of cases) {
      const m = modelFromFile('odd.tflite', bytes, { head: 'int8' });
      expect(m.graph.nodes.map((n) => n.op)).toEqual([...(pad ? ['pad'] : []), 'conv2d', 'reshape', 'conv2d', 'softmax_ce']);
      if (pad) expect(m.graph.nodes[0].attrs).toEqual({ top: pad[0], left: pad[1], bottom: pad[2], right: pad[3] });
      const conv = backboneConvs(m.graph)[0];
      expect({ ...conv.attrs, role: undefined, convIndex: undefined, stride: undefined, groups: undefined }).toEqual({ ...attrs, role: undefined, convIndex: undefined, stride: undefined, groups: undefined });
      expect(m.graph.tensors[conv.inputs[1]].shape).toEqual([2, 1, attrs.kernel, attrs.kernelW]);
      const tm = readTflite(bytes, 'odd.tflite');
      for (let i = 0; i < 5; i++) {
        const x = Int8Array.from({ length: 64 }, (_, j) => ((j * 37 + i * 11) % 256) - 128);
        const theirs = runImportedModel(tm, x).get(tm.outputs[0]) as Int8Array;
        expect(Array.from(runForward(m, x)[m.graph.logits])).toEqual(Array.from(theirs));
      }
    }
  });
  it('refuses strides that differ between rows and columns', () => {
    expect(refusal(model(3, 3, 'SAME', [2, 1]))).toBe('odd.tflite: the studio cannot train this graph: one CONV_2D with unequal strides (operator 0 (CONV_2D, output "conv"): strides 2x1)');
  });
  it('lowers padding that differs before and after (SAME stride 2 on an even size, a PAD of other amounts) to a pad and the conv with padding 0; its int8 logits are TFLite\'s', () => {
    const cases: [Uint8Array, number[], number[], Record<string, number>?][] = [
      // SAME, stride 2, 8x8: 0 before, 1 after.
      [model(3, 3, 'SAME', 2), [0, 0, 1, 1], [4, 4]],
      // PAD 0/1 rows, 2/0 columns, then VALID stride 1.
      [model(3, 3, 'VALID', 1, [0, 1, 2, 0]), [0, 2, 1, 0], [7, 8]],
      // PAD 1 row on top, then SAME stride 2 (9 rows pad 1/1 more, 8 columns 0/1): rows 2/1, which the
      // conv's 2 and 2 read alike (the last window ends on the first row below), columns 0/1 by the pad.
      [model(3, 3, 'SAME', 2, [1, 0, 0, 0]), [0, 0, 0, 1], [5, 4], { padding: 2, paddingW: 0 }],
    ];
    for (const [bytes, [top, left, bottom, right], out, convPad] of cases) {
      const m = modelFromFile('odd.tflite', bytes, { head: 'int8' });
      expect(m.graph.nodes.map((n) => n.op)).toEqual(['pad', 'conv2d', 'reshape', 'conv2d', 'softmax_ce']);
      expect(m.graph.nodes[0].attrs).toEqual({ top, left, bottom, right });
      expect(backboneConvs(m.graph)[0].attrs).toMatchObject({ kernel: 3, ...(convPad ?? { padding: 0 }) });
      expect(m.graph.tensors[m.graph.nodes[1].outputs[0]].shape).toEqual([2, ...out]);
      const tm = readTflite(bytes, 'odd.tflite');
      for (let i = 0; i < 5; i++) {
        const x = Int8Array.from({ length: 64 }, (_, j) => ((j * 37 + i * 11) % 256) - 128);
        const theirs = runImportedModel(tm, x).get(tm.outputs[0]) as Int8Array;
        expect(Array.from(runForward(m, x)[m.graph.logits])).toEqual(Array.from(theirs));
      }
    }
  });
});
