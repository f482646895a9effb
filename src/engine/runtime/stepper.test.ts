/**
 * The step-through (runtime/stepper.ts) against the things it claims to show: its live bytes at each
 * kernel are the memory report's timeline figure and the live buffers never overlap in the arena; what
 * it copied after kernel i is what the arena executor's arena holds after running the first i+1
 * kernels; going back gives the same snapshot; and walking every kernel ends with the parameters and
 * the loss of one ordinary ArenaExecutor step, bit for bit. On the shipped demo model with a demo
 * image (the app's default project), and on a zoo model whose image is streamed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDemoDataset } from '../data/demo-dataset.ts';
import { imageToInput } from '../data/preprocess.ts';
import { backboneConvs, type Graph, type ParamStore } from '../ir/graph.ts';
import type { TypedArray } from '../ir/tensor.ts';
import { buildGraph } from '../models/build.ts';
import { syntheticParams } from '../models/synthetic.ts';
import { zooArch } from '../models/zoo.ts';
import { compileTraining, type TrainingProgram } from '../program/compile.ts';
import { builtinScheme } from '../train/builtin-schemes.ts';
import { modelFromWeights } from '../models/weights-file.ts';
import { DEMO_RUN } from '../train/demo-run.ts';
import { ArenaExecutor, arenaViews } from './executor.ts';
import type { Hyper } from './kernels.ts';
import { Stepper, type StepSnapshot } from './stepper.ts';

/** Rates that move many int8 weights in one step, so the bit-for-bit comparison of parameters is not vacuous. */
const HYPER: Hyper = {
  weight: { lr: 0.05, momentum: 0, qas: true },
  bias: { lr: 0.02, momentum: 0, qas: true },
  head: { lr: 0.01, momentum: 0, qas: false },
  rounding: { mode: 'stochastic', seed: 3 },
};

const copyParams = (p: ParamStore): ParamStore => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.slice() as TypedArray]));

function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function demoImage(graph: Graph, index: number): { input: Int8Array; label: number } {
  const set = loadDemoDataset(new Uint8Array(readFileSync(new URL('../../../public/demo/fashion-demo.bin', import.meta.url))));
  return { input: imageToInput(set.image(index), graph.tensors[graph.input]), label: set.label(index) };
}

interface Case {
  what: string;
  program: TrainingProgram;
  params: ParamStore;
  input: Int8Array;
  label: number;
}

function demoCase(): Case {
  const bytes = new Uint8Array(readFileSync(new URL('../../../public/models/tinytrain-demo.ttw', import.meta.url)));
  const model = modelFromWeights(bytes, { fileName: 'tinytrain-demo.ttw', resolution: DEMO_RUN.resolution, classes: 10, head: 'float32' });
  const g = model.graph;
  const program = compileTraining(g, builtinScheme(DEMO_RUN.scheme, backboneConvs(g).length)!);
  // The demo model's head starts at zero (a new head), so a first step sends no gradient into the
  // backbone: a few ordinary steps first give the step looked at real backbone updates.
  const warmed = copyParams(model.params);
  const exec = new ArenaExecutor(program, warmed, HYPER);
  for (let i = 10; i < 15; i++) exec.step(demoImage(g, i).input, demoImage(g, i).label);
  return { what: 'demo model after 5 steps, demo image 3', program, params: warmed, ...demoImage(g, 3) };
}

function zooCase(): Case {
  const g = buildGraph(zooArch('mcunet-5fps'), { resolution: 48, classes: 10 });
  const program = compileTraining(g, builtinScheme('mcunet-5fps@99kb', backboneConvs(g).length)!);
  expect(program.inputStream).not.toBeNull();
  return { what: 'mcunet-5fps@99kb at 48 px (streamed image)', program, params: syntheticParams(g, 7), ...demoImage(g, 11) };
}

/** Checks one snapshot against the plan, the timeline and a fresh executor run of the first index+1 kernels. */
function checkSnapshot(c: Case, s: StepSnapshot): void {
  const { program } = c;
  const i = s.index;
  const at = `${c.what}, kernel ${i} (${s.kernel.name})`;
  expect(s.kernel.name, at).toBe(program.kernels[i].name);
  expect(s.liveBytes, `${at}: live bytes vs the timeline`).toBe(program.report.timeline[i].total);
  // The live buffers do not overlap, fit the arena, and hold every arena tensor the kernel touches.
  for (let j = 1; j < s.live.length; j++) expect(s.live[j].offset, at).toBeGreaterThanOrEqual(s.live[j - 1].offset + s.live[j - 1].bytes);
  for (const b of s.live) expect(b.offset + b.bytes, at).toBeLessThanOrEqual(program.arenaBytes);
  const liveIds = new Set(s.live.map((b) => b.id));
  for (const t of s.tensors) if (!t.external) expect(s.live.some((b) => b.members.includes(t.name) && liveIds.has(b.id)), `${at}: ${t.name} live`).toBe(true);

  // What the stepper copied equals the arena of an executor that ran the same kernels.
  const prefix: TrainingProgram = { ...program, kernels: program.kernels.slice(0, i + 1) };
  const params = copyParams(c.params);
  const exec = new ArenaExecutor(prefix, params, HYPER);
  exec.step(c.input, c.label);
  const views = arenaViews(program, exec.arena);
  for (const t of s.tensors.filter((x) => x.role === 'written')) {
    const d = firstDiff(t.values, views[t.name]);
    if (d >= 0) expect.fail(`${at}: written ${t.name}[${d}] is ${t.values[d]}, the executor's arena holds ${views[t.name][d]}`);
  }
  for (const p of s.params) {
    const d = firstDiff(p.after, params[p.param]);
    if (d >= 0) expect.fail(`${at}: ${p.param}[${d}] after the kernel is ${p.after[d]}, the executor's is ${params[p.param][d]}`);
  }
}

describe('step-through', () => {
  for (const make of [demoCase, zooCase]) {
    it(`${make.name}: live bytes equal the timeline, snapshots equal the executor's arena, the walk equals one step`, () => {
      const c = make();
      const { program } = c;
      const stepper = new Stepper(program, c.params, c.input, c.label, { hyper: HYPER });
      const snaps: StepSnapshot[] = [];
      for (let s = stepper.next(); s; s = stepper.next()) snaps.push(s);
      expect(snaps.length).toBe(program.kernels.length);
      // The snapshot check runs the executor once per kernel: every kernel on the small demo, a spread on the zoo model.
      const every = Math.max(1, Math.floor(snaps.length / 25));
      snaps.forEach((s, i) => {
        expect(s.liveBytes).toBe(program.report.timeline[i].total);
        if (i % every === 0 || i === snaps.length - 1) checkSnapshot(c, s);
      });

      // Bit for bit one ordinary step: parameters and loss.
      const ref = copyParams(c.params);
      const r = new ArenaExecutor(program, ref, HYPER).step(c.input, c.label);
      const walked = stepper.currentParams;
      let changed = 0;
      for (const name of Object.keys(ref)) {
        const d = firstDiff(walked[name], ref[name]);
        if (d >= 0) expect.fail(`${c.what}: ${name}[${d}] after the walk is ${walked[name][d]}, after one step ${ref[name][d]}`);
        if (firstDiff(c.params[name], ref[name]) >= 0) changed++;
      }
      expect(changed).toBeGreaterThan(1);
      expect(Object.is(snaps[snaps.length - 1].loss, r.loss)).toBe(true);
      // The caller's parameters are untouched.
      expect(snaps.flatMap((s) => s.params).some((p) => p.changed > 0)).toBe(true);

      // Going back re-runs from the start and gives the same snapshot.
      const back = Math.floor(snaps.length / 2);
      const again = stepper.seek(back);
      expect(again.liveBytes).toBe(snaps[back].liveBytes);
      for (const [j, t] of again.tensors.entries()) expect(firstDiff(t.values, snaps[back].tensors[j].values), `${t.name} after seeking back`).toBe(-1);
    });
  }

  it('an update kernel shows the trained slice before and after with the QAS divisors the update used', () => {
    const c = demoCase();
    const stepper = new Stepper(c.program, c.params, c.input, c.label, { hyper: HYPER });
    const at = c.program.kernels.findIndex((k) => k.op === 'conv_update_w');
    const s = stepper.seek(at);
    const p = s.params.find((x) => x.kind === 'weight')!;
    expect(p.param).toBe(c.program.kernels[at].params[0]);
    expect(p.changed).toBeGreaterThan(0);
    expect(firstDiff(p.before, c.params[p.param])).toBe(-1);
    const sW = c.params[c.program.graph.nodes.find((n) => n.name === p.node)!.inputs[3]];
    expect(p.qasDivisor!.length).toBe(sW.length);
    expect(p.qasDivisor![0]).toBe(Math.fround(sW[0] * sW[0]));
    // A bias update uses the conv input's scale, as the kernel's xScale attribute.
    const bAt = c.program.kernels.findIndex((k) => k.op === 'conv_update_b');
    const b = stepper.seek(bAt).params[0];
    const bk = c.program.kernels[bAt];
    if (bk.op !== 'conv_update_b') throw new Error('not a bias update');
    const sx = Math.fround(bk.attrs.xScale);
    expect(b.kind).toBe('bias');
    expect(b.qasDivisor![0]).toBe(Math.fround(Math.fround(sW[0] * sx) ** 2));
  });

  it('a step after earlier ones (update number and momentum carried over) equals the executor’s next step', () => {
    const c = demoCase();
    const g = c.program.graph;
    const hyper: Hyper = { ...HYPER, weight: { ...HYPER.weight, momentum: 0.9 }, bias: { ...HYPER.bias, momentum: 0.9 }, head: { ...HYPER.head, momentum: 0.9 } };
    const program = compileTraining(g, { ...builtinScheme(DEMO_RUN.scheme, backboneConvs(g).length)!, momentum: true });
    const images = [0, 1, 2].map((i) => demoImage(g, i));
    const ref = copyParams(c.params);
    const exec = new ArenaExecutor(program, ref, hyper);
    let params = c.params, state: ParamStore | undefined;
    images.forEach((im, update) => {
      exec.step(im.input, im.label);
      const s = new Stepper(program, params, im.input, im.label, { hyper, update, state });
      s.finish();
      params = s.currentParams;
      state = s.currentState;
    });
    for (const name of Object.keys(ref)) expect(firstDiff(params[name], ref[name]), name).toBe(-1);
  });
});
