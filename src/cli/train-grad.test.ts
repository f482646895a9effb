/**
 * `tinytrain train` and `tinytrain grad` as a user runs them, on the shipped demo model and data:
 * one JSON document on stdout with --json, .npy files named after the parameters, and one clear
 * sentence on stderr for bad input.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../engine/io/npy.ts';
import { readTflite } from '../engine/tflite/read.ts';
import { tinytrain } from './cli-harness.ts';

describe('tinytrain train and grad', () => {
  it('train --json: progress on stderr, one result document on stdout', async () => {
    const r = await tinytrain(...['train', '--model', 'tinytrain-demo', '--scheme', 'last-6', '--dataset', 'demo', '--resolution', '32',
      '--train', '60', '--val', '30', '--json']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { status: string; valAccuracy: number; steps: number; history: unknown[] };
    expect(doc.status).toBe('completed');
    expect(doc.steps).toBe(60);
    expect(doc.valAccuracy).toBeGreaterThanOrEqual(0);
    expect(r.stderr).toMatch(/train 20\/60 loss/);
  }, 120_000);

  it('train --out model.tflite writes the trained model as an int8 .tflite the project reads back, and says how the head was quantized', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tt-tflite-'));
    const path = join(dir, 'model.tflite');
    const r = await tinytrain(...['train', '--model', 'tinytrain-demo', '--scheme', 'last-6', '--dataset', 'demo', '--resolution', '32',
      '--train', '40', '--val', '20', '--out', path, '--json']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { out: string; tflite: string };
    expect(doc.out).toBe(path);
    expect(doc.tflite).toMatch(/float32 head was quantized for the file: weights int8 per tensor .* on 40 training images/);
    const model = readTflite(new Uint8Array(readFileSync(path)), 'model.tflite');
    expect(model.ops.at(-1)!.kind).toBe('FULLY_CONNECTED');
    expect(model.tensors[model.inputs[0]].shape).toEqual([1, 32, 32, 3]);
  }, 120_000);

  it('grad writes logits, loss and every trained parameter\'s gradient before and after QAS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tt-grad-'));
    writeFileSync(join(dir, 'x.npy'), writeNpy(Uint8Array.from({ length: 784 }, (_, i) => (i * 7) % 256), [28, 28]));
    // The demo model's own 15-class head (another class count gets a fresh zero head, hence zero backbone gradients).
    const r = await tinytrain(...['grad', '--model', 'tinytrain-demo', '--scheme', 'last-3', '--input', join(dir, 'x.npy'), '--label', '3',
      '--out', join(dir, 'out'), '--resolution', '32', '--classes', '15', '--json']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { files: string[]; loss: number };
    expect(doc.files).toContain('classifier.weight.grad.npy');
    expect(doc.files).toContain('conv23.weight.grad_qas.npy');
    const loss = readNpy(new Uint8Array(readFileSync(join(dir, 'out', 'loss.npy'))));
    expect(loss.data[0]).toBeCloseTo(doc.loss, 5);
    const g = readNpy(new Uint8Array(readFileSync(join(dir, 'out', 'conv23.bias.grad.npy'))));
    const q = readNpy(new Uint8Array(readFileSync(join(dir, 'out', 'conv23.bias.grad_qas.npy'))));
    expect(g.shape).toEqual(q.shape);
    // QAS divides by (s_W s_x)^2 < 1: every non-zero bias gradient grows (a channel the clamp masks has none).
    const live = Array.from(g.data as Float32Array).flatMap((v, i) => (v !== 0 ? [i] : []));
    expect(live.length).toBeGreaterThan(0);
    for (const i of live) expect(Math.abs(q.data[i])).toBeGreaterThan(Math.abs(g.data[i]));
  }, 120_000);

  it('bad input: a single-class folder, an empty class folder, an unreadable .npy', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tt-bad-'));
    mkdirSync(join(root, 'one', 'cats'), { recursive: true });
    writeFileSync(join(root, 'one', 'cats', 'a.png'), new Uint8Array([1]));
    mkdirSync(join(root, 'two', 'cats'), { recursive: true });
    mkdirSync(join(root, 'two', 'dogs'), { recursive: true });
    writeFileSync(join(root, 'bad.npy'), new Uint8Array([1, 2, 3]));
    const [single, empty, npy] = await Promise.all([
      tinytrain(...['train', '--model', 'tinytrain-demo', '--scheme', 'head-only', '--dataset', join(root, 'one')]),
      tinytrain(...['train', '--model', 'tinytrain-demo', '--scheme', 'head-only', '--dataset', join(root, 'two')]),
      tinytrain(...['grad', '--model', 'tinytrain-demo', '--scheme', 'head-only', '--input', join(root, 'bad.npy'), '--label', '1', '--out', join(root, 'o')]),
    ]);
    expect(single.status).toBe(1);
    expect(single.stderr).toMatch(/^tinytrain train: only one class folder \("cats"\)/);
    expect(empty.status).toBe(1);
    expect(empty.stderr).toMatch(/class folder "cats", "dogs" has no usable images|no class folders/);
    expect(npy.status).toBe(1);
    expect(npy.stderr).toMatch(/bad.npy is not a .npy file/);
    expect(existsSync(join(root, 'o'))).toBe(false);
  }, 120_000);
});
