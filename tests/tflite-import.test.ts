// An int8 .tflite of the inverted-bottleneck family (MCUNet's visual-wake-words model) opened as a
// training graph: its structure, what is refused and why, that the studio's int8 forward is
// TFLite's own arithmetic (our TFLite kernels, held to Arm NN in tflite-armnn.test.ts, and Arm NN
// itself), and its exported firmware on QEMU against the TypeScript runtime.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportCProject, syntheticSamples } from '../src/engine/codegen/index.ts';
import { loadFashionMnist } from '../src/engine/data/datasets.ts';
import { grayImageAt, resizeBilinear } from '../src/engine/data/preprocess.ts';
import { InputError } from '../src/engine/input-error.ts';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { modelFromTflite } from '../src/engine/models/from-tflite.ts';
import { modelFileKind, modelFromFile } from '../src/engine/models/model-file.ts';
import { encodeWeights } from '../src/engine/models/weights-file.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { runForward } from '../src/engine/runtime/reference.ts';
import { chipTarget } from '../src/engine/targets.ts';
import { mulberry32 } from '../src/engine/util/random.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { readTflite } from '../src/engine/tflite/read.ts';
import { graphToTflite, toNhwc } from '../src/engine/tflite/from-graph.ts';
import { writeTflite } from '../src/engine/tflite/write.ts';
import { lowerModel } from '../src/engine/tflite-kernels/lower.ts';
import { runImportedModel } from '../src/engine/tflite-kernels/run.ts';
import { forArmnn, runArmnn } from './armnn.ts';
import { make, parseSteps, parseTrace, runQemu, traceDiffs, tsTrace, writeProject } from './firmware.ts';
import { requireTool } from './require-tool.ts';
import { tinyFamilyTflite } from './tflite-family.ts';

const VWW = 'mcunet-vww.tflite';
const vwwBytes = new Uint8Array(readFileSync(new URL(`../../shared/models/tflite/${VWW}`, import.meta.url)));
const own = (name: string) => new Uint8Array(readFileSync(new URL(`../public/models/${name}`, import.meta.url)));

describe('opening an int8 .tflite as a training graph', () => {
  it('maps mcunet-vww.tflite onto the graph: 45 convs in 15 blocks, 8 residual adds, its 80x80 input, its int8 head', () => {
    expect(modelFileKind(vwwBytes)).toBe('tflite');
    const m = modelFromTflite(vwwBytes, { fileName: VWW, head: 'int8' });
    const g = m.graph;
    expect(g.tensors[g.input].shape).toEqual([3, 80, 80]);
    expect(g.tensors[g.input].q).toEqual({ scale: expect.closeTo(2 / 255, 5), zeroPoint: 0 });
    const convs = backboneConvs(g);
    expect(convs).toHaveLength(45);
    expect(convs.map((c) => c.attrs.role).slice(0, 4)).toEqual(['stem', 'dw', 'pw2', 'pw1']);
    expect(g.nodes.filter((n) => n.op === 'add')).toHaveLength(8);
    expect(convs[44].attrs.block).toBe(14);
    expect(g.tensors[convs[44].outputs[0]].shape).toEqual([160, 3, 3]);
    expect(g.tensors[g.logits].shape[0]).toBe(2);
    expect(m.source).toBe(`${VWW} (int8 TFLite weights, its 2-class head)`);
    // The weights are copies, not views of the file (training writes them).
    expect((m.params['conv0.weight'] as Int8Array).buffer).not.toBe(vwwBytes.buffer);
    // Another task: a fresh head, the backbone the file's.
    const ten = modelFromFile(VWW, vwwBytes, { classes: 10 });
    expect(ten.source).toMatch(/a new 10-class head/);
    expect(ten.params['conv3.weight']).toEqual(m.params['conv3.weight']);
  });

  it('saves as a .ttw and reopens as the same graph, pool stages and TFLite\'s requantization included', () => {
    const m = modelFromFile(VWW, vwwBytes, { classes: 10 });
    const again = modelFromFile('vww.ttw', encodeWeights(m.graph, m.params, { source: m.source }), { resolution: 80, classes: 10 });
    expect(m.graph.requant).toBe('tflite');
    expect(again.graph.requant).toBe('tflite');
    expect(modelFromFile('vww.ttw', encodeWeights(m.graph, m.params, { source: m.source }), { resolution: 96, classes: 5 }).graph.requant).toBe('tflite');
    expect(again.graph.nodes.find((n) => n.op === 'avgpool')!.attrs).toEqual({ stages: 'w,h' });
    expect(Object.keys(again.params).sort()).toEqual(Object.keys(m.params).sort());
    for (const k of Object.keys(m.params)) expect(again.params[k], k).toEqual(m.params[k]);
  });

  it('opens models outside the family as general graphs, and refuses what is not a model in one sentence', () => {
    const refusal = (name: string, bytes: Uint8Array) => {
      try {
        modelFromFile(name, bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      throw new Error(`${name} was not refused`);
    };
    // Files of another shape are not refused: they open as general graphs (tests/tflite-general.test.ts).
    for (const name of ['cnn-maxpool-fc.tflite', 'concat-net.tflite', 'ds-cnn-kws.tflite']) expect(modelFromFile(name, own(name)).source).toMatch(/a general graph of \d+ convs/);
    // Not a model at all, with a .tflite name: the reader's own sentence.
    expect(refusal('x.tflite', new Uint8Array(64))).toMatch(/^x\.tflite/);
    expect(refusal('notes.txt', vwwBytes)).toMatch(/opens \.pkl and \.tflite model files/);
  });
});

/** Fashion-MNIST test images as the model's float input in [-1, 1] (NHWC, gray repeated). */
function images(count: number): Float32Array[] {
  const fashion = loadFashionMnist(undefined, 'test');
  return Array.from({ length: count }, (_, i) => {
    const r = resizeBilinear(grayImageAt(fashion.images, i, 28, 28), 80, 80);
    const x = new Float32Array(80 * 80 * 3);
    for (let p = 0; p < 6400; p++) for (let c = 0; c < 3; c++) x[p * 3 + c] = r[p] / 127.5 - 1;
    return x;
  });
}

/** HWC -> CHW. */
function toChw(x: Int8Array, hw: number, c: number): Int8Array {
  const y = new Int8Array(x.length);
  for (let p = 0; p < hw; p++) for (let ch = 0; ch < c; ch++) y[ch * hw + p] = x[p * c + ch];
  return y;
}

describe('the studio\'s int8 forward of the imported model against TFLite\'s arithmetic', () => {
  const tm = readTflite(vwwBytes, VWW);
  const kernels = lowerModel(tm);
  const model = modelFromTflite(vwwBytes, { fileName: VWW, head: 'int8' });
  const g = model.graph;
  const convOps = tm.ops.filter((o) => o.kind === 'CONV_2D' || o.kind === 'DEPTHWISE_CONV_2D');
  const addOps = tm.ops.filter((o) => o.kind === 'ADD');
  const addNodes = g.nodes.filter((n) => n.op === 'add');
  const fcOut = tm.ops.find((o) => o.kind === 'FULLY_CONNECTED')!.outputs[0];
  const poolOut = tm.ops.filter((o) => o.kind === 'MEAN').at(-1)!.outputs[0];
  const xs = images(100);
  const runs = xs.map((x) => {
    const theirs = runImportedModel(tm, x, kernels);
    const ours = runForward(model, toChw(theirs.get(tm.ops[0].outputs[0]) as Int8Array, 6400, 3));
    return { theirs, ours };
  });
  /** Identical values of a TFLite NHWC tensor and an IR CHW tensor, over every run. */
  const agreement = (t: number, name: string) => {
    let same = 0, n = 0, maxDiff = 0;
    const [, h, w, c] = tm.tensors[t].shape.length === 4 ? tm.tensors[t].shape : [1, 1, 1, tm.tensors[t].shape.at(-1)!];
    for (const { theirs, ours } of runs) {
      const a = theirs.get(t) as Int8Array, b = ours[name] as Int8Array;
      for (let ch = 0; ch < c; ch++) {
        for (let p = 0; p < h * w; p++, n++) {
          const d = Math.abs(a[p * c + ch] - b[ch * h * w + p]);
          if (d === 0) same++;
          maxDiff = Math.max(maxDiff, d);
        }
      }
    }
    return { identical: same / n, maxDiff, n };
  };

  // The imported graph computes in TFLite's integer arithmetic (Graph.requant 'tflite': its multipliers,
  // single rounding, ADD's 2^20 lift), so every value is TFLite's. (In the paper's float32
  // requantization, over these 100 images 9 had a value near a rounding tie one step apart, spreading
  // to 99.89% of conv outputs and 98.5% of logits identical.)
  it('the graph is in TFLite\'s arithmetic; every conv and residual add gives TFLite\'s values on 100 Fashion-MNIST images', () => {
    expect(g.requant).toBe('tflite');
    let same = 0, n = 0;
    for (const [i, op] of convOps.entries()) {
      const a = agreement(op.outputs[0], `conv${i}.out`);
      same += a.identical * a.n; n += a.n;
    }
    expect(n).toBe(42_892_800); // 45 convs x 100 images
    expect(same).toBe(n);
    for (const [i, op] of addOps.entries()) expect(agreement(op.outputs[0], addNodes[i].outputs[0]).identical).toBe(1);
  });

  it('the pool is the file\'s (TRANSPOSE, MEAN over W, MEAN over H: two roundings) and the logits are TFLite\'s, so the same top-1', () => {
    expect(g.nodes.find((n) => n.op === 'avgpool')!.attrs).toEqual({ stages: 'w,h' });
    const pool = agreement(poolOut, 'pool.out');
    expect(pool.identical).toBe(1);
    const logits = agreement(fcOut, g.logits);
    expect(logits.n).toBe(200);
    expect(logits.identical).toBe(1);
    for (const { theirs, ours } of runs) {
      const a = theirs.get(fcOut) as Int8Array, b = ours[g.logits] as Int8Array;
      expect(b.indexOf(Math.max(...b))).toBe(a.indexOf(Math.max(...a)));
    }
  });

  it.skipIf(!(requireTool('pyarmnn') && requireTool('armnn-cpuref') && requireTool('armnn-tflite-parser')))('Arm NN gives the same top-1 and logits within one step', () => {
    const arm = runArmnn(writeTflite(forArmnn(tm, [fcOut])), xs.slice(0, 6));
    runs.slice(0, 6).forEach(({ ours }, i) => {
      const a = arm.values[i][0] as Int8Array, b = ours[g.logits] as Int8Array;
      expect(b.indexOf(Math.max(...b))).toBe(a.indexOf(Math.max(...a)));
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - b[j])).toBeLessThanOrEqual(1);
    });
  });
});

describe('the imported model exported again as .tflite (tflite/from-graph.ts)', () => {
  it('in TFLite\'s arithmetic the graph\'s forward is the exported file\'s, bit for bit: every conv, add, the pool and the logits on 20 images', () => {
    const model = modelFromTflite(vwwBytes, { fileName: VWW, head: 'int8' });
    const g = model.graph;
    const { model: file } = graphToTflite(model);
    const tm = readTflite(writeTflite(file), 'exported.tflite');
    // The pool leaves as the MEAN stages it came in as (a mean of each row, then of the rows).
    expect(tm.ops.filter((o) => o.kind === 'MEAN')).toHaveLength(2);
    const byName = new Map(tm.tensors.map((t) => [t.name, t]));
    const checked = g.nodes.filter((n) => n.op === 'conv2d' || n.op === 'add' || n.op === 'avgpool').map((n) => n.outputs[0]);
    const vww = readTflite(vwwBytes, VWW);
    for (const x of images(20)) {
      const input = toChw(runImportedModel(vww, x).get(vww.ops[0].outputs[0]) as Int8Array, 6400, 3);
      const ours = runForward(model, input);
      const exported = runImportedModel(tm, toNhwc(input, g));
      for (const name of checked) {
        const t = byName.get(name) ?? byName.get(`${name}/nhwc`)!;
        const [, h, w, c] = t.shape.length === 4 ? t.shape : [1, 1, 1, t.shape[1]];
        const a = exported.get(t.index) as Int8Array, b = ours[name] as Int8Array;
        for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) if (a[p * c + ch] !== b[ch * h * w + p]) expect.fail(`${name}: channel ${ch} position ${p}`);
      }
      expect(Array.from(exported.get(tm.outputs[0]) as Int8Array)).toEqual(Array.from(ours[g.logits]));
    }
  });
});

describe('a small model of the family made in code (SAME padding; an explicit PAD)', () => {
  for (const explicitPad of [false, true]) {
    it(`${explicitPad ? 'PAD then VALID' : 'SAME'}: every logit equals TFLite's on 20 inputs (one MEAN, one rounding)`, () => {
      const bytes = tinyFamilyTflite(3, { explicitPad });
      const tm = readTflite(bytes, 'tiny.tflite');
      const m = modelFromTflite(bytes, { fileName: 'tiny.tflite', head: 'int8' });
      const logitsT = tm.ops.find((o) => o.kind === 'FULLY_CONNECTED')!.outputs[0];
      const rand = mulberry32(9);
      for (let i = 0; i < 20; i++) {
        const x = Float32Array.from({ length: 243 }, () => rand() * 2 - 1);
        const theirs = runImportedModel(tm, x);
        const ours = runForward(m, toChw(theirs.get(tm.ops[0].outputs[0]) as Int8Array, 81, 3));
        expect(Array.from(ours[m.graph.logits])).toEqual(Array.from(theirs.get(logitsT) as Int8Array));
      }
    });
  }
});

const hasQemu = requireTool('arm-none-eabi-gcc') && requireTool('newlib') && requireTool('qemu-system-arm');

describe('training and firmware of the imported model', () => {
  // In TFLite's arithmetic: last-3 runs the early stage as fused chains with residual adds (tt_chain_add.rq), some written over their input,
  // last-12 also trains through blocks whose residual adds run alone with their clamp masks (tt_add_q);
  // on the M55 (mps3-an547) with its Helium paths built in.
  for (const [schemeName, target] of [['last-3', 'mps2-an500'], ['last-12', 'mps2-an500'], ['last-12', 'mps3-an547']] as const) {
  it.skipIf(!hasQemu)(`the exported ${target} firmware hashes every tensor as the TypeScript runtime (${schemeName}, 10 new classes)`, () => {
    const m = modelFromFile(VWW, vwwBytes, { classes: 10 });
    expect(m.graph.requant).toBe('tflite');
    const scheme = builtinScheme(schemeName, backboneConvs(m.graph).length)!;
    const program = compileTraining(m.graph, scheme, { sramBudget: chipTarget(target)!.sramBytes });
    const samples = syntheticSamples(m.graph, 2, 11);
    const hyper = { weight: { lr: 0.05, momentum: 0, qas: true }, bias: { lr: 0.02, momentum: 0, qas: true }, head: { lr: 0.01, momentum: 0, qas: false }, rounding: { mode: 'stochastic' as const, seed: 5 } };
    const dir = writeProject(exportCProject(program, m.params, samples, { target, hyper, steps: 2 }));
    const build = make(dir, 'all', { EXTRA_CFLAGS: '-DTT_DEBUG' });
    expect(build.status, build.stderr).toBe(0);
    const r = runQemu(join(dir, 'build/firmware.elf'), { machine: target, timeoutMs: 120_000 });
    expect(r.status, r.stdout.slice(-2000)).toBe(0);
    const ts = tsTrace(program, m.params, samples, hyper, 2);
    const c = parseTrace(r.stdout);
    expect(traceDiffs(ts.hashes, c)).toEqual([]);
    expect(c.size).toBe(ts.hashes.size);
    expect(parseSteps(r.stdout).map((s) => s.bits)).toEqual(ts.losses);
    if (schemeName === 'last-12') expect(program.kernels.some((k) => k.op === 'add' && k.attrs.mask)).toBe(true);
  });
  }
});
