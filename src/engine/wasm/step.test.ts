/**
 * Whole training steps with the WebAssembly kernels equal those with the TypeScript kernels, byte for
 * byte: every parameter, the loss, the logits and the whole arena but the kernels' workspaces after
 * each step, for the device program (fused, reordered in-place updates), its unfused variants and
 * the trainer's GradRunner (whole gradients handed out). The kernel-level tests next to this one pin down each kernel; this
 * one shows that the pieces are wired to the same buffers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { backboneConvs, type Graph, type ParamStore } from '../ir/graph.ts';
import type { TypedArray } from '../ir/tensor.ts';
import { buildGraph } from '../models/build.ts';
import { syntheticParams } from '../models/synthetic.ts';
import { ZOO_NAMES, zooArch } from '../models/zoo.ts';
import { compileTraining, type CompileOptions, type TrainingProgram } from '../program/compile.ts';
import { ArenaExecutor, arenaViews } from '../runtime/executor.ts';
import type { Hyper } from '../runtime/kernels.ts';
import { builtinScheme, builtinSchemeNames } from '../train/builtin-schemes.ts';
import { GradRunner, gradProgram, type ParamGrad } from '../train/grad-step.ts';
import type { Scheme } from '../train/scheme.ts';
import { mulberry32 } from '../util/random.ts';
import { setWasmKernels, wasmKernels } from './instance.ts';

const RES = 48;
const STEPS = 3;
const HYPER: Hyper = {
  weight: { lr: 0.05, momentum: 0.9, qas: true },
  bias: { lr: 0.02, momentum: 0.9, qas: true },
  head: { lr: 0.01, momentum: 0.9, qas: false },
  rounding: { mode: 'stochastic', seed: 3 },
};

afterEach(() => setWasmKernels(true));

const bytes = (a: TypedArray) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const copy = (p: ParamStore): ParamStore => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.slice() as TypedArray]));

/** The name of the first parameter whose bytes differ, or ''. */
function differingParam(a: ParamStore, b: ParamStore): string {
  return Object.keys(a).find((k) => !Buffer.from(bytes(a[k])).equals(Buffer.from(bytes(b[k])))) ?? '';
}

function images(g: Graph, n: number, seed: number): { input: Int8Array; label: number }[] {
  const rand = mulberry32(seed);
  const size = g.tensors[g.input].shape.reduce((x, y) => x * y, 1);
  return Array.from({ length: n }, () => ({
    input: Int8Array.from({ length: size }, () => Math.floor(rand() * 256) - 128),
    label: Math.floor(rand() * 10),
  }));
}

interface Trace { params: ParamStore; losses: number[]; logits: Float32Array[]; arenas: Uint8Array[] }

function deviceSteps(g: Graph, scheme: Scheme, opts: CompileOptions, init: ParamStore, wasm: boolean): Trace {
  setWasmKernels(wasm);
  const params = copy(init);
  const program = compileTraining(g, scheme, opts);
  const ex = new ArenaExecutor(program, params, HYPER);
  // Kernel workspaces are the kernels' own business (the wasm ones keep theirs outside the arena).
  const views = arenaViews(program, ex.arena);
  const scratch = Object.values(program.tensors).filter((x) => x.category === 'scratch').map((x) => bytes(views[x.name]));
  const t: Trace = { params, losses: [], logits: [], arenas: [] };
  for (const { input, label } of images(g, STEPS, 11)) {
    const r = ex.step(input, label);
    t.losses.push(r.loss);
    t.logits.push(r.logits);
    for (const s of scratch) s.fill(0);
    t.arenas.push(new Uint8Array(ex.arena.slice(0)));
  }
  return t;
}

function expectSame(a: Trace, b: Trace, what: string): void {
  for (let s = 0; s < STEPS; s++) {
    if (!Object.is(a.losses[s], b.losses[s])) expect.fail(`${what}, step ${s}: loss ${a.losses[s]} (wasm) vs ${b.losses[s]} (TypeScript)`);
    expect(Buffer.from(bytes(a.logits[s])).equals(Buffer.from(bytes(b.logits[s]))), `${what}, step ${s}: logits`).toBe(true);
    const at = a.arenas[s].findIndex((v, i) => v !== b.arenas[s][i]);
    if (at >= 0) expect.fail(`${what}, step ${s}: arena byte ${at} differs`);
  }
  const p = differingParam(a.params, b.params);
  if (p) expect.fail(`${what}: parameter ${p} differs after ${STEPS} steps`);
}

describe('WebAssembly kernels give the TypeScript kernels\' training steps', () => {
  it('the module runs here', () => {
    expect(wasmKernels()).not.toBeNull();
  });

  for (const model of ZOO_NAMES) {
    const g = buildGraph(zooArch(model), { resolution: RES, classes: 10 });
    const convs = backboneConvs(g).length;
    const init = syntheticParams(g, 7);
    for (const name of builtinSchemeNames(model).filter((s) => s !== 'full')) {
      const scheme: Scheme = { ...builtinScheme(name, convs)!, momentum: true };
      for (const [label, opts] of [['fused', {}], ['unfused', { fuseBackward: false, fuseBlockBackward: false, reorder: false }],
        ['whole image', { streamInput: false, fuseRows: false }]] as [string, CompileOptions][]) {
        it(`${model} ${name}, ${label}`, () => {
          expectSame(deviceSteps(g, scheme, opts, init, true), deviceSteps(g, scheme, opts, init, false), `${model} ${name} ${label}`);
        });
      }
    }

    it(`${model}: the trainer's gradients`, () => {
      const scheme = builtinScheme(builtinSchemeNames(model)[0], convs)!;
      const run = (wasm: boolean) => {
        setWasmKernels(wasm);
        const runner = new GradRunner(gradProgram(g, scheme), copy(init));
        const grads: ParamGrad[] = [];
        const losses = images(g, 2, 5).map(({ input, label }) => runner.step(input, label, (x) => grads.push({ ...x, grad: x.grad.slice() })).loss);
        return { grads, losses };
      };
      const a = run(true), b = run(false);
      expect(a.losses).toEqual(b.losses);
      expect(a.grads.length).toBe(b.grads.length);
      a.grads.forEach((x, i) => {
        expect(x.param).toBe(b.grads[i].param);
        expect(Buffer.from(bytes(x.grad)).equals(Buffer.from(bytes(b.grads[i].grad))), `gradient of ${x.param}`).toBe(true);
      });
    });
  }
});

/**
 * The program's graph with no nodes to read (any access throws) and every tensor's quantization but
 * the logits' changed: a kernel that read the graph instead of its binding would throw or differ.
 */
function graphless(p: TrainingProgram): TrainingProgram {
  const g = p.graph;
  const tensors = Object.fromEntries(Object.entries(g.tensors).map(([name, t]) =>
    [name, t.q && name !== g.logits ? { ...t, q: { scale: t.q.scale * 3, zeroPoint: t.q.zeroPoint + 7 } } : t]));
  const graph = { ...g, tensors } as Graph;
  Object.defineProperty(graph, 'nodes', { get: () => { throw new Error('a kernel read the graph\'s nodes'); } });
  return { ...p, graph };
}

describe('bind once: both kernel tables read the compiled program, not its graph', () => {
  const g = buildGraph(zooArch('mcunet-5fps'), { resolution: RES, classes: 10 });
  const init = syntheticParams(g, 7);
  const scheme: Scheme = { ...builtinScheme(builtinSchemeNames('mcunet-5fps')[0], backboneConvs(g).length)!, momentum: true };
  for (const wasm of [true, false]) {
    it(`device steps and the trainer's gradients, ${wasm ? 'WebAssembly' : 'TypeScript'} kernels`, () => {
      setWasmKernels(wasm);
      const data = images(g, 2, 13);
      const device = (p: TrainingProgram) => {
        const params = copy(init);
        const ex = new ArenaExecutor(p, params, HYPER);
        return { losses: data.map(({ input, label }) => ex.step(input, label).loss), params };
      };
      const program = compileTraining(g, scheme);
      const [a, b] = [device(program), device(graphless(program))];
      expect(b.losses).toEqual(a.losses);
      expect(differingParam(b.params, a.params)).toBe('');
      const grads = (p: TrainingProgram) => {
        const runner = new GradRunner(p, copy(init));
        const out: number[] = [];
        for (const { input, label } of data) runner.step(input, label, (x) => out.push(...x.grad));
        return out;
      };
      const gp = gradProgram(g, scheme);
      const want = grads(gp);
      expect(want.length).toBeGreaterThan(0);
      expect(grads(graphless(gp))).toEqual(want);
    });
  }
});
