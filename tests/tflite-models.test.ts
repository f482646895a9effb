// The project's own .tflite test models (public/models/*.tflite, made by scripts/make-tflite-models.ts
// with the project's writer): each opens, is written back byte for byte by the writer, classifies
// held-out images, and Arm NN (an independent reader and interpreter) computes the same int8 logits.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadFashionMnist, loadMnist } from '../src/engine/data/datasets.ts';
import { grayImageAt, resizeBilinear } from '../src/engine/data/preprocess.ts';
import { readTflite } from '../src/engine/tflite/read.ts';
import { writeTflite } from '../src/engine/tflite/write.ts';
import { lowerModel } from '../src/engine/tflite-kernels/lower.ts';
import { runImportedModel } from '../src/engine/tflite-kernels/run.ts';
import { forArmnn, runArmnn } from './armnn.ts';
import { requireTool } from './require-tool.ts';

const MODELS = [
  { file: 'ds-cnn-kws.tflite', data: 'fashion', ops: ['CONV_2D', 'DEPTHWISE_CONV_2D', 'ADD', 'AVERAGE_POOL_2D', 'FULLY_CONNECTED'], minAccuracy: 0.25 },
  { file: 'cnn-maxpool-fc.tflite', data: 'mnist', ops: ['CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED'], minAccuracy: 0.7 },
  { file: 'concat-net.tflite', data: 'fashion', ops: ['CONV_2D', 'CONCATENATION', 'AVERAGE_POOL_2D', 'FULLY_CONNECTED'], minAccuracy: 0.2 },
] as const;
const COUNT = 100;
const haveArmnn = requireTool('pyarmnn') && requireTool('armnn-cpuref') && requireTool('armnn-tflite-parser');

describe.each(MODELS)('$file', ({ file, data, ops, minAccuracy }) => {
  const bytes = new Uint8Array(readFileSync(new URL(`../public/models/${file}`, import.meta.url)));
  const model = readTflite(bytes, file);
  const ds = data === 'mnist' ? loadMnist('test') : loadFashionMnist(undefined, 'test');
  const [, h, w] = model.tensors[model.inputs[0]].shape;
  const xs = Array.from({ length: COUNT }, (_, i) => Float32Array.from(resizeBilinear(grayImageAt(ds.images, i, 28, 28), h, w), (v) => v / 255));
  const logits = model.ops.find((op) => op.kind === 'DEQUANTIZE')!.inputs[0];

  it('is small, has its ops, and the writer writes it back byte for byte', () => {
    expect(bytes.length).toBeLessThan(64 * 1024);
    for (const k of ops) expect(model.ops.map((o) => o.kind)).toContain(k);
    expect(writeTflite(model)).toEqual(bytes);
  });

  it('classifies held-out images', () => {
    const kernels = lowerModel(model);
    const correct = xs.filter((x, i) => {
      const y = runImportedModel(model, x, kernels).get(logits) as Int8Array;
      return y.indexOf(Math.max(...y)) === ds.labels[i];
    }).length;
    expect(correct / COUNT).toBeGreaterThanOrEqual(minAccuracy);
  });

  it.skipIf(!haveArmnn)('Arm NN computes the same int8 logits', () => {
    const arm = runArmnn(writeTflite(forArmnn(model, [logits])), xs);
    const kernels = lowerModel(model);
    let same = 0, n = 0, maxDiff = 0;
    xs.forEach((x, i) => {
      const ours = runImportedModel(model, x, kernels).get(logits) as Int8Array;
      const theirs = arm.values[i][0] as Int8Array;
      expect(ours.indexOf(Math.max(...ours))).toBe(theirs.indexOf(Math.max(...theirs)));
      for (let j = 0; j < ours.length; j++, n++) {
        if (ours[j] === theirs[j]) same++;
        maxDiff = Math.max(maxDiff, Math.abs(ours[j] - theirs[j]));
      }
    });
    expect(same / n).toBeGreaterThanOrEqual(0.99);
    expect(maxDiff).toBeLessThanOrEqual(1);
  }, 60_000);
});
