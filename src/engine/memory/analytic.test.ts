import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { modelFromFile } from '../models/model-file.ts';
import { buildGraph } from '../models/build.ts';
import { zooArch } from '../models/zoo.ts';
import { builtinScheme } from '../train/builtin-schemes.ts';
import { resolveScheme, type Scheme } from '../train/scheme.ts';
import { analyticMemory } from './analytic.ts';

// REFERENCE.md: the paper's analytic figures for mcunet-5fps (KB = 1024 bytes), to 0.1 KB.
const EXPECTED: [string, number][] = [
  ['mcunet-5fps@49kb', 49.8], ['mcunet-5fps@74kb', 74.8], ['mcunet-5fps@99kb', 99.8],
  ['mcunet-5fps@124kb', 125.0], ['mcunet-5fps@148kb', 148.4],
  ['last-12', 448.0], ['bias-only', 121.3], ['full', 1400.4],
];

describe('analytic memory model', () => {
  const g = buildGraph(zooArch('mcunet-5fps'), { resolution: 128, classes: 10 });
  for (const [name, kb] of EXPECTED) {
    it(`${name} gives ${kb} KB`, () => {
      const rs = resolveScheme(builtinScheme(name, 42)!, g);
      expect(Math.round(analyticMemory(g, rs).total / 1024 * 10) / 10).toBe(kb);
    });
  }
});

describe('analytic memory model of a general graph (cnn-maxpool-fc.tflite: conv, max-pool, conv, max-pool, flatten, FC, head)', () => {
  const bytes = new Uint8Array(readFileSync(new URL('../../../public/models/cnn-maxpool-fc.tflite', import.meta.url)));
  const g = modelFromFile('cnn-maxpool-fc.tflite', bytes).graph;
  const at = (scheme: Scheme) => analyticMemory(g, resolveScheme(scheme, g));
  it('head-only: the head\'s input, the FC\'s 32 outputs', () => {
    expect(at(builtinScheme('head-only', 3)!)).toEqual({ classifierInput: 32, masks: 0, biases: 0, savedActivations: 0, weights: 0, total: 32 });
  });
  it('the last conv\'s biases and half its weights: masks, int32 biases, its saved input (288 of 576 channels) and weights', () => {
    const a = at({ nBias: 1, weights: { 2: '1/2' }, head: 'float32', momentum: false });
    expect(a).toEqual({ classifierInput: 32, masks: 32 / 8, biases: 4 * 32, savedActivations: 288, weights: 32 * 288, total: 32 + 4 + 128 + 288 + 32 * 288 });
  });
  it('a conv in front of a max-pool: the backward pass crosses the pool, which keeps its whole input', () => {
    const a = at({ nBias: 2, weights: {}, head: 'float32', momentum: false });
    // conv1 (16x12x12) and conv2 biases and masks; max-pool 2 keeps its 16x12x12 input.
    expect(a.savedActivations).toBe(16 * 12 * 12);
    expect(a.masks).toBe((16 * 12 * 12 + 32) / 8);
  });
});
