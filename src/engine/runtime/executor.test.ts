/**
 * The two executors of one training program must agree bit for bit: the arena executor (every tensor a
 * view at its planned offset in one ArrayBuffer, as on the device) and the reference executor (a buffer
 * per tensor). A wrong memory plan, a wrong alias or a kernel that breaks when run in place shows up as
 * a difference. The schedule options (row fusion, in-place forward ops, update reordering, the fused
 * depthwise/pw1 backward) change memory and the moment updates happen, never values, so every variant
 * must also give the same parameters.
 */
import { describe, expect, it } from 'vitest';
import { backboneConvs, type Graph, type ParamStore } from '../ir/graph.ts';
import type { TypedArray } from '../ir/tensor.ts';
import { archFromRows, convCount, type ArchSpec, type BlockRow } from '../models/arch.ts';
import { buildGraph } from '../models/build.ts';
import { syntheticParams } from '../models/synthetic.ts';
import { ZOO_NAMES, zooArch } from '../models/zoo.ts';
import { compileTraining, type CompileOptions, type TrainingProgram } from '../program/compile.ts';
import { builtinScheme, builtinSchemeNames } from '../train/builtin-schemes.ts';
import type { Scheme, WeightUpdate } from '../train/scheme.ts';
import { mulberry32 } from '../util/random.ts';
import { ArenaExecutor, DEFAULT_HYPER, optimizerState, runReference, type StepResult } from './executor.ts';
import { runForward } from './reference.ts';
import type { Hyper } from './kernels.ts';

/** A reduced resolution keeps the suite fast; every stride-2 stage still has more than one row. */
const RES = 48;
/** The full update (every conv trains, the image itself is saved) is the costliest: a smaller image. */
const RES_FULL = 32;
const STEPS = 2;
/**
 * Learning rates large enough that a step changes many int8 weights (the defaults barely move them at
 * batch 1), with stochastic rounding: the schedule variants apply the updates in other orders (fused
 * block backward, reordered kernels), so their agreement shows the draws do not depend on the order.
 */
const HYPER: Hyper = {
  weight: { lr: 0.05, momentum: 0, qas: true },
  bias: { lr: 0.02, momentum: 0, qas: true },
  head: { lr: 0.01, momentum: 0, qas: false },
  rounding: { mode: 'stochastic', seed: 3 },
};
const HYPER_MOMENTUM: Hyper = {
  weight: { ...HYPER.weight, momentum: 0.9 },
  bias: { ...HYPER.bias, momentum: 0.9 },
  head: { ...HYPER.head, momentum: 0.9 },
  rounding: HYPER.rounding,
};

const VARIANTS: [string, CompileOptions][] = [
  ['default', {}],
  ['fuseRows: false', { fuseRows: false }],
  ['inPlace: false', { inPlace: false }],
  ['reorder: false', { reorder: false }],
  ['fuseBackward: false', { fuseBackward: false }],
  ['streamInput: false', { streamInput: false }],
];

/** Distinct random images and labels, one per step. */
function batches(g: Graph, n: number, seed: number): { input: Int8Array; label: number }[] {
  const rand = mulberry32(seed);
  const size = g.tensors[g.input].shape.reduce((a, b) => a * b, 1);
  const classes = g.tensors[g.logits].shape[0];
  return Array.from({ length: n }, () => ({
    input: Int8Array.from({ length: size }, () => Math.floor(rand() * 256) - 128),
    label: Math.floor(rand() * classes),
  }));
}

const copyParams = (p: ParamStore): ParamStore => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.slice() as TypedArray]));

/** First index where two arrays differ bit for bit (Object.is: -0 and 0 differ, NaN equals NaN), or -1. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** Asserts two parameter stores are bit-identical, naming the first differing parameter and element. */
function expectSameParams(a: ParamStore, b: ParamStore, what: string): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const name of Object.keys(a)) {
    const i = firstDiff(a[name], b[name]);
    if (i >= 0) expect.fail(`${what}: parameter ${name}[${i}] differs: ${a[name][i]} vs ${b[name][i]}`);
  }
}

function expectSameStep(a: StepResult, b: StepResult, what: string): void {
  if (!Object.is(a.loss, b.loss)) expect.fail(`${what}: loss ${a.loss} vs ${b.loss}`);
  const i = firstDiff(a.logits, b.logits);
  if (i >= 0) expect.fail(`${what}: logit ${i} differs: ${a.logits[i]} vs ${b.logits[i]}`);
}

interface Run {
  params: ParamStore;
  steps: StepResult[];
}

/** Runs the program for every batch in both executors and checks they agree after every step. */
function runBoth(program: TrainingProgram, init: ParamStore, data: { input: Int8Array; label: number }[], hyper: Hyper, what: string): Run {
  const arenaParams = copyParams(init);
  const refParams = copyParams(init);
  const arena = new ArenaExecutor(program, arenaParams, hyper);
  const state = optimizerState(program);
  const steps: StepResult[] = [];
  data.forEach(({ input, label }, s) => {
    const a = arena.step(input, label);
    const r = runReference(program, refParams, input, label, { hyper, state, update: s });
    expectSameStep(a, r, `${what}, step ${s}: arena vs reference`);
    expectSameParams(arenaParams, refParams, `${what}, after step ${s}: arena vs reference`);
    steps.push(a);
  });
  return { params: arenaParams, steps };
}

/**
 * The program's forward pass computes the graph's function: its logits and loss before any update equal
 * those of the plain forward executor (one buffer per tensor, node by node, no schedule at all).
 */
function expectForwardMatchesGraph(program: TrainingProgram, init: ParamStore, data: { input: Int8Array; label: number }, what: string): void {
  const g = program.graph;
  const fwd = runForward({ graph: g, params: copyParams(init), source: 'test' }, data.input, data.label);
  const q = g.tensors[g.logits].q;
  const logits = Float32Array.from(fwd[g.logits], (x) => (q ? (x - q.zeroPoint) * q.scale : x));
  const ex = new ArenaExecutor(program, copyParams(init), HYPER);
  // The forward pass alone (the firmware's tt_predict): the head's own logits, bit for bit.
  const p = ex.predict(data.input);
  const raw = fwd[g.logits];
  expect(new Uint8Array(p.raw.buffer, p.raw.byteOffset, p.raw.byteLength), `${what}: predict vs the plain forward pass`)
    .toEqual(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
  let best = 0;
  for (let k = 1; k < logits.length; k++) if (logits[k] > logits[best]) best = k;
  expect(p.predicted).toBe(best);
  const step = ex.step(data.input, data.label);
  expectSameStep(step, { loss: fwd[g.loss!][0], logits }, `${what}: first step vs the plain forward pass`);
}

/** Elements of every parameter that the scheme does not train must keep their initial values. */
function expectFrozenUntouched(program: TrainingProgram, init: ParamStore, after: ParamStore): void {
  const g = program.graph;
  const convs = new Map(backboneConvs(g).map((c) => [c.name, c]));
  const trainedW = new Map(program.scheme.convs.map((u) => [u.node, u.channels]));
  const trainedB = new Set(program.scheme.convs.filter((u) => u.bias).map((u) => u.node));
  for (const [node, conv] of convs) {
    const [w, b] = conv.inputs.slice(1, 3);
    const [, cpg, k] = g.tensors[w].shape;
    const n = trainedW.get(node) ?? 0;
    const dw = conv.attrs.groups > 1;
    for (let i = 0; i < init[w].length; i++) {
      const oc = Math.floor(i / (cpg * k * k)), ic = Math.floor(i / (k * k)) % cpg;
      const trained = dw ? oc < n : ic < n;
      if (!trained && init[w][i] !== after[w][i]) expect.fail(`${w}[${i}] (oc ${oc}, ic ${ic}) changed but ${node} trains ${n} channels`);
    }
    if (!trainedB.has(node) && firstDiff(init[b], after[b]) >= 0) expect.fail(`${b} changed but ${node}'s bias is frozen`);
  }
}

/** How many elements of the trained parameters a run changed (so the comparisons are not vacuous). */
function changedElements(program: TrainingProgram, init: ParamStore, after: ParamStore): number {
  let n = 0;
  for (const t of program.trainable) for (let i = 0; i < init[t.param].length; i++) if (init[t.param][i] !== after[t.param][i]) n++;
  return n;
}

/** Compiles the scheme in every schedule variant; checks arena = reference in each and the variants against each other. */
function checkVariants(g: Graph, scheme: Scheme, init: ParamStore, data: { input: Int8Array; label: number }[], what: string): void {
  let baseline: Run | null = null;
  for (const [label, opts] of VARIANTS) {
    const program = compileTraining(g, scheme, opts);
    // The other variants must then match this one, so checking the default (every optimisation on) suffices.
    if (label === 'default') expectForwardMatchesGraph(program, init, data[0], `${what} (${label})`);
    const run = runBoth(program, init, data, HYPER, `${what} (${label})`);
    expectFrozenUntouched(program, init, run.params);
    if (!baseline) {
      baseline = run;
      // The head always trains, so at least the classifier must move.
      expect(changedElements(program, init, run.params)).toBeGreaterThan(0);
      continue;
    }
    run.steps.forEach((s, i) => expectSameStep(s, baseline!.steps[i], `${what}: step ${i}, ${label} vs default`));
    expectSameParams(run.params, baseline.params, `${what}: ${label} vs default`);
  }
}

describe('arena executor equals reference executor, and schedule options do not change values', () => {
  for (const model of ZOO_NAMES) {
    for (const name of builtinSchemeNames(model).filter((s) => s !== 'full')) {
      it(`${model} ${name}`, () => {
        // A graph of its own per test: compiling must not depend on what was compiled before.
        const g = buildGraph(zooArch(model), { resolution: RES, classes: 10 });
        const scheme = builtinScheme(name, backboneConvs(g).length)!;
        checkVariants(g, scheme, syntheticParams(g, 7), batches(g, STEPS, 11), `${model} ${name}`);
      });
    }
    it(`${model} full (${RES_FULL}x${RES_FULL})`, () => {
      const g = buildGraph(zooArch(model), { resolution: RES_FULL, classes: 10 });
      checkVariants(g, builtinScheme('full', backboneConvs(g).length)!, syntheticParams(g, 7), batches(g, STEPS, 13), `${model} full`);
    });
  }
});

describe('momentum', () => {
  // One paper scheme per model with momentum on, over three steps: both executors keep their velocity
  // alike, and no schedule variant changes the result.
  const PICK: Record<string, string> = { 'mcunet-5fps': 'mcunet-5fps@99kb', 'mbv2-w0.35': 'mbv2-w0.35@99kb', 'proxyless-w0.3': 'proxyless-w0.3@98kb' };
  for (const model of ZOO_NAMES) {
    it(`${model} ${PICK[model]} with momentum 0.9`, () => {
      const g = buildGraph(zooArch(model), { resolution: RES, classes: 10 });
      const convCount = backboneConvs(g).length;
      const scheme: Scheme = { ...builtinScheme(PICK[model], convCount)!, momentum: true };
      const init = syntheticParams(g, 5);
      const data = batches(g, 3, 23);
      const program = compileTraining(g, scheme);
      expect(program.trainable.every((t) => t.optimizer)).toBe(true);
      const withMomentum = runBoth(program, init, data, HYPER_MOMENTUM, `${model} momentum`);
      for (const [label, opts] of VARIANTS.slice(1)) {
        const other = runBoth(compileTraining(g, scheme, opts), init, data, HYPER_MOMENTUM, `${model} momentum, ${label}`);
        expectSameParams(other.params, withMomentum.params, `${model} momentum: ${label} vs default`);
      }
      // Momentum is really in effect: the same steps without it end elsewhere.
      const plain = runBoth(compileTraining(g, { ...scheme, momentum: false }), init, data, HYPER, `${model} no momentum`);
      const differs = program.trainable.some((t) => firstDiff(plain.params[t.param], withMomentum.params[t.param]) >= 0);
      expect(differs).toBe(true);
    });
  }
});

describe('predict: the forward pass alone', () => {
  for (const model of ZOO_NAMES) {
    for (const head of ['float32', 'int8'] as const) {
      it(`${model}, ${head} head: the graph's logits, and predictions between steps change no step`, () => {
        const g = buildGraph(zooArch(model), { resolution: RES, classes: 10, head });
        const scheme: Scheme = { ...builtinScheme('last-6', backboneConvs(g).length)!, head };
        const init = syntheticParams(g, 9);
        const data = batches(g, 3, 31);
        const program = compileTraining(g, scheme);
        expectForwardMatchesGraph(program, init, data[0], `${model} ${head}`);
        const plain = new ArenaExecutor(program, copyParams(init), HYPER);
        const predicting = new ArenaExecutor(program, copyParams(init), HYPER);
        for (const d of data) {
          predicting.predict(data[2].input);
          expectSameStep(predicting.step(d.input, d.label), plain.step(d.input, d.label), `${model} ${head}: a step after a prediction`);
        }
        expectSameParams(predicting.params, plain.params, `${model} ${head}: predictions train nothing`);
      });
    }
  }
});

describe('fused early stage', () => {
  // When block 0 has a residual add, its skip input is the stem's output: a fused chain that also ran
  // the stem (holding its output only as a ring of rows) must not read the image as the skip instead.
  it('a residual first block computes the same forward pass fused and unfused', () => {
    const g = buildGraph(archFromRows('res-first', 8, [[16, 8, 3, 1, '+']]), { resolution: 16, classes: 4 });
    const scheme: Scheme = { nBias: 0, weights: {}, head: 'float32', momentum: false };
    const init = syntheticParams(g, 1);
    const data = batches(g, 1, 5);
    const fused = compileTraining(g, scheme);
    expect(fused.kernels.some((k) => k.op === 'conv_chain' && k.attrs.adds.includes('block0.add'))).toBe(true);
    expectForwardMatchesGraph(compileTraining(g, scheme, { fuseRows: false }), init, data[0], 'res-first, fuseRows: false');
    expectForwardMatchesGraph(fused, init, data[0], 'res-first, fused');
  });
});

describe('streamed input', () => {
  // The first chain reads the image row by row from the caller's array into a ring in the arena; the
  // values are those of the whole image in the arena (the variants above check that bit for bit).
  for (const model of ZOO_NAMES) {
    it(`${model}: the image is outside the arena, a 3-row ring inside, and the caller's array is only read`, () => {
      const g = buildGraph(zooArch(model), { resolution: RES, classes: 10 });
      const scheme = builtinScheme(builtinSchemeNames(model)[0], backboneConvs(g).length)!;
      const streamed = compileTraining(g, scheme);
      const whole = compileTraining(g, scheme, { streamInput: false });
      const [c, , w] = g.tensors[g.input].shape;
      expect(streamed.inputStream).toMatchObject({ kernel: streamed.kernels[0].name, rows: 3, ringBytes: c * 3 * w });
      expect(streamed.tensors[g.input].external).toBe(true);
      expect(streamed.buffers.some((b) => b.members.includes(g.input))).toBe(false);
      expect(whole.buffers.some((b) => b.members.includes(g.input))).toBe(true);
      expect(streamed.report.input).toMatchObject({ streamed: true, ringRows: 3 });
      expect(streamed.report.notes[0]).toMatch(/^Input streamed: conv_chain:conv0 reads the 3x48x48 image/);
      // The ring instead of the image shrinks the arena (kernel workspaces aside: at 48x48 the largest one
      // can set the peak, whichever the input).
      const bare = (streamInput: boolean) => compileTraining(g, scheme, { streamInput, workspaceBytes: 0 }).arenaBytes;
      expect(bare(true)).toBeLessThan(bare(false));
      expect(streamed.arenaBytes).toBeLessThanOrEqual(whole.arenaBytes);
      const data = batches(g, 1, 3)[0];
      const image = data.input.slice();
      const init = syntheticParams(g, 2);
      const a = new ArenaExecutor(streamed, copyParams(init), HYPER).step(data.input, data.label);
      expect(firstDiff(data.input, image)).toBe(-1);
      expectSameStep(a, new ArenaExecutor(whole, copyParams(init), HYPER).step(data.input, data.label), `${model}: streamed vs whole`);
    });
  }
  it('keeps the whole image where the stem trains (its weight gradient reads the image) or rows are not fused', () => {
    const g = buildGraph(zooArch('mcunet-5fps'), { resolution: RES_FULL, classes: 10 });
    for (const p of [compileTraining(g, builtinScheme('full', backboneConvs(g).length)!), compileTraining(g, builtinScheme('head-only', 42)!, { fuseRows: false })]) {
      expect(p.inputStream).toBeNull();
      expect(p.tensors[g.input].external).toBeUndefined();
      expect(p.report.notes[0]).toMatch(/^Input whole in SRAM/);
    }
  });
  it('refuses an image of the wrong size with a message naming the shape', () => {
    const g = buildGraph(zooArch('mcunet-5fps'), { resolution: RES, classes: 10 });
    const p = compileTraining(g, builtinScheme('mcunet-5fps@99kb', 42)!);
    expect(() => new ArenaExecutor(p, syntheticParams(g, 1)).step(new Int8Array(10), 0)).toThrow('the input has 10 values, the model expects 3x48x48');
  });
});

describe('random small networks', () => {
  // Shapes the zoo does not have: blocks without pw1 anywhere (a depthwise conv reading a residual
  // block's input, which the add reads again later), a residual first block (its skip is the stem's
  // output, inside the fused early stage), k5 stride 2, odd sizes; random schemes with the int8 head
  // and momentum.
  const rand = mulberry32(31);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  function randomArch(i: number): ArchSpec {
    let cin = pick([4, 8]);
    const stem = cin;
    const rows: BlockRow[] = [];
    for (let b = 0, n = int(2, 5); b < n; b++) {
      const stride = pick([1, 1, 2]);
      const out = stride === 1 && rand() < 0.6 ? cin : pick([8, 12]);
      const mid = rand() < 0.35 ? 0 : pick([8, 16, 24]), k = pick([3, 5]);
      rows.push(stride === 1 && out === cin ? [mid, out, k, stride, '+'] : [mid, out, k, stride]);
      cin = out;
    }
    return archFromRows(`rand${i}`, stem, rows);
  }
  function randomScheme(n: number): Scheme {
    const nBias = int(1, n);
    const weights: Record<string, WeightUpdate> = {};
    for (let c = n - nBias; c < n; c++) if (rand() < 0.5) weights[c] = pick<WeightUpdate>([0, '1/8', '1/4', '1/2', 1, { channels: 1 }]);
    return { nBias, weights, head: rand() < 0.4 ? 'int8' : 'float32', momentum: rand() < 0.4 };
  }
  for (let i = 0; i < 12; i++) {
    const arch = randomArch(i);
    const scheme = randomScheme(convCount(arch));
    const resolution = int(12, 24);
    it(`${arch.name} @${resolution} ${JSON.stringify(arch.blocks.map((b) => [b.expand ? b.mid : 0, b.out, b.kernel, b.stride, b.residual ? '+' : '']))} ${JSON.stringify(scheme)}`, () => {
      const g = buildGraph(arch, { resolution, classes: 6, head: scheme.head });
      const hyper = scheme.momentum ? HYPER_MOMENTUM : HYPER;
      const init = syntheticParams(g, i);
      const data = batches(g, 3, 40 + i);
      let first: Run | null = null;
      for (const [label, opts] of VARIANTS) {
        const program = compileTraining(g, scheme, opts);
        if (label === 'default') expectForwardMatchesGraph(program, init, data[0], `${arch.name} (${label})`);
        const run = runBoth(program, init, data, hyper, `${arch.name} (${label})`);
        if (first) expectSameParams(run.params, first.params, `${arch.name}: ${label} vs default`);
        else first = run;
      }
    });
  }
});

describe('update rounding', () => {
  // At the device's default rates most int8/int32 updates are below half a step: rounding to nearest
  // loses them, stochastic rounding (the default) keeps them in expectation. Both modes run the same in
  // both executors. (Synthetic weights: on mcunet-5fps.pkl nearest changes no trained element at all.)
  it('at the default rates, stochastic rounding moves far more of the trained backbone than round to nearest', () => {
    const g = buildGraph(zooArch('mcunet-5fps'), { resolution: RES, classes: 10 });
    const scheme = builtinScheme('mcunet-5fps@99kb', backboneConvs(g).length)!;
    const program = compileTraining(g, scheme);
    const init = syntheticParams(g, 7);
    const data = batches(g, 3, 11);
    const backbone = (after: ParamStore) => {
      let n = 0;
      for (const t of program.trainable) {
        if (!(init[t.param] instanceof Int8Array || init[t.param] instanceof Int32Array)) continue;
        for (let i = 0; i < init[t.param].length; i++) if (init[t.param][i] !== after[t.param][i]) n++;
      }
      return n;
    };
    const stochastic = runBoth(program, init, data, DEFAULT_HYPER, 'default rates, stochastic');
    const nearest = runBoth(program, init, data, { ...DEFAULT_HYPER, rounding: { mode: 'nearest' } }, 'default rates, nearest');
    const [s, n] = [backbone(stochastic.params), backbone(nearest.params)];
    expect(s).toBeGreaterThan(100);
    expect(s).toBeGreaterThan(2 * n);
    // Another seed draws otherwise.
    const other = runBoth(program, init, data, { ...DEFAULT_HYPER, rounding: { mode: 'stochastic', seed: 2 } }, 'seed 2');
    expect(program.trainable.some((t) => firstDiff(other.params[t.param], stochastic.params[t.param]) >= 0)).toBe(true);
  });
});
