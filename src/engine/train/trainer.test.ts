/**
 * The training loop on a small real task (Fashion-MNIST through the paper's mcunet-5fps weights at a
 * reduced resolution), its agreement with the device program, and the failure paths: NaN and
 * exploding loss, cancel half way, pause and resume.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, loadFashionMnist } from '../data/datasets.ts';
import { fromIdx, sampleSource, splitBySeed } from '../data/samples.ts';
import { backboneConvs, type Model } from '../ir/graph.ts';
import { buildGraph } from '../models/build.ts';
import { modelFromPkl } from '../models/from-pkl.ts';
import { syntheticParams } from '../models/synthetic.ts';
import { zooArch } from '../models/zoo.ts';
import { compileTraining } from '../program/compile.ts';
import { ArenaExecutor } from '../runtime/executor.ts';
import { mulberry32 } from '../util/random.ts';
import { builtinScheme } from './builtin-schemes.ts';
import { TrainControl, Trainer, copyParams, zeroFloatHead, type Progress, type SampleSource } from './trainer.ts';

const PKL = new URL('../../../../shared/models/tiny-training/mcunet-5fps.pkl', import.meta.url);
const HAVE_DATA = existsSync(PKL) && existsSync(FASHION_MNIST_DIR);
const RES = 32;

function pklModel(): Model {
  return zeroFloatHead(modelFromPkl(new Uint8Array(readFileSync(PKL)), { fileName: 'mcunet-5fps.pkl', classes: 10, resolution: RES }));
}

function fashion(model: Model, train: number, val: number) {
  const set = fromIdx(loadFashionMnist(undefined, 'test'), FASHION_MNIST_CLASSES);
  const s = splitBySeed(set, { seed: 3, train, val });
  return { train: sampleSource(set, s.train, model.graph), val: sampleSource(set, s.val, model.graph) };
}

/** Random images: enough for the failure paths, which do not need learning. */
function randomSource(model: Model, n: number, seed = 1): SampleSource {
  const rand = mulberry32(seed);
  const size = model.graph.tensors[model.graph.input].shape.reduce((a, b) => a * b, 1);
  const items = Array.from({ length: n }, () => ({ input: Int8Array.from({ length: size }, () => Math.floor(rand() * 256) - 128), label: Math.floor(rand() * 10) }));
  return { length: n, get: (i) => items[i] };
}

function zooModel(res = 32): Model {
  const graph = buildGraph(zooArch('mcunet-5fps'), { resolution: res, classes: 10 });
  return { graph, params: syntheticParams(graph), source: 'synthetic' };
}

const scheme = (name: string, m: Model) => builtinScheme(name, backboneConvs(m.graph).length)!;

describe.skipIf(!HAVE_DATA)('training on Fashion-MNIST with the paper\'s mcunet-5fps', () => {
  it('int8 + QAS: the loss decreases and the validation accuracy is far above chance', async () => {
    const model = pklModel();
    const data = fashion(model, 400, 200);
    const events: Progress[] = [];
    const t = new Trainer(model, scheme('mcunet-5fps@99kb', model), { epochs: 1, progressEvery: 100, warmupSteps: 20 });
    const r = await t.run(data, { onProgress: (p) => events.push(p) });
    expect(r.status).toBe('completed');
    const train = events.filter((e) => e.phase === 'train');
    expect(train.at(-1)!.loss).toBeLessThan(train[0].loss * 0.7);
    expect(r.valAccuracy!).toBeGreaterThan(0.5);
    // The caller's model is untouched; the trained weights differ from it.
    expect(model.params['conv39.weight']).not.toEqual(r.params['conv39.weight']);
    for (const e of events) expect(e.imagesPerSecond).toBeGreaterThanOrEqual(0);
    // Under Node the int8 run uses the WebAssembly kernels.
    expect(new Set(events.map((e) => e.kernels))).toEqual(new Set(['wasm']));
  }, 120_000);

  it('float32 training of the same network and gradient accumulation learn too', async () => {
    const model = pklModel();
    const data = fashion(model, 200, 100);
    const fp = await new Trainer(model, scheme('mcunet-5fps@99kb', model), { precision: 'fp32', warmupSteps: 10 }).run(data);
    expect(fp.valAccuracy!).toBeGreaterThan(0.4);
    expect(fp.params['conv39.weight']).toBeInstanceOf(Float32Array);
    const acc = await new Trainer(model, scheme('mcunet-5fps@99kb', model), { batchSize: 4, lr: { weight: 0.004, bias: 0.004, head: 0.004 }, warmupSteps: 5 }).run(data);
    expect(acc.status).toBe('completed');
    expect(acc.valAccuracy!).toBeGreaterThan(0.4);
  }, 120_000);
});

describe('the trainer and the device program', () => {
  // The trainer updates after the batch (SparseSgd), the program in place inside the backward: the
  // counter-based draws make their stochastic rounding agree too.
  for (const rounding of ['nearest', 'stochastic'] as const) {
    it(`batch 1, ${rounding} rounding, constant rate: the same weights as the in-place program, bit for bit`, async () => {
      const model = zooModel();
      const s = scheme('mcunet-5fps@99kb', model);
      const lr = { weight: 0.05, bias: 0.02, head: 0.01 };
      const data = randomSource(model, 4);
      const seed = 1;
      const t = new Trainer(model, s, { lr, schedule: 'constant', rounding, seed, evalEachEpoch: false });
      const r = await t.run({ train: data });
      const device = new ArenaExecutor(compileTraining(model.graph, s), copyParams(model.params), {
        weight: { lr: lr.weight, momentum: 0, qas: true }, bias: { lr: lr.bias, momentum: 0, qas: true }, head: { lr: lr.head, momentum: 0, qas: false },
        rounding: rounding === 'nearest' ? { mode: 'nearest' } : { mode: 'stochastic', seed },
      });
      // The trainer shuffles: replay its order (the same seeded shuffle) on the device program.
      const order = shuffledOrder(data.length, 1);
      for (const i of order) device.step(data.get(i).input, data.get(i).label);
      let changed = 0;
      for (const name of Object.keys(model.params)) {
        expect(Array.from(r.params[name]), name).toEqual(Array.from(device.params[name]));
        if (Array.from(model.params[name]).some((v, i) => v !== r.params[name][i])) changed++;
      }
      expect(changed).toBeGreaterThan(3);
    });
  }
});

function shuffledOrder(n: number, seed: number): number[] {
  const rand = mulberry32(seed);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

describe('failure paths', () => {
  it('a NaN loss stops training with a message and keeps the last good weights', async () => {
    const model = zooModel();
    const t = new Trainer(model, scheme('last-4', model), { snapshotEvery: 2, progressEvery: 2, evalEachEpoch: false });
    // Poison the head after a few good updates: the next loss is NaN.
    let poisoned: Float32Array | null = null;
    const r = await t.run({ train: randomSource(model, 20) }, {
      onProgress: (p) => {
        if (p.step === 6) {
          poisoned = (t.params['classifier.weight'] as Float32Array).slice();
          t.params['classifier.weight'][0] = NaN;
        }
      },
    });
    expect(r.status).toBe('diverged');
    expect(r.message).toMatch(/not a number.*last good ones \(from update 6\)/);
    expect(poisoned).not.toBeNull();
    for (const v of r.params['classifier.weight']) expect(Number.isFinite(v)).toBe(true);
    // The caller's parameters were never touched.
    expect(Number.isFinite(model.params['classifier.weight'][0])).toBe(true);
  });

  it('an exploding loss stops training and restores the last snapshot', async () => {
    const model = zooModel();
    const r = await new Trainer(model, scheme('last-4', model), { lr: { weight: 50, bias: 50, head: 50 }, warmupSteps: 0, maxLoss: 20, evalEachEpoch: false })
      .run({ train: randomSource(model, 40) });
    expect(r.status).toBe('diverged');
    expect(r.message).toMatch(/exploded|not a number/);
    expect(r.message).toMatch(/last good ones/);
  });

  it('cancel half way returns the weights so far; pause holds the loop until resume', async () => {
    const model = zooModel();
    const control = new TrainControl();
    const cancelled = await new Trainer(model, scheme('bias-only', model), { progressEvery: 5, evalEachEpoch: false })
      .run({ train: randomSource(model, 20) }, { control, onProgress: (p) => p.step === 10 && control.cancel() });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.steps).toBe(10);
    expect(cancelled.message).toMatch(/cancelled after 10 of 20 images/);

    const c2 = new TrainControl();
    let pausedAt = -1;
    const run = new Trainer(model, scheme('bias-only', model), { progressEvery: 5, evalEachEpoch: false }).run({ train: randomSource(model, 20) }, {
      control: c2, onProgress: (p) => {
        if (p.step === 5) {
          c2.pause();
          pausedAt = p.step;
        }
      },
    });
    for (let i = 0; i < 200 && pausedAt < 0; i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 100));
    expect(pausedAt).toBe(5);
    expect(c2.isPaused).toBe(true);
    c2.resume();
    const done = await run;
    expect(done.status).toBe('completed');
    expect(done.steps).toBe(20);
  });

  it('refuses an empty training split and bad options', async () => {
    const model = zooModel();
    await expect(new Trainer(model, scheme('bias-only', model)).run({ train: { length: 0, get: () => { throw new Error('x'); } } })).rejects.toThrow(/empty/);
    expect(() => new Trainer(model, scheme('bias-only', model), { batchSize: 0 })).toThrow(/batch size/);
  });
});
