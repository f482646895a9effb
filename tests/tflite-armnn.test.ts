// The project's int8 forward of imported TFLite models against an independent interpreter: Arm NN
// 20.08 (Debian's python3-pyarmnn, TFLite parser, CpuRef backend), on real images from the shipped
// data. Arm NN's reference backend computes each int8 op in float32 and rounds once, i.e. TFLite's
// single-rounding integer kernels up to float error near rounding ties.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadFashionMnist, loadMnist } from '../src/engine/data/datasets.ts';
import { grayImageAt, resizeBilinear } from '../src/engine/data/preprocess.ts';
import { int32Data, int8Data, type ImportedModel } from '../src/engine/tflite/model.ts';
import { readTflite } from '../src/engine/tflite/read.ts';
import { writeTflite } from '../src/engine/tflite/write.ts';
import { lowerModel } from '../src/engine/tflite-kernels/lower.ts';
import { REFERENCE_KERNELS, type KernelIO } from '../src/engine/tflite-kernels/reference.ts';
import { runImportedModel } from '../src/engine/tflite-kernels/run.ts';
import type { TensorValues, TfliteKernel } from '../src/engine/tflite-kernels/types.ts';
import { forArmnn, runArmnn } from './armnn.ts';
import { requireTool } from './require-tool.ts';

const shared = (name: string) => new Uint8Array(readFileSync(new URL(`../../shared/models/tflite/${name}`, import.meta.url)));
const haveArmnn = requireTool('pyarmnn') && requireTool('armnn-cpuref') && requireTool('armnn-tflite-parser');

/** Gray 28x28 images as the model's float input: resized (bilinear), repeated over channels, mapped by `norm`. */
function inputs(images: Uint8Array, count: number, shape: number[], norm: (v: number) => number): Float32Array[] {
  const [, h, w, c] = shape;
  return Array.from({ length: count }, (_, i) => {
    const r = resizeBilinear(grayImageAt(images, i, 28, 28), h, w);
    const x = new Float32Array(h * w * c);
    for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) x[p * c + ch] = norm(r[p]);
    return x;
  });
}

/** Agreement of two int8 tensors: fraction identical and largest difference in steps. */
function agreement(a: ArrayLike<number>, b: ArrayLike<number>): { identical: number; maxDiff: number } {
  let same = 0, maxDiff = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d === 0) same++;
    if (d > maxDiff) maxDiff = d;
  }
  return { identical: same / a.length, maxDiff };
}

/** Each kernel run on Arm NN's own values of its inputs, against Arm NN's value of its output. */
function perKernel(model: ImportedModel, kernels: TfliteKernel[], arm: Map<number, TensorValues>): { op: string; identical: number; maxDiff: number }[] {
  return kernels.map((k, j) => {
    let out: TensorValues | null = null;
    const io: KernelIO = {
      get: (t) => arm.get(t) ?? (model.tensors[t].dtype === 'int8' ? int8Data(model.tensors[t]) : int32Data(model.tensors[t])),
      set: (_t, v) => { out = v; },
    };
    (REFERENCE_KERNELS[k.op] as (k: TfliteKernel, io: KernelIO) => void)(k, io);
    return { op: `${j} ${k.op}`, ...agreement(arm.get(model.ops[j].outputs[0])!, out!) };
  });
}

describe.skipIf(!haveArmnn)('imported TFLite models against Arm NN', () => {
  it('mcunet-vww.tflite: every kernel equals Arm NN on its inputs; end to end the same top-1', () => {
    const bytes = shared('mcunet-vww.tflite');
    const model = readTflite(bytes, 'mcunet-vww.tflite');
    const kernels = lowerModel(model);
    const fashion = loadFashionMnist(undefined, 'test');
    const xs = inputs(fashion.images, 6, [1, 80, 80, 3], (v) => v / 127.5 - 1);

    // Every op's output from Arm NN (each made a subgraph output) on two images, each kernel fed Arm NN's inputs.
    const all = model.ops.map((op) => op.outputs[0]);
    const armAll = runArmnn(writeTflite(forArmnn(model, all)), xs.slice(0, 2));
    const rows = armAll.values.flatMap((values, s) => {
      const arm = new Map<number, TensorValues>(all.map((t, j) => [t, values[j] as TensorValues]));
      arm.set(model.inputs[0], xs[s]);
      return perKernel(model, kernels, arm);
    });
    const total = rows.reduce((s, r) => s + r.identical, 0) / rows.length;
    expect(Math.max(...rows.map((r) => r.maxDiff))).toBeLessThanOrEqual(1);
    expect(Math.min(...rows.map((r) => r.identical))).toBeGreaterThanOrEqual(0.999);
    expect(total).toBeGreaterThan(0.99999);

    // End to end: the final int8 logits (before DEQUANTIZE), from Arm NN and from our forward.
    const logitsT = model.ops[model.ops.length - 1].inputs[0];
    const arm = runArmnn(writeTflite(forArmnn(model, [logitsT])), xs);
    let identical = 0, n = 0, maxDiff = 0;
    xs.forEach((x, s) => {
      const ours = runImportedModel(model, x, kernels).get(logitsT) as Int8Array;
      const theirs = arm.values[s][0] as Int8Array;
      expect(ours.indexOf(Math.max(...ours))).toBe(theirs.indexOf(Math.max(...theirs)));
      const a = agreement(theirs, ours);
      identical += a.identical * ours.length;
      n += ours.length;
      maxDiff = Math.max(maxDiff, a.maxDiff);
    });
    // A near-tie Arm NN rounds the other way (its float32 sums) changes the tensors after it; over
    // the 20 layers that follow, the logits drift by at most a few steps.
    expect(maxDiff).toBeLessThanOrEqual(3);
    console.log(`mcunet-vww vs Arm NN: per kernel ${(total * 100).toFixed(4)}% identical (max diff 1); ` +
      `logits ${(identical / n * 100).toFixed(1)}% identical, max diff ${maxDiff}, same top-1 on ${xs.length}/${xs.length}`);
  }, 120_000);

  it('lenet-300-100-int8.tflite on MNIST: the int8 logits before LOG_SOFTMAX equal Arm NN', () => {
    const model = readTflite(shared('lenet-300-100-int8.tflite'), 'lenet-300-100-int8.tflite');
    const mnist = loadMnist('test');
    const count = 200;
    const xs = inputs(mnist.images, count, [1, 28, 28, 1], (v) => v / 255);
    const logitsT = model.ops.find((op) => op.kind === 'DEQUANTIZE')!.inputs[0];
    const arm = runArmnn(writeTflite(forArmnn(model, [logitsT])), xs);
    const kernels = lowerModel(model);
    let identical = 0, n = 0, maxDiff = 0, correct = 0;
    xs.forEach((x, s) => {
      const ours = runImportedModel(model, x, kernels).get(logitsT) as Int8Array;
      const theirs = arm.values[s][0] as Int8Array;
      const top = ours.indexOf(Math.max(...ours));
      expect(top).toBe(theirs.indexOf(Math.max(...theirs)));
      if (top === mnist.labels[s]) correct++;
      const a = agreement(theirs, ours);
      identical += a.identical * ours.length;
      n += ours.length;
      maxDiff = Math.max(maxDiff, a.maxDiff);
    });
    expect(identical / n).toBeGreaterThanOrEqual(0.99);
    expect(maxDiff).toBeLessThanOrEqual(1);
    expect(correct / count).toBeGreaterThan(0.95);
    console.log(`lenet vs Arm NN on ${count} MNIST images: ${(identical / n * 100).toFixed(2)}% of logits identical, max diff ${maxDiff}, accuracy ${(correct / count * 100).toFixed(1)}%`);
  }, 60_000);
});
