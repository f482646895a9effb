/**
 * The paper's three int8 ImageNet models (../shared/models/tiny-training/*.pkl, always beside the repo
 * in CI: a missing file fails these tests) run on real images: MNIST and Fashion-MNIST digits resized
 * to 128 x 128 and made three-channel. Checks that the forward pass is deterministic, that every
 * activation is a live int8 signal (not constant, not stuck at a rail), and that the logits of the
 * file's own ImageNet head are finite, image-dependent and confident rather than uniform.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../../tests/require-tool.ts';
import { loadFashionMnist, loadMnist } from '../data/datasets.ts';
import { grayImageAt, imageToInput } from '../data/preprocess.ts';
import type { Model, Node } from '../ir/graph.ts';
import { runForward, type TensorValues } from '../runtime/reference.ts';
import { modelFromPkl, type PklOptions } from './from-pkl.ts';

const MODELS = ['mcunet-5fps', 'mbv2-w0.35', 'proxyless-w0.3'];

function loadPkl(name: string, opts: PklOptions): Model {
  const bytes = new Uint8Array(readFileSync(new URL(`../../../../shared/models/tiny-training/${name}.pkl`, import.meta.url)));
  return modelFromPkl(bytes, { fileName: `${name}.pkl`, ...opts });
}

interface LayerStats {
  name: string; role: string; shape: string; zero: number;
  /** Fractions of the values at -128 and at 127. */
  low: number; high: number;
  mean: number; std: number; distinct: number;
}

function layerStats(model: Model, v: TensorValues): LayerStats[] {
  const g = model.graph;
  return g.nodes.filter((n) => n.op === 'conv2d' || n.op === 'add').map((n) => {
    const t = g.tensors[n.outputs[0]];
    const y = v[n.outputs[0]];
    expect(y).toBeInstanceOf(Int8Array);
    expect(y.length).toBe(t.shape.reduce((a, b) => a * b, 1));
    let low = 0, high = 0, s = 0, s2 = 0;
    const seen = new Set<number>();
    for (const a of y) {
      if (a === -128) low++;
      else if (a === 127) high++;
      s += a;
      s2 += a * a;
      seen.add(a);
    }
    const mean = s / y.length;
    return {
      name: n.name, role: n.op === 'add' ? 'add' : (n as Node<'conv2d'>).attrs.role, shape: t.shape.join('x'), zero: t.q!.zeroPoint,
      low: low / y.length, high: high / y.length, mean, std: Math.sqrt(Math.max(0, s2 / y.length - mean * mean)), distinct: seen.size,
    };
  });
}

function softmax(z: ArrayLike<number>): number[] {
  const a = Array.from(z), m = Math.max(...a);
  const e = a.map((v) => Math.exp(v - m)), s = e.reduce((x, y) => x + y, 0);
  return e.map((v) => v / s);
}

const entropy = (p: number[]) => -p.reduce((h, v) => h + (v > 0 ? v * Math.log(v) : 0), 0);

const pct = (f: number) => `${(100 * f).toFixed(1)}%`.padStart(6);

function printTable(model: string, image: string, rows: LayerStats[]): void {
  const lines = rows.map((r) => `${r.name.padEnd(12)}${r.role.padEnd(5)}${r.shape.padStart(10)}${String(r.zero).padStart(6)}`
    + `${pct(r.low)}${pct(r.high)}${r.mean.toFixed(1).padStart(8)}${r.std.toFixed(1).padStart(7)}${String(r.distinct).padStart(5)}`);
  console.log([`${model} on ${image}: per-layer int8 output statistics`,
    `${'layer'.padEnd(12)}${'role'.padEnd(5)}${'shape'.padStart(10)}${'zero'.padStart(6)}${'@-128'.padStart(6)}${'@127'.padStart(6)}${'mean'.padStart(8)}${'std'.padStart(7)}${'uniq'.padStart(5)}`,
    ...lines].join('\n'));
}

interface Sample { label: string; image: ReturnType<typeof grayImageAt> }

let samples: Sample[] = [];

beforeAll(() => {
  const mnist = loadMnist('test');
  samples = [
    { label: 'MNIST test #0 (a 7)', image: grayImageAt(mnist.images, 0, mnist.rows, mnist.cols) },
    { label: 'MNIST test #1 (a 2)', image: grayImageAt(mnist.images, 1, mnist.rows, mnist.cols) },
  ];
  if (requireTool('fashion-mnist')) {
    const fashion = loadFashionMnist();
    samples.push({ label: 'Fashion-MNIST test #0 (ankle boot)', image: grayImageAt(fashion.images, 0, fashion.rows, fashion.cols) });
  } else {
    samples.push({ label: 'MNIST test #2 (a 1)', image: grayImageAt(mnist.images, 2, mnist.rows, mnist.cols) });
  }
});

describe.each(MODELS)('%s on real images', (name) => {
  let model: Model;
  let inputs: Int8Array[];
  let runs: TensorValues[];

  beforeAll(() => {
    model = loadPkl(name, { classes: 1000 });
    const inputT = model.graph.tensors[model.graph.input];
    expect(inputT.shape).toEqual([3, 128, 128]);
    expect(inputT.q).toEqual({ scale: 0.00784313725490196, zeroPoint: 0 });
    inputs = samples.map((s) => imageToInput(s.image, inputT));
    runs = inputs.map((x, i) => runForward(model, x, i));
  });

  it('is deterministic: two runs are bit-identical in every tensor', () => {
    const again = runForward(model, inputs[0].slice(), 0);
    for (const [k, a] of Object.entries(runs[0])) {
      const b = again[k];
      const same = Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      expect([k, same]).toEqual([k, true]);
    }
  });

  it('keeps every int8 activation live: varied, rarely at 127, and not stuck at -128', () => {
    runs.forEach((v, i) => {
      const stats = layerStats(model, v);
      if (name === 'mcunet-5fps' && i === 0) printTable(name, samples[0].label, stats);
      for (const s of stats) {
        const where = `${samples[i].label}, ${s.name}`;
        expect([where, s.distinct > 8, s.std > 1]).toEqual([where, true, true]);
        // The upper rail is rare everywhere (observed at most ~2%).
        expect(s.high, where).toBeLessThan(0.1);
        if (s.zero === -128) {
          // ReLU6 outputs: -128 is real 0, so a sparse activation sits there often (observed up to ~82%),
          // but never all of it.
          expect(s.low, where).toBeLessThan(0.95);
        } else {
          // Linear (pw2) outputs and residual sums have a free zero point: no rail is hit.
          expect(s.low + s.high, where).toBeLessThan(0.02);
        }
      }
      expect(stats.filter((s) => s.low >= 0.9).length, samples[i].label).toBeLessThanOrEqual(Math.floor(stats.length / 10));
    });
  });

  it('gives finite, image-dependent, non-uniform ImageNet logits', () => {
    const g = model.graph;
    const logits = runs.map((v) => Array.from(v[g.logits]));
    for (const [i, z] of logits.entries()) {
      expect(z.length).toBe(1000);
      expect(z.every(Number.isFinite), samples[i].label).toBe(true);
      const p = softmax(z);
      // Uniform would be p = 0.001 and entropy ln(1000) = 6.91; observed max p 0.05-0.4, entropy 2.4-5.2.
      expect(Math.max(...p), samples[i].label).toBeGreaterThan(0.02);
      expect(entropy(p), samples[i].label).toBeLessThan(6);
      expect(Number.isFinite(lossOf(runs[i], g.loss!))).toBe(true);
    }
    for (let i = 0; i < logits.length; i++) {
      for (let j = i + 1; j < logits.length; j++) {
        const diff = Math.max(...logits[i].map((a, k) => Math.abs(a - logits[j][k])));
        expect(diff, `${samples[i].label} vs ${samples[j].label}`).toBeGreaterThan(0.5);
      }
    }
  });

  it('the float head equals the file\'s int8 head up to its rounding', () => {
    const int8 = loadPkl(name, { classes: 1000, head: 'int8' });
    const q = int8.graph.tensors[int8.graph.logits].q!;
    const v = runForward(int8, inputs[0], 0);
    const zf = runs[0][model.graph.logits], zi = v[int8.graph.logits];
    expect(zi).toBeInstanceOf(Int8Array);
    let compared = 0;
    for (let k = 0; k < 1000; k++) {
      if (zi[k] === -128 || zi[k] === 127) continue; // clamped by the int8 head
      compared++;
      expect(Math.abs(zf[k] - q.scale * (zi[k] - q.zeroPoint)), `class ${k}`).toBeLessThanOrEqual(q.scale * 0.5 + 1e-4);
    }
    expect(compared).toBeGreaterThan(900);
  });

  it('a 10-class head on the same backbone gives 10 logits', () => {
    const m10 = loadPkl(name, { classes: 10 });
    expect(m10.source).toMatch(/a new 10-class head/);
    const v = runForward(m10, inputs[0], 3);
    const z = v[m10.graph.logits];
    expect(z.length).toBe(10);
    expect(Array.from(z).every(Number.isFinite)).toBe(true);
    expect(new Set(z).size).toBeGreaterThan(1);
    // The backbone is the file's, whatever the head: same pooled features as the 1000-class model.
    expect(Array.from(v['pool.out'])).toEqual(Array.from(runs[0]['pool.out']));
    expect(Number.isFinite(lossOf(v, m10.graph.loss!))).toBe(true);
  });
});

function lossOf(v: TensorValues, loss: string): number {
  return v[loss][0];
}
