/**
 * `tinytrain info` as a user runs it: `node bin/tinytrain.mjs ...` from the repository root.
 * Each spawn costs about a second, so the cases are few and the spawns run concurrently.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../engine/util/random.ts';
import { tinytrain, type Run } from './cli-harness.ts';

const PKL = (name: string) => `../shared/models/tiny-training/${name}.pkl`;

interface LayerJson { name: string; convIndex: number | null; inputShape: number[]; outputShape: number[] }
interface InfoJson {
  model: string; source: string; inputShape: number[]; classes: number; convs: number;
  backboneMacs: number; backboneParams: number; layers: LayerJson[];
}

/** The whole of stdout must be one JSON document, and stderr empty. */
function oneJson(r: Run): InfoJson {
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout.trimStart().startsWith('{')).toBe(true);
  expect(r.stdout.endsWith('}\n')).toBe(true);
  return JSON.parse(r.stdout) as InfoJson;
}

const FIGURES = {
  'mcunet-5fps': { macs: 22_453_504, params: 469_224, convs: 42 },
  'mbv2-w0.35': { macs: 16_646_912, params: 244_448, convs: 51 },
  'proxyless-w0.3': { macs: 18_619_904, params: 326_232, convs: 60 },
};

describe('tinytrain info', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tinytrain-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const corrupt = join(dir, 'corrupt.pkl');
  const rand = mulberry32(42);
  writeFileSync(corrupt, Uint8Array.from({ length: 4096 }, () => Math.floor(rand() * 256)));

  // Started together, awaited by the tests.
  const runs = {
    zoo: tinytrain('info', '--model', 'mcunet-5fps', '--json'),
    pkl: Object.fromEntries(Object.keys(FIGURES).map((m) => [m, tinytrain('info', '--model', PKL(m), '--json')])),
    resized: tinytrain('info', '--model', PKL('mcunet-5fps'), '--resolution', '96', '--classes', '37', '--json'),
    unknown: tinytrain('info', '--model', 'mcunet-9000', '--json'),
    corrupt: tinytrain('info', '--model', corrupt, '--json'),
    tflite: tinytrain('info', '--model', '../shared/models/tflite/mcunet-vww.tflite', '--classes', '2', '--json'),
    maxpool: tinytrain('info', '--model', 'public/models/cnn-maxpool-fc.tflite'),
  };

  it('reports the zoo model\'s backbone figures as one JSON document', async () => {
    const j = oneJson(await runs.zoo);
    expect([j.model, j.backboneMacs, j.backboneParams, j.convs]).toEqual(['mcunet-5fps', 22_453_504, 469_224, 42]);
    expect(j.inputShape).toEqual([3, 128, 128]);
    expect(j.layers.filter((l) => l.convIndex !== null).map((l) => l.convIndex)).toEqual([...Array(42).keys()]);
  });

  it('reads the paper\'s .pkl files to the same figures', async () => {
    for (const [name, f] of Object.entries(FIGURES)) {
      const j = oneJson(await runs.pkl[name]);
      expect([j.model, j.backboneMacs, j.backboneParams, j.convs]).toEqual([name, f.macs, f.params, f.convs]);
      expect(j.source).toMatch(new RegExp(`^${name}\\.pkl \\(the paper's int8 weights`));
    }
  });

  it('opens an int8 .tflite of the family at its own input size, and one outside it as a general graph', async () => {
    const j = oneJson(await runs.tflite);
    expect([j.model, j.convs, j.inputShape, j.classes]).toEqual(['mcunet-vww', 45, [3, 80, 80], 2]);
    expect(j.source).toBe('mcunet-vww.tflite (int8 TFLite weights, its 2-class head)');
    // Outside the family: a general graph, its convs numbered in the file's order (refusals: tests/tflite-general.test.ts).
    const r = await runs.maxpool;
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/a general graph of 3 convs/);
    expect(r.stdout).toMatch(/^\s+maxpool2\s+maxpool\s+8x28x28\s+8x14x14/m);
    expect(r.stdout).toMatch(/^\s+2\s+conv2\s+fc\s+1\/1\s+576x1x1\s+32x1x1/m);
  });

  it('--resolution 96 --classes 37 changes the shapes', async () => {
    const j = oneJson(await runs.resized);
    expect([j.inputShape, j.classes, j.convs, j.backboneParams]).toEqual([[3, 96, 96], 37, 42, 469_224]);
    // Every spatial size scales by 96 / 128, so the MACs by 9 / 16.
    expect(j.backboneMacs).toBe(22_453_504 * 9 / 16);
    expect(j.layers[0].outputShape).toEqual([16, 48, 48]);
    expect(j.layers.find((l) => l.name === 'conv41')!.outputShape).toEqual([160, 3, 3]);
    expect(j.layers.at(-1)).toMatchObject({ name: 'classifier', outputShape: [37, 1, 1] });
  });

  it('an unknown model exits non-zero with one sentence on stderr', async () => {
    const r = await runs.unknown;
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^tinytrain info: --model "mcunet-9000" is neither a zoo model \(mcunet-5fps, mbv2-w0.35, proxyless-w0.3, tinytrain-demo\) nor a readable file\n$/);
  });

  it('a corrupt model file exits non-zero with a clear message', async () => {
    const r = await runs.corrupt;
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^tinytrain info: .*not a zip archive/);
  });
});
