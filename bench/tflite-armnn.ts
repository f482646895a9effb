/**
 * `npm run bench:tflite`: the int8 forward of imported .tflite models against Arm NN (CpuRef) on
 * real images, with both of TFLite's requantization roundings, and each model's accuracy where the
 * labels mean something. Heavier than the test (more images); prints one table.
 */
import { readFileSync } from 'node:fs';
import { loadFashionMnist, loadMnist } from '../src/engine/data/datasets.ts';
import { grayImageAt, resizeBilinear } from '../src/engine/data/preprocess.ts';
import { readTflite } from '../src/engine/tflite/read.ts';
import { writeTflite } from '../src/engine/tflite/write.ts';
import { lowerModel, type Interpreter } from '../src/engine/tflite-kernels/lower.ts';
import { runImportedModel } from '../src/engine/tflite-kernels/run.ts';
import { forArmnn, runArmnn } from '../tests/armnn.ts';

interface Case { name: string; file: string; images: Uint8Array; labels: Uint8Array | null; count: number; norm: (v: number) => number }

const fashion = loadFashionMnist(undefined, 'test');
const mnist = loadMnist('test');
const extra = process.argv.slice(2).filter((a) => a.endsWith('.tflite'));
const cases: Case[] = [
  { name: 'mcunet-vww', file: new URL('../../shared/models/tflite/mcunet-vww.tflite', import.meta.url).pathname, images: fashion.images, labels: null, count: 100, norm: (v) => v / 127.5 - 1 },
  { name: 'lenet-300-100', file: new URL('../../shared/models/tflite/lenet-300-100-int8.tflite', import.meta.url).pathname, images: mnist.images, labels: mnist.labels, count: 1000, norm: (v) => v / 255 },
  ...extra.map((file) => ({ name: file.split('/').pop()!, file, images: fashion.images, labels: null, count: 300, norm: (v: number) => v / 255 })),
];

const rows: string[][] = [];
for (const c of cases) {
  const model = readTflite(new Uint8Array(readFileSync(c.file)), c.name);
  const inT = model.tensors[model.inputs[0]];
  const [, h, w, ch] = inT.shape;
  const xs = Array.from({ length: c.count }, (_, i) => {
    const r = resizeBilinear(grayImageAt(c.images, i, 28, 28), h, w);
    const x = new Float32Array(h * w * ch);
    for (let p = 0; p < h * w; p++) for (let k = 0; k < ch; k++) x[p * ch + k] = c.norm(r[p]);
    return x;
  });
  const logitsT = model.ops.find((op) => op.kind === 'DEQUANTIZE')!.inputs[0];
  const t0 = performance.now();
  const arm = runArmnn(writeTflite(forArmnn(model, [logitsT])), xs);
  const armMs = (performance.now() - t0) / c.count;
  for (const interp of ['tflite', 'tflite-micro'] as Interpreter[]) {
    const kernels = lowerModel(model, interp);
    let same = 0, n = 0, maxDiff = 0, top = 0, correct = 0;
    const t1 = performance.now();
    xs.forEach((x, s) => {
      const ours = runImportedModel(model, x, kernels).get(logitsT) as Int8Array;
      const theirs = arm.values[s][0] as Int8Array;
      const k = ours.indexOf(Math.max(...ours));
      if (k === theirs.indexOf(Math.max(...theirs))) top++;
      if (c.labels && k === c.labels[s]) correct++;
      for (let i = 0; i < ours.length; i++) {
        const d = Math.abs(ours[i] - theirs[i]);
        if (d === 0) same++;
        maxDiff = Math.max(maxDiff, d);
        n++;
      }
    });
    const oursMs = (performance.now() - t1) / c.count;
    rows.push([c.name, interp, String(c.count), `${(same / n * 100).toFixed(2)}%`, String(maxDiff), `${top}/${c.count}`,
      c.labels ? `${(correct / c.count * 100).toFixed(1)}%` : '-', oursMs.toFixed(1), armMs.toFixed(1)]);
  }
}
const head = ['model', 'semantics', 'images', 'int8 logits identical', 'max diff', 'same top-1', 'accuracy', 'ours ms/img', 'Arm NN ms/img'];
const widths = head.map((hd, i) => Math.max(hd.length, ...rows.map((r) => r[i].length)));
console.log('Int8 forward of imported .tflite models vs Arm NN 20.08 CpuRef (logits before DEQUANTIZE)');
for (const r of [head, ...rows]) console.log(r.map((v, i) => v.padEnd(widths[i])).join('  '));
