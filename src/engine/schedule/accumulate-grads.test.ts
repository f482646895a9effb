/**
 * A residual block's input gradient added onto the skip's (schedule/accumulate-grads.ts): no gradient
 * sum is left where the block's input gradient comes from a conv or a fused block backward, the peak
 * drops by one float tensor where it sat at a block's backward, and training follows the separate sum's
 * closely: only the order of the float additions differs, so the gradients agree to rounding and the
 * parameters, after a few steps, almost everywhere (fused and unfused programs agree bit for bit:
 * fuse-block-backward.test.ts; the C and WebAssembly kernels: tests/c-kernels.test.ts, wasm/backward.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../ir/graph.ts';
import { buildGraph } from '../models/build.ts';
import { syntheticParams } from '../models/synthetic.ts';
import { ZOO_NAMES, zooArch } from '../models/zoo.ts';
import { compileTraining } from '../program/compile.ts';
import { ArenaExecutor } from '../runtime/executor.ts';
import { builtinScheme } from '../train/builtin-schemes.ts';
import { rootOf } from '../memory/lifetimes.ts';

const hyper = {
  weight: { lr: 0.05, momentum: 0.9, qas: true }, bias: { lr: 0.05, momentum: 0.9, qas: true }, head: { lr: 0.01, momentum: 0.9, qas: false },
};

describe('input gradients added onto the skip gradient', () => {
  for (const model of ZOO_NAMES) {
    for (const opts of [{}, { fuseBlockBackward: false }, { fuseBackward: false, fuseBlockBackward: false, reorder: false }]) {
      it(`${model} ${JSON.stringify(opts)}: no gradient sum left; each kernel adds onto the skip gradient in its buffer`, () => {
        const g = buildGraph(zooArch(model), { resolution: 32, classes: 10 });
        const p = compileTraining(g, builtinScheme('full', backboneConvs(g).length)!, opts);
        expect(p.kernels.filter((k) => k.op === 'grad_acc').map((k) => k.name)).toEqual([]);
        const onto = p.kernels.filter((k) => 'onto' in k.attrs && k.attrs.onto);
        expect(onto.length).toBeGreaterThan(3);
        for (const k of onto) {
          const skip = (k.attrs as { onto: string }).onto;
          expect(k.inputs.at(-1), k.name).toBe(skip);
          expect(rootOf(p.tensors, k.outputs[0]), k.name).toBe(rootOf(p.tensors, skip));
          // The skip gradient is written before (by the add's backward) and read by nothing else in between.
          const at = p.kernels.indexOf(k);
          const before = p.kernels.slice(0, at).filter((x) => x.outputs.some((o) => p.tensors[o] && rootOf(p.tensors, o) === rootOf(p.tensors, skip)));
          expect(before.at(-1)?.op, k.name).toBe('add_bwd');
        }
      });
    }
  }

  it('trains as the separate sum does, to rounding', () => {
    const g = buildGraph(zooArch('mbv2-w0.35'), { resolution: 32, classes: 10 });
    const scheme = { ...builtinScheme('mbv2-w0.35@99kb', backboneConvs(g).length)!, momentum: true };
    const a = new ArenaExecutor(compileTraining(g, scheme, { accumulateGrads: false }), syntheticParams(g, 2), hyper);
    const b = new ArenaExecutor(compileTraining(g, scheme), syntheticParams(g, 2), hyper);
    for (let step = 0; step < 3; step++) {
      const image = new Int8Array(3 * 32 * 32).map((_, i) => ((i * (131 + step)) % 253) - 126);
      expect(b.step(image, step).loss).toBeCloseTo(a.step(image, step).loss, 4);
    }
    let total = 0, differ = 0;
    for (const p of Object.keys(a.params)) {
      const x = a.params[p], y = b.params[p];
      for (let i = 0; i < x.length; i++) {
        total++;
        if (x[i] !== y[i]) {
          differ++;
          // An int8 weight or int32 bias rounded the other way: one step of its grid.
          if (x instanceof Int8Array) expect(Math.abs(x[i] - y[i]), `${p}[${i}]`).toBeLessThanOrEqual(1);
        }
      }
    }
    expect(differ / total).toBeLessThan(0.01);
  });

  it('lowers the peak of mbv2-w0.35@99kb at 128x128 by one block gradient (its backward held three)', () => {
    const g = buildGraph(zooArch('mbv2-w0.35'), { resolution: 128, classes: 10 });
    const s = builtinScheme('mbv2-w0.35@99kb', backboneConvs(g).length)!;
    const sum = compileTraining(g, s, { accumulateGrads: false }).report;
    const onto = compileTraining(g, s).report;
    expect(sum.peak.kernel).toBe('block_bwd:conv37');
    const gradients = (r: typeof sum) => r.timeline.find((t) => t.kernel === 'block_bwd:conv37')!.live.gradient ?? 0;
    expect(gradients(sum) - gradients(onto)).toBe(8 * 1024);
    // Less than the whole gradient off the peak: with it a forward conv becomes the peak.
    expect(onto.peakSramBytes).toBeLessThan(sum.peakSramBytes - 5 * 1024);
  });
});
