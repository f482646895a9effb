// The TF.js baseline's convolution gradients (bench/tfjs-conv-grads.ts), which let the wasm backend
// train: equal to the cpu backend's own backprop kernels, on cpu and on wasm, for the strides,
// kernels and odd/even sizes of the zoo models.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { conv2dSame, depthwiseSame } from '../bench/tfjs-conv-grads.ts';
import { mulberry32 } from '../src/engine/util/random.ts';

type Conv = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
interface Case { h: number; k: number; s: number; depthwise: boolean }
const CIN = 4, COUT = 5;
const CASES: Case[] = [
  ...[[7, 3, 1], [6, 5, 1], [8, 3, 2], [9, 3, 2], [9, 5, 2], [8, 7, 2], [10, 7, 1]].map(([h, k, s]) => ({ h, k, s, depthwise: true })),
  ...[[8, 1, 1], [7, 1, 1], [8, 3, 2], [9, 3, 2], [9, 3, 1]].map(([h, k, s]) => ({ h, k, s, depthwise: false })),
];

function data(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** Gradients of sum(conv(x, w) * t) for fixed random x, w, t: [dx, dw] (or [dx] when only x is differentiated). */
function grads(c: Case, conv: Conv, inputOnly = false): Float32Array[] {
  return tf.tidy(() => {
    const cout = c.depthwise ? CIN : COUT;
    const x = tf.tensor4d(data(c.h * c.h * CIN, 1), [1, c.h, c.h, CIN]);
    const w = tf.tensor4d(data(c.k * c.k * CIN * (c.depthwise ? 1 : COUT), 2), [c.k, c.k, CIN, c.depthwise ? 1 : COUT]);
    const oh = Math.ceil(c.h / c.s);
    const t = tf.tensor4d(data(oh * oh * cout, 3), [1, oh, oh, cout]);
    const loss = (xi: tf.Tensor, wi: tf.Tensor) => tf.sum(tf.mul(conv(xi as tf.Tensor4D, wi as tf.Tensor4D), t));
    if (inputOnly) return [tf.grad((xi: tf.Tensor) => loss(xi, w))(x).dataSync() as Float32Array];
    return tf.grads(loss)([x, w]).map((v) => v.dataSync() as Float32Array);
  });
}

const builtin = (c: Case): Conv => (x, w) => (c.depthwise ? tf.depthwiseConv2d(x, w, c.s, 'same') : tf.conv2d(x, w, c.s, 'same'));
const ours = (c: Case, trainFilter: boolean): Conv => (c.depthwise ? depthwiseSame : conv2dSame)(c.s, trainFilter);

function expectClose(a: Float32Array, b: Float32Array) {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  expect(worst).toBeLessThan(1e-5);
}

describe('convolution gradients for TF.js backends without backprop kernels', () => {
  it('equal the cpu backend\'s own gradients, on cpu and on wasm', async () => {
    await tf.setBackend('cpu');
    const expected = CASES.map((c) => grads(c, builtin(c)));
    const run = () => CASES.map((c) => ({ both: grads(c, ours(c, true)), input: grads(c, ours(c, false), true) }));
    const onCpu = run();
    setWasmPaths(join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')), '/'));
    expect(await tf.setBackend('wasm')).toBe(true);
    // Why the helpers exist: wasm cannot differentiate its own depthwise conv, nor a conv's filter.
    expect(() => grads(CASES[2], builtin(CASES[2]))).toThrow(/DepthwiseConv2dNativeBackprop/);
    expect(() => grads(CASES[9], builtin(CASES[9]))).toThrow(/Conv2DBackpropFilter/);
    const onWasm = run();
    await tf.setBackend('cpu');
    CASES.forEach((_, i) => {
      for (const got of [onCpu[i], onWasm[i]]) {
        expectClose(got.both[0], expected[i][0]);
        expectClose(got.both[1], expected[i][1]);
        expectClose(got.input[0], expected[i][0]);
      }
    });
  });
});
