/**
 * Whole training steps of the zoo's models with the WebAssembly backward kernels and without:
 * the same losses, parameters and momentum after several steps, for the device program (streamed
 * block_bwd / dw_pw_bwd, reordered in-place updates), the unfused ones (conv_bwd_x, conv_grad_w,
 * apply_update_w, ...) and the trainer's gradient program (GradRunner).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { backboneConvs } from '../ir/graph.ts';
import { buildGraph } from '../models/build.ts';
import { modelFromTflite } from '../models/from-tflite.ts';
import { syntheticParams } from '../models/synthetic.ts';
import { ZOO_NAMES, zooArch } from '../models/zoo.ts';
import { compileTraining, type CompileOptions } from '../program/compile.ts';
import { ArenaExecutor } from '../runtime/executor.ts';
import type { Hyper } from '../runtime/kernels.ts';
import { builtinScheme } from '../train/builtin-schemes.ts';
import { GradRunner, gradProgram } from '../train/grad-step.ts';
import { setWasmKernels } from './instance.ts';

const RES = 32;
const STEPS = 3;
const HYPERS: Hyper[] = [
  {
    weight: { lr: 0.05, momentum: 0.9, qas: true }, bias: { lr: 0.02, momentum: 0.9, qas: true }, head: { lr: 0.01, momentum: 0.9, qas: false },
    rounding: { mode: 'stochastic', seed: 7 },
  },
  // No QAS: steps of a fraction of an integer unit, which only stochastic rounding applies.
  {
    weight: { lr: 1, momentum: 0, qas: false }, bias: { lr: 10, momentum: 0, qas: false }, head: { lr: 0.01, momentum: 0, qas: false },
    rounding: { mode: 'stochastic', seed: 11 },
  },
  { weight: { lr: 0.01, momentum: 0, qas: true }, bias: { lr: 0.01, momentum: 0.5, qas: true }, head: { lr: 0.01, momentum: 0, qas: false } },
];
const VARIANTS: [string, CompileOptions, string][] = [
  ['device program', {}, 'block_bwd'],
  ['no block fusion', { fuseBlockBackward: false }, 'dw_pw_bwd'],
  ['unfused, in order', { reorder: false, fuseBackward: false, fuseBlockBackward: false }, 'apply_update_w'],
  ['unfused, reordered', { fuseBackward: false, fuseBlockBackward: false }, 'conv_update_w'],
];
const paperScheme = (model: string) => (model === 'mcunet-5fps' ? 'mcunet-5fps@99kb' : model === 'mbv2-w0.35' ? 'mbv2-w0.35@49kb' : 'proxyless-w0.3@148kb');
const image = (step: number) => new Int8Array(3 * RES * RES).map((_, i) => ((i * (131 + step)) % 253) - 126);

afterEach(() => setWasmKernels(true));

describe('training with the wasm backward kernels', () => {
  for (const model of ZOO_NAMES) {
    it(`${model}: the same losses, parameters and momentum with and without wasm`, () => {
      const g = buildGraph(zooArch(model), { resolution: RES, classes: 10 });
      const n = backboneConvs(g).length;
      let run = 0;
      for (const name of [paperScheme(model), 'full']) {
        for (const [label, opts, op] of VARIANTS) {
          const hyper = HYPERS[run++ % HYPERS.length];
          const program = compileTraining(g, { ...builtinScheme(name, n)!, momentum: hyper.weight.momentum > 0 }, opts);
          expect(program.kernels.some((k) => k.op === op), `${label}: ${op}`).toBe(true);
          const runs = [false, true].map((wasm) => {
            setWasmKernels(wasm);
            const ex = new ArenaExecutor(program, syntheticParams(g, 2), hyper);
            const losses = Array.from({ length: STEPS }, (_, step) => ex.step(image(step), step % 10).loss);
            return { losses, params: ex.params, state: (ex as unknown as { state: Record<string, Float32Array> }).state };
          });
          const [ts, wasm] = runs;
          const at = `${name}, ${label}`;
          expect(wasm.losses, at).toEqual(ts.losses);
          let moved = 0;
          const start = syntheticParams(g, 2);
          for (const p of Object.keys(ts.params)) {
            expect(Array.from(wasm.params[p]), `${at}: ${p}`).toEqual(Array.from(ts.params[p]));
            moved += start[p].filter((v, i) => v !== ts.params[p][i]).length;
          }
          for (const s of Object.keys(ts.state)) expect(Array.from(wasm.state[s]), `${at}: ${s}`).toEqual(Array.from(ts.state[s]));
          // Not a vacuous comparison: the steps changed parameters.
          expect(moved, at).toBeGreaterThan(20);
        }
      }
    });
  }

  it('mcunet-5fps@99kb at 128x128 (the benchmark\'s setup): the same losses and parameters', () => {
    const g = buildGraph(zooArch('mcunet-5fps'), { resolution: 128, classes: 10 });
    const program = compileTraining(g, { ...builtinScheme('mcunet-5fps@99kb', backboneConvs(g).length)!, momentum: true });
    const img = (step: number) => new Int8Array(3 * 128 * 128).map((_, i) => ((i * (37 + step)) % 251) - 125);
    const [ts, wasm] = [false, true].map((on) => {
      setWasmKernels(on);
      const ex = new ArenaExecutor(program, syntheticParams(g, 5), HYPERS[0]);
      return { losses: [0, 1, 2].map((step) => ex.step(img(step), step).loss), params: ex.params };
    });
    expect(wasm.losses).toEqual(ts.losses);
    for (const p of Object.keys(ts.params)) expect(Array.from(wasm.params[p]), p).toEqual(Array.from(ts.params[p]));
  });

  it('mcunet-vww.tflite in TFLite\'s arithmetic, last-12 (fused chains, trained residual adds and their masks): the same losses and parameters', () => {
    const m = modelFromTflite(new Uint8Array(readFileSync(new URL('../../../../shared/models/tflite/mcunet-vww.tflite', import.meta.url))),
      { fileName: 'mcunet-vww.tflite', classes: 10 });
    expect(m.graph.requant).toBe('tflite');
    const program = compileTraining(m.graph, { ...builtinScheme('last-12', backboneConvs(m.graph).length)!, momentum: true });
    expect(program.kernels.some((k) => k.op === 'add' && k.attrs.mask) && program.kernels.some((k) => k.op === 'conv_chain')).toBe(true);
    const img = (step: number) => new Int8Array(3 * 80 * 80).map((_, i) => ((i * (37 + step)) % 251) - 125);
    const [ts, wasm] = [false, true].map((on) => {
      setWasmKernels(on);
      const ex = new ArenaExecutor(program, Object.fromEntries(Object.entries(m.params).map(([k, v]) => [k, v.slice()])), HYPERS[0]);
      return { losses: [0, 1, 2].map((step) => ex.step(img(step), step).loss), params: ex.params };
    });
    expect(wasm.losses).toEqual(ts.losses);
    let moved = 0;
    for (const p of Object.keys(ts.params)) {
      expect(Array.from(wasm.params[p]), p).toEqual(Array.from(ts.params[p]));
      moved += m.params[p].filter((v, i) => v !== ts.params[p][i]).length;
    }
    expect(moved).toBeGreaterThan(20);
  });

  it('the trainer gradient program: the same gradients with and without wasm', () => {
    for (const model of ZOO_NAMES) {
      const g = buildGraph(zooArch(model), { resolution: RES, classes: 10 });
      const scheme = builtinScheme(paperScheme(model), backboneConvs(g).length)!;
      const program = gradProgram(g, scheme);
      expect(program.kernels.some((k) => k.op === 'conv_grad_w')).toBe(true);
      const [ts, wasm] = [false, true].map((on) => {
        setWasmKernels(on);
        const runner = new GradRunner(program, syntheticParams(g, 2));
        const grads: Record<string, number[]> = {};
        const loss = runner.step(image(0), 3, (pg) => { grads[pg.param] = Array.from(pg.grad); }).loss;
        return { loss, grads };
      });
      expect(wasm.loss, model).toBe(ts.loss);
      expect(Object.keys(ts.grads).length, model).toBeGreaterThan(3);
      for (const p of Object.keys(ts.grads)) expect(wasm.grads[p], `${model}: ${p}`).toEqual(ts.grads[p]);
    }
  });
});
