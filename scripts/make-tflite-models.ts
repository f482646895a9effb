/**
 * `npm run make-tflite-models`: the project's own int8 .tflite test models, trained here.
 *
 * Each is a small CNN trained in float32 with TensorFlow.js (cpu backend, seeded initialisation,
 * fixed sample order: the same bytes on every run) on shipped data, then quantized as TFLite's
 * converter does for full-integer models: per-channel symmetric int8 conv weights, per-tensor FC
 * weights, int32 biases at input_scale * weight_scale, per-tensor asymmetric int8 activations
 * calibrated on training images (max-pool, flatten and average-pool share their input's
 * quantization; a concatenation's inputs share its output's), a float input through QUANTIZE and a
 * float softmax after DEQUANTIZE. Written with src/engine/tflite/write.ts to public/models/.
 *
 *  - ds-cnn-kws: the keyword-spotting DS-CNN's shape (Zhang et al., "Hello Edge"): a 10x4 conv of
 *    stride 2 with SAME padding on a 49x10 input (4 rows padded above and 5 below, 1 column each
 *    side: 25x5), four depthwise-separable blocks (3x3 depthwise SAME, 1x1 pointwise), one residual
 *    ADD, global average pool, FC. Fashion-MNIST resized to 49x10 stands in for MFCC frames (no audio
 *    ships with the project).
 *  - cnn-maxpool-fc: conv, MAX_POOL_2D, conv, MAX_POOL_2D, RESHAPE, two FULLY_CONNECTED, on MNIST.
 *  - concat-net: a stem conv, two branches (1x1 and 3x3) joined by CONCATENATION, a strided conv,
 *    global average pool, FC, on Fashion-MNIST.
 *
 * `--check` rebuilds them in memory and exits non-zero if a committed file differs; file names as
 * arguments limit the run to those models. Slow on the cpu backend (minutes per model).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { loadFashionMnist, loadMnist, type ImageDataset } from '../src/engine/data/datasets.ts';
import { grayImageAt, resizeBilinear } from '../src/engine/data/preprocess.ts';
import { TfliteModelBuilder } from '../src/engine/tflite/build.ts';
import type { FusedActivation } from '../src/engine/tflite/model.ts';
import { readTflite } from '../src/engine/tflite/read.ts';
import { writeTflite } from '../src/engine/tflite/write.ts';
import { runImportedModel } from '../src/engine/tflite-kernels/run.ts';

type Act = 'relu' | 'relu6' | 'linear';
type Node =
  | { name: string; kind: 'conv'; input: string; filters: number; k: [number, number]; stride: number; padding: 'same' | 'valid'; act: Act }
  | { name: string; kind: 'dw'; input: string; k: number; stride: number; padding: 'same' | 'valid'; act: Act }
  | { name: string; kind: 'maxpool' | 'avgpool'; input: string; k: [number, number]; stride: number }
  | { name: string; kind: 'flatten'; input: string }
  | { name: string; kind: 'fc'; input: string; units: number; act: Act }
  | { name: string; kind: 'concat' | 'add'; inputs: string[] };

interface Spec {
  file: string;
  description: string;
  data: 'mnist' | 'fashion';
  size: [number, number];
  nodes: Node[];
  epochs: number;
}

const SPECS: Spec[] = [
  {
    file: 'ds-cnn-kws.tflite', description: 'TinyTrain test model: DS-CNN (keyword-spotting style), 49x10x1 input, Fashion-MNIST stand-in data',
    data: 'fashion', size: [49, 10], epochs: 3,
    nodes: [
      { name: 'conv0', kind: 'conv', input: 'input', filters: 16, k: [10, 4], stride: 2, padding: 'same', act: 'relu' },
      { name: 'dw1', kind: 'dw', input: 'conv0', k: 3, stride: 1, padding: 'same', act: 'relu' },
      { name: 'pw1', kind: 'conv', input: 'dw1', filters: 24, k: [1, 1], stride: 1, padding: 'same', act: 'relu' },
      { name: 'dw2', kind: 'dw', input: 'pw1', k: 3, stride: 1, padding: 'same', act: 'relu' },
      { name: 'pw2', kind: 'conv', input: 'dw2', filters: 24, k: [1, 1], stride: 1, padding: 'same', act: 'linear' },
      { name: 'res2', kind: 'add', inputs: ['pw1', 'pw2'] },
      { name: 'dw3', kind: 'dw', input: 'res2', k: 3, stride: 1, padding: 'same', act: 'relu' },
      { name: 'pw3', kind: 'conv', input: 'dw3', filters: 32, k: [1, 1], stride: 1, padding: 'same', act: 'relu' },
      { name: 'dw4', kind: 'dw', input: 'pw3', k: 3, stride: 1, padding: 'same', act: 'relu' },
      { name: 'pw4', kind: 'conv', input: 'dw4', filters: 32, k: [1, 1], stride: 1, padding: 'same', act: 'relu' },
      { name: 'pool', kind: 'avgpool', input: 'pw4', k: [25, 5], stride: 1 },
      { name: 'flat', kind: 'flatten', input: 'pool' },
      { name: 'fc', kind: 'fc', input: 'flat', units: 10, act: 'linear' },
    ],
  },
  {
    file: 'cnn-maxpool-fc.tflite', description: 'TinyTrain test model: plain CNN with max-pooling and fully connected layers, 28x28x1, MNIST',
    data: 'mnist', size: [28, 28], epochs: 2,
    nodes: [
      { name: 'conv1', kind: 'conv', input: 'input', filters: 8, k: [3, 3], stride: 1, padding: 'same', act: 'relu' },
      { name: 'pool1', kind: 'maxpool', input: 'conv1', k: [2, 2], stride: 2 },
      { name: 'conv2', kind: 'conv', input: 'pool1', filters: 16, k: [3, 3], stride: 1, padding: 'valid', act: 'relu6' },
      { name: 'pool2', kind: 'maxpool', input: 'conv2', k: [2, 2], stride: 2 },
      { name: 'flat', kind: 'flatten', input: 'pool2' },
      { name: 'fc1', kind: 'fc', input: 'flat', units: 32, act: 'relu' },
      { name: 'fc2', kind: 'fc', input: 'fc1', units: 10, act: 'linear' },
    ],
  },
  {
    file: 'concat-net.tflite', description: 'TinyTrain test model: two branches joined by concatenation, 28x28x1, Fashion-MNIST',
    data: 'fashion', size: [28, 28], epochs: 2,
    nodes: [
      { name: 'stem', kind: 'conv', input: 'input', filters: 12, k: [3, 3], stride: 2, padding: 'valid', act: 'relu' },
      { name: 'branch1x1', kind: 'conv', input: 'stem', filters: 8, k: [1, 1], stride: 1, padding: 'same', act: 'relu' },
      { name: 'branch3x3', kind: 'conv', input: 'stem', filters: 8, k: [3, 3], stride: 1, padding: 'same', act: 'relu' },
      { name: 'cat', kind: 'concat', inputs: ['branch1x1', 'branch3x3'] },
      { name: 'down', kind: 'conv', input: 'cat', filters: 24, k: [3, 3], stride: 2, padding: 'same', act: 'relu6' },
      { name: 'pool', kind: 'avgpool', input: 'down', k: [7, 7], stride: 1 },
      { name: 'flat', kind: 'flatten', input: 'pool' },
      { name: 'fc', kind: 'fc', input: 'flat', units: 10, act: 'linear' },
    ],
  },
];

const TRAIN = 1500;
const CALIBRATE = 500;
const TEST = 1000;
const SEED = 20261206;

/** Images as float inputs in [0, 1], NHWC [n, h, w, 1], resized (bilinear) when the model's size is not 28x28. */
function tensorOf(ds: ImageDataset, from: number, count: number, [h, w]: [number, number]): Float32Array {
  const out = new Float32Array(count * h * w);
  for (let i = 0; i < count; i++) {
    const r = resizeBilinear(grayImageAt(ds.images, from + i, 28, 28), h, w);
    for (let p = 0; p < h * w; p++) out[i * h * w + p] = r[p] / 255;
  }
  return out;
}

function buildTf(spec: Spec, seed: number): tf.LayersModel {
  const [h, w] = spec.size;
  const input = tf.input({ shape: [h, w, 1], name: 'input' });
  const out = new Map<string, tf.SymbolicTensor>([['input', input]]);
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  for (const n of spec.nodes) {
    let y: tf.SymbolicTensor;
    switch (n.kind) {
      case 'conv':
        y = tf.layers.conv2d({ name: n.name, filters: n.filters, kernelSize: n.k, strides: n.stride, padding: n.padding, activation: n.act, kernelInitializer: init() }).apply(out.get(n.input)!) as tf.SymbolicTensor;
        break;
      case 'dw':
        y = tf.layers.depthwiseConv2d({ name: n.name, kernelSize: n.k, strides: n.stride, padding: n.padding, activation: n.act, depthwiseInitializer: init() }).apply(out.get(n.input)!) as tf.SymbolicTensor;
        break;
      case 'maxpool':
        y = tf.layers.maxPooling2d({ name: n.name, poolSize: n.k, strides: n.stride, padding: 'valid' }).apply(out.get(n.input)!) as tf.SymbolicTensor;
        break;
      case 'avgpool':
        y = tf.layers.averagePooling2d({ name: n.name, poolSize: n.k, strides: n.stride, padding: 'valid' }).apply(out.get(n.input)!) as tf.SymbolicTensor;
        break;
      case 'flatten':
        y = tf.layers.flatten({ name: n.name }).apply(out.get(n.input)!) as tf.SymbolicTensor;
        break;
      case 'fc':
        y = tf.layers.dense({ name: n.name, units: n.units, activation: n.act, kernelInitializer: init() }).apply(out.get(n.input)!) as tf.SymbolicTensor;
        break;
      case 'concat':
        y = tf.layers.concatenate({ name: n.name, axis: -1 }).apply(n.inputs.map((i) => out.get(i)!)) as tf.SymbolicTensor;
        break;
      case 'add':
        y = tf.layers.add({ name: n.name }).apply(n.inputs.map((i) => out.get(i)!)) as tf.SymbolicTensor;
        break;
    }
    out.set(n.name, y);
  }
  return tf.model({ inputs: input, outputs: out.get(spec.nodes[spec.nodes.length - 1].name)! });
}

interface Q { scale: number; zeroPoint: number }

/** Per-tensor asymmetric int8 quantization of a calibrated range (widened to include 0). */
function activationQuant(min: number, max: number): Q {
  const lo = Math.min(min, 0), hi = Math.max(max, 0, lo + 1e-6);
  const scale = (hi - lo) / 255;
  return { scale, zeroPoint: Math.max(-128, Math.min(127, Math.round(-128 - lo / scale))) };
}

async function makeModel(spec: Spec): Promise<{ bytes: Uint8Array; floatAcc: number; int8Acc: number }> {
  const ds = spec.data === 'mnist' ? loadMnist('train') : loadFashionMnist(undefined, 'train');
  const test = spec.data === 'mnist' ? loadMnist('test') : loadFashionMnist(undefined, 'test');
  const [h, w] = spec.size;
  const xTrain = tf.tensor4d(tensorOf(ds, 0, TRAIN, spec.size), [TRAIN, h, w, 1]);
  const yTrain = tf.oneHot(tf.tensor1d(Array.from(ds.labels.subarray(0, TRAIN)), 'int32'), 10);
  const model = buildTf(spec, SEED);
  // The last layer gives logits (the int8 graph ends in FULLY_CONNECTED, then DEQUANTIZE and SOFTMAX).
  model.compile({ optimizer: tf.train.adam(0.003), loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred) });
  // Fixed order: the training images are already a shuffled sample; tfjs's own shuffling is off.
  await model.fit(xTrain, yTrain, { epochs: spec.epochs, batchSize: 50, shuffle: false, verbose: 0 });

  // Calibration: every node's output range on training images.
  const names = spec.nodes.map((n) => n.name);
  const probe = tf.model({ inputs: model.inputs, outputs: names.map((n) => model.getLayer(n).output as tf.SymbolicTensor) });
  const calib = tf.tensor4d(tensorOf(ds, TRAIN, CALIBRATE, spec.size), [CALIBRATE, h, w, 1]);
  const acts = probe.predict(calib) as tf.Tensor[];
  const range = new Map<string, [number, number]>(names.map((n, i) => [n, [acts[i].min().dataSync()[0], acts[i].max().dataSync()[0]]]));
  range.set('input', [0, 1]);
  const quant = new Map<string, Q>([...range].map(([n, [lo, hi]]) => [n, activationQuant(lo, hi)]));
  // Shared quantization: pools and flatten keep their input's; a concatenation's inputs take its.
  for (const n of spec.nodes) {
    if (n.kind === 'maxpool' || n.kind === 'avgpool' || n.kind === 'flatten') quant.set(n.name, quant.get(n.input)!);
    if (n.kind === 'concat') for (const i of n.inputs) quant.set(i, quant.get(n.name)!);
  }

  const b = new TfliteModelBuilder();
  const shapeOf = (name: string): number[] => [1, ...(model.getLayer(name === 'input' ? 'input' : name).outputShape as number[]).slice(1)];
  const act = (a: Act): FusedActivation => (a === 'relu' ? 'RELU' : a === 'relu6' ? 'RELU6' : 'NONE');
  const xFloat = b.tensor('input', [1, h, w, 1], 'float32');
  const idx = new Map<string, number>([['input', b.tensor('input_int8', [1, h, w, 1], 'int8', quant.get('input')!)]]);
  b.inputs = [xFloat];
  b.op('QUANTIZE', {}, [xFloat], [idx.get('input')!]);
  for (const n of spec.nodes) {
    const y = b.tensor(n.name, shapeOf(n.name), 'int8', quant.get(n.name)!);
    if (n.kind === 'conv' || n.kind === 'dw' || n.kind === 'fc') {
      const x = n.input;
      const [kernel, bias] = model.getLayer(n.name).getWeights().map((t) => t.dataSync() as Float32Array);
      const kShape = model.getLayer(n.name).getWeights()[0].shape;
      const inScale = quant.get(x)!.scale;
      // TFLite layouts: conv [cout, kh, kw, cin], depthwise [1, kh, kw, c], FC [units, depth].
      const cout: number = n.kind === 'dw' ? kShape[2]! : kShape[kShape.length - 1]!;
      const per = n.kind === 'fc' ? 1 : cout; // FC weights per tensor, as TFLite's converter writes them
      // tfjs keeps the output channel innermost (conv [kh, kw, cin, cout], depthwise [kh, kw, c, 1],
      // dense [depth, units]): weight r of output channel o is at r * cout + o.
      const wIndex = (o: number, r: number): number => r * cout + o;
      const rows = kernel.length / cout;
      const scales = Array.from({ length: per }, (_, c) => {
        let m = 0;
        for (let o = per === 1 ? 0 : c; o < (per === 1 ? cout : c + 1); o++) for (let r = 0; r < rows; r++) m = Math.max(m, Math.abs(kernel[wIndex(o, r)]));
        return Math.fround(Math.max(m, 1e-8) / 127);
      });
      const wq = new Int8Array(kernel.length);
      for (let o = 0; o < cout; o++) {
        const s = scales[per === 1 ? 0 : o];
        for (let r = 0; r < rows; r++) wq[n.kind === 'dw' ? r * cout + o : o * rows + r] = Math.max(-127, Math.min(127, Math.round(kernel[wIndex(o, r)] / s)));
      }
      const biasScales = scales.map((s) => Math.fround(inScale) * s);
      const bq = Int32Array.from(bias, (v, o) => Math.round(v / biasScales[per === 1 ? 0 : o]));
      const [kh, kw, kc] = kShape as number[];
      const wShape = n.kind === 'fc' ? [cout, rows] : n.kind === 'dw' ? [1, kh, kw, cout] : [cout, kh, kw, kc];
      const wt = b.tensor(`${n.name}/weights`, wShape, 'int8', { scales, zeroPoints: scales.map(() => 0), axis: n.kind === 'dw' ? 3 : 0 }, wq);
      const bt = b.tensor(`${n.name}/bias`, [cout], 'int32', { scales: biasScales, zeroPoints: biasScales.map(() => 0), axis: 0 }, bq);
      if (n.kind === 'fc') b.op('FULLY_CONNECTED', { activation: act(n.act), keepNumDims: false, shuffledWeights: false }, [idx.get(x)!, wt, bt], [y]);
      else if (n.kind === 'dw') b.op('DEPTHWISE_CONV_2D', { padding: n.padding === 'same' ? 'SAME' : 'VALID', strideH: n.stride, strideW: n.stride, dilationH: 1, dilationW: 1, depthMultiplier: 1, activation: act(n.act) }, [idx.get(x)!, wt, bt], [y]);
      else b.op('CONV_2D', { padding: n.padding === 'same' ? 'SAME' : 'VALID', strideH: n.stride, strideW: n.stride, dilationH: 1, dilationW: 1, activation: act(n.act) }, [idx.get(x)!, wt, bt], [y]);
    } else if (n.kind === 'maxpool' || n.kind === 'avgpool') {
      b.op(n.kind === 'maxpool' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D', { padding: 'VALID', strideH: n.stride, strideW: n.stride, filterH: n.k[0], filterW: n.k[1], activation: 'NONE' }, [idx.get(n.input)!], [y]);
    } else if (n.kind === 'flatten') {
      const shape = shapeOf(n.name);
      b.op('RESHAPE', { newShape: shape }, [idx.get(n.input)!, b.tensor(`${n.name}/shape`, [2], 'int32', null, Int32Array.from(shape))], [y]);
    } else if (n.kind === 'concat') {
      b.op('CONCATENATION', { axis: 3, activation: 'NONE' }, n.inputs.map((i) => idx.get(i)!), [y]);
    } else if (n.kind === 'add') {
      b.op('ADD', { activation: 'NONE' }, n.inputs.map((i) => idx.get(i)!), [y]);
    }
    idx.set(n.name, y);
  }
  const logits = idx.get(spec.nodes[spec.nodes.length - 1].name)!;
  const real = b.tensor('logits_float', [1, 10], 'float32');
  const probs = b.tensor('probabilities', [1, 10], 'float32');
  b.op('DEQUANTIZE', {}, [logits], [real]);
  b.op('SOFTMAX', { beta: 1 }, [real], [probs]);
  b.outputs = [probs];
  const bytes = writeTflite(b.model(spec.file, spec.description));

  // Accuracy on held-out test images: float32 (TensorFlow.js) and int8 (the project's forward of the file).
  const xTest = tensorOf(test, 0, TEST, spec.size);
  const floatPred = (model.predict(tf.tensor4d(xTest, [TEST, h, w, 1])) as tf.Tensor).argMax(-1).dataSync();
  const imported = readTflite(bytes, spec.file);
  let floatOk = 0, int8Ok = 0;
  for (let i = 0; i < TEST; i++) {
    if (floatPred[i] === test.labels[i]) floatOk++;
    const p = runImportedModel(imported, xTest.subarray(i * h * w, (i + 1) * h * w)).get(logits) as Int8Array;
    if (p.indexOf(Math.max(...p)) === test.labels[i]) int8Ok++;
  }
  tf.dispose([xTrain, yTrain, calib, ...acts]);
  return { bytes, floatAcc: floatOk / TEST, int8Acc: int8Ok / TEST };
}

const check = process.argv.includes('--check');
const only = process.argv.slice(2).filter((a) => a.endsWith('.tflite'));
await tf.setBackend('cpu');
let stale = 0;
for (const spec of SPECS.filter((s) => only.length === 0 || only.includes(s.file))) {
  const path = new URL(`../public/models/${spec.file}`, import.meta.url);
  const t0 = performance.now();
  const { bytes, floatAcc, int8Acc } = await makeModel(spec);
  console.error(`${spec.file}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const params = readTflite(bytes, spec.file).tensors.filter((t) => t.data).reduce((s, t) => s + t.data!.length, 0);
  console.log(`${spec.file.padEnd(24)} ${String(bytes.length).padStart(6)} bytes (${params} bytes of weights, biases and shapes)  ` +
    `test accuracy on ${TEST}: float32 ${(floatAcc * 100).toFixed(1)}%, int8 ${(int8Acc * 100).toFixed(1)}%`);
  if (check) {
    let committed: Uint8Array | null = null;
    try { committed = new Uint8Array(readFileSync(path)); } catch { /* missing */ }
    if (!committed || committed.length !== bytes.length || committed.some((v, i) => v !== bytes[i])) {
      console.error(`${spec.file} is stale: run npm run make-tflite-models`);
      stale++;
    }
  } else {
    writeFileSync(path, bytes);
  }
}
if (stale) process.exit(1);
