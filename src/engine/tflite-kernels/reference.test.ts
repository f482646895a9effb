import { describe, expect, it } from 'vitest';
import { TfliteModelBuilder } from '../tflite/build.ts';
import { activationRange, lowerModel } from './lower.ts';
import { REFERENCE_KERNELS, type KernelIO } from './reference.ts';
import { runImportedModel } from './run.ts';
import type { KernelOf, TensorValues } from './types.ts';

/** Run one kernel on given operand values. */
function run<K extends keyof typeof REFERENCE_KERNELS>(k: KernelOf<K>, values: Record<number, TensorValues>): TensorValues {
  let out: TensorValues | null = null;
  const io: KernelIO = { get: (t) => values[t], set: (_t, v) => { out = v; } };
  (REFERENCE_KERNELS[k.op] as (k: KernelOf<K>, io: KernelIO) => void)(k, io);
  return out!;
}

describe('TFLite int8 reference kernels: hand-computed cases', () => {
  it('average pool divides the raw sum with ties away from zero, over the taps inside the input', () => {
    const geo = { inH: 1, inW: 4, inC: 1, outH: 1, outW: 2, outC: 1, kH: 1, kW: 2, strideH: 1, strideW: 2, padTop: 0, padLeft: 0 };
    expect([...run({ op: 'avg_pool2d', x: 0, y: 1, geo, actMin: -128, actMax: 127 }, { 0: Int8Array.from([2, 3, -2, -3]) })]).toEqual([3, -3]);
    // SAME-style padding: the corner window holds one tap, so its average is that value.
    const padded = { ...geo, inW: 3, outW: 2, kW: 3, strideW: 2, padLeft: 1 };
    expect([...run({ op: 'avg_pool2d', x: 0, y: 1, geo: padded, actMin: -128, actMax: 127 }, { 0: Int8Array.from([10, 20, 31]) })]).toEqual([15, 26]);
    expect([...run({ op: 'max_pool2d', x: 0, y: 1, geo: padded, actMin: -100, actMax: 25 }, { 0: Int8Array.from([10, 20, 31]) })]).toEqual([20, 25]);
  });

  it('mean: the spatial rule, the truncating rule (TFLite Micro) and the float rule', () => {
    const base = { x: 0, y: 1, inShape: [1, 2, 2, 1], axes: [1, 2], multiplier: 2 ** 30, shift: 1, inZero: -3, outZero: -3, inScale: 0.5, outScale: 0.5, rounding: 'single' as const };
    const x = Int8Array.from([0, 1, 1, 1]); // raw sum 3, mean 0.75
    expect([...run({ op: 'mean', rule: 'spatial', ...base }, { 0: x })]).toEqual([1]); // (3 + 12) / 4 = 3.75 -> 4 -> 4 - 3
    expect([...run({ op: 'mean', rule: 'truncate', ...base }, { 0: x })]).toEqual([0]); // 3 / 4 truncates to 0
    expect([...run({ op: 'mean', rule: 'float', ...base }, { 0: x })]).toEqual([1]); // round(0.75 + 3) - 3
  });

  it('transpose, pad (with the zero point) and concatenation move bytes as TFLite does', () => {
    const x = Int8Array.from([1, 2, 3, 4, 5, 6]); // [1, 2, 3]
    expect([...run({ op: 'transpose', x: 0, y: 1, inShape: [1, 2, 3], perm: [0, 2, 1] }, { 0: x })]).toEqual([1, 4, 2, 5, 3, 6]);
    expect([...run({ op: 'pad', x: 0, y: 1, inShape: [1, 2, 3], before: [0, 1, 0], outShape: [1, 3, 4], value: -7 }, { 0: x })])
      .toEqual([-7, -7, -7, -7, 1, 2, 3, -7, 4, 5, 6, -7]);
    expect([...run({ op: 'concat', xs: [0, 1], y: 2, outer: 2, sizes: [1, 2], inner: 1 }, { 0: Int8Array.from([9, 8]), 1: x.subarray(0, 4) })]).toEqual([9, 1, 2, 8, 3, 4]);
  });

  it('fused activations clamp at the quantized 0 and 6', () => {
    const y = { index: 0, name: 'y', shape: [1], dtype: 'int8' as const, quant: { scales: [6 / 255], zeroPoints: [-128], axis: 0 }, data: null };
    expect(activationRange('RELU6', y)).toEqual({ actMin: -128, actMax: 127 });
    const y2 = { ...y, quant: { scales: [0.05], zeroPoints: [-10], axis: 0 } };
    expect(activationRange('RELU', y2)).toEqual({ actMin: -10, actMax: 127 });
    expect(activationRange('RELU6', y2)).toEqual({ actMin: -10, actMax: 110 });
    expect(activationRange('NONE', y2)).toEqual({ actMin: -128, actMax: 127 });
  });

  it('a whole model: QUANTIZE, CONV_2D (per channel), ADD, DEQUANTIZE, SOFTMAX', () => {
    const b = new TfliteModelBuilder();
    const q = { scale: 0.1, zeroPoint: 0 };
    const x = b.tensor('x', [1, 1, 1, 2], 'float32');
    const xq = b.tensor('xq', [1, 1, 1, 2], 'int8', q);
    const w = b.tensor('w', [2, 1, 1, 2], 'int8', { scales: [0.5, 0.25], zeroPoints: [0, 0], axis: 0 }, Int8Array.from([1, 0, 0, 2]));
    const c = b.tensor('c', [1, 1, 1, 2], 'int8', q);
    const s = b.tensor('s', [1, 1, 1, 2], 'int8', { scale: 0.2, zeroPoint: 5 });
    const f = b.tensor('f', [1, 1, 1, 2], 'float32');
    const p = b.tensor('p', [1, 1, 1, 2], 'float32');
    b.inputs = [x];
    b.outputs = [p];
    b.op('QUANTIZE', {}, [x], [xq]);
    b.op('CONV_2D', { padding: 'VALID', strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, activation: 'NONE' }, [xq, w], [c]);
    b.op('ADD', { activation: 'NONE' }, [xq, c], [s]);
    b.op('DEQUANTIZE', {}, [s], [f]);
    b.op('SOFTMAX', { beta: 1 }, [f], [p]);
    const m = b.model('m');
    const v = runImportedModel(m, Float32Array.from([1.04, -2.25]), lowerModel(m));
    expect([...(v.get(xq) as Int8Array)]).toEqual([10, -23]); // 10.4 -> 10, -22.5 -> -23 (half away from zero)
    // conv: channel 0 = 1 * 10 at 0.1*0.5/0.1 = 0.5 -> 5; channel 1 = 2 * -23 at 0.25 -> -11.5 -> -11 (single rounding: ties up)
    expect([...(v.get(c) as Int8Array)]).toEqual([5, -11]);
    // add: (1.0 + 0.5) / 0.2 + 5 = 12.5 -> 13; (-2.3 - 1.1) / 0.2 + 5 = -12
    expect([...(v.get(s) as Int8Array)]).toEqual([13, -12]);
    const probs = v.get(p) as Float32Array;
    expect(probs[0] + probs[1]).toBeCloseTo(1, 6);
    expect(probs[0]).toBeCloseTo(1 / (1 + Math.exp(-0.2 * 25)), 6);
  });
});
