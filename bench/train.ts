/**
 * `npm run bench:train`: the accuracy table (the paper's trends with mcunet-5fps.pkl transferred to
 * Fashion-MNIST and MNIST) and the speed table (TinyTrain vs TensorFlow.js). Each accuracy dataset
 * runs in its own process (train-accuracy.ts, both at once), then an imported .tflite on a two-class task
 * (train-vww.ts: mcunet-vww.tflite, int8 + QAS against float32 and head-only); results land in bench/out/*.json.
 *   npm run bench:train                      everything (a few hours on 2 cores: the lr grid x seeds)
 *   npm run bench:train -- --table-only      print the tables from bench/out/ without re-running
 * Settings: 2,000 training / 1,000 validation images (a balanced split by seed 1 of each training set),
 * 1,000 test images, 64x64 inputs, 1 epoch, batch 1, one lr for weights, biases and the float head
 * (int8 + QAS and float32: the best of a grid by mean validation accuracy over seeds, see
 * train-accuracy.ts; other rows 0.001), cosine schedule with 100 warmup steps, no momentum; memory from
 * the compiler's report at 128x128.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { table } from '../src/cli/format.ts';

const run = promisify(execFile);
const out = new URL('./out/', import.meta.url);
const tableOnly = process.argv.includes('--table-only');
mkdirSync(out, { recursive: true });
const datasets = ['fashion', 'mnist'];
const file = (d: string) => new URL(`accuracy-${d}.json`, out);

const vww = new URL('vww.json', out).pathname;
if (!tableOnly) {
  await Promise.all(datasets.map((d) => run('npx', ['tsx', 'bench/train-accuracy.ts', '--dataset', d, '--json', file(d).pathname], { maxBuffer: 1 << 26 })));
  await run('npx', ['tsx', 'bench/train-vww.ts', '--json', vww], { maxBuffer: 1 << 26 });
}
type Rec = { row: string; lr?: number; seed?: number; valAccuracy: number | null; testAccuracy?: number; peakKb: number; analyticKb: number };
const res = Object.fromEntries(datasets.map((d) => [d, existsSync(file(d)) ? (JSON.parse(readFileSync(file(d), 'utf8')) as Rec[]) : []]));
const labels = [...new Set(datasets.flatMap((d) => res[d].map((r) => r.row)))];
const mean = (v: number[]) => (v.length ? v.reduce((x, y) => x + y, 0) / v.length : NaN);
const pct = (v: number) => (Number.isFinite(v) ? (v * 100).toFixed(1) : '-');

/** Each learning rate's mean over seeds (records without lr / seed come from runs at lr 0.001, seed 1). */
function byLr(d: string, row: string) {
  const recs = res[d].filter((r) => r.row === row && r.valAccuracy !== null);
  return [...new Set(recs.map((r) => r.lr ?? 0.001))].sort((x, y) => x - y).map((lr) => {
    const at = recs.filter((r) => (r.lr ?? 0.001) === lr);
    return { lr, val: mean(at.map((r) => r.valAccuracy!)), test: mean(at.filter((r) => r.testAccuracy !== undefined).map((r) => r.testAccuracy!)), seeds: at.length };
  });
}
/** The rate with the best mean validation accuracy. */
const best = (d: string, row: string) => byLr(d, row).reduce<ReturnType<typeof byLr>[number] | undefined>((b, x) => (!b || x.val > b.val ? x : b), undefined);

console.log('mcunet-5fps.pkl (ImageNet int8) -> 10 classes, 64x64, 2,000 train / 1,000 val (+ 1,000 test), 1 epoch, batch 1');
console.log('val: validation accuracy at the chosen lr, mean over seeds; test: the same runs on held-out test images (not used to choose)');
console.log(table(['scheme / training', 'Fashion lr', 'Fashion val %', 'Fashion test %', 'MNIST lr', 'MNIST val %', 'MNIST test %', 'seeds', 'peak SRAM KB (128x128)', 'analytic KB'],
  labels.map((l) => {
    const f = best('fashion', l), m = best('mnist', l);
    const any = res.fashion.find((r) => r.row === l) ?? res.mnist.find((r) => r.row === l)!;
    return [l, f ? String(f.lr) : '-', pct(f?.val ?? NaN), pct(f?.test ?? NaN), m ? String(m.lr) : '-', pct(m?.val ?? NaN), pct(m?.test ?? NaN),
      `${f?.seeds ?? 0} / ${m?.seeds ?? 0}`, any.peakKb.toFixed(1), any.analyticKb.toFixed(1)];
  }), [false, true, true, true, true, true, true, true, true, true]));
const gridRows = labels.filter((l) => datasets.some((d) => byLr(d, l).length > 1));
if (gridRows.length) {
  console.log('\nlearning-rate grid (weights, biases and head alike): mean validation % (test %) over seeds');
  console.log(table(['dataset', 'scheme / training', ...[...new Set(gridRows.flatMap((l) => datasets.flatMap((d) => byLr(d, l).map((x) => x.lr))))].sort((x, y) => x - y).map(String)],
    datasets.flatMap((d) => gridRows.map((l) => {
      const all = [...new Set(gridRows.flatMap((r) => datasets.flatMap((dd) => byLr(dd, r).map((x) => x.lr))))].sort((x, y) => x - y);
      const got = byLr(d, l);
      return [d, l, ...all.map((lr) => { const x = got.find((g) => g.lr === lr); return x ? `${pct(x.val)} (${pct(x.test)})` : '-'; })];
    }))));
}
if (existsSync(vww)) console.log((await run('npx', ['tsx', 'bench/train-vww.ts', '--table-only', '--json', vww])).stdout);
if (!tableOnly) {
  const speed = await run('npx', ['tsx', 'bench/train-speed.ts'], { maxBuffer: 1 << 26 });
  console.log(speed.stdout);
}
