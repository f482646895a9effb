/**
 * `npm run bench:train`: the accuracy table (the paper's trends with mcunet-5fps.pkl transferred to
 * Fashion-MNIST and MNIST) and the speed table (TinyTrain vs TensorFlow.js). Each accuracy dataset
 * runs in its own process (train-accuracy.ts, both at once); results land in bench/out/*.json.
 *   npm run bench:train                      everything (about an hour on 2 cores)
 *   npm run bench:train -- --table-only      print the tables from bench/out/ without re-running
 * Settings: 2,000 training / 1,000 validation images (a balanced split by seed 1 of each training set),
 * 64x64 inputs, 1 epoch, batch 1, lr 0.001 for weights, biases and the float head, cosine schedule with
 * 100 warmup steps, no momentum; memory from the compiler's report at 128x128.
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

if (!tableOnly) {
  await Promise.all(datasets.map((d) => run('npx', ['tsx', 'bench/train-accuracy.ts', '--dataset', d, '--json', file(d).pathname], { maxBuffer: 1 << 26 })));
}
type Rec = { row: string; valAccuracy: number | null; peakKb: number; analyticKb: number; imagesPerSecond: number; status: string };
const res = Object.fromEntries(datasets.map((d) => [d, existsSync(file(d)) ? (JSON.parse(readFileSync(file(d), 'utf8')) as Rec[]) : []]));
const labels = [...new Set(datasets.flatMap((d) => res[d].map((r) => r.row)))];
const pct = (r?: Rec) => (r?.valAccuracy != null ? (r.valAccuracy * 100).toFixed(1) : '-');
console.log('mcunet-5fps.pkl (ImageNet int8) -> 10 classes, 64x64, 2,000 train / 1,000 val, 1 epoch, batch 1');
console.log(table(['scheme / training', 'Fashion-MNIST %', 'MNIST %', 'peak SRAM KB (128x128)', 'analytic KB'],
  labels.map((l) => {
    const f = res.fashion.find((r) => r.row === l), m = res.mnist.find((r) => r.row === l);
    const any = f ?? m!;
    return [l, pct(f), pct(m), any.peakKb.toFixed(1), any.analyticKb.toFixed(1)];
  }), [false, true, true, true, true]));
if (!tableOnly) {
  const speed = await run('npx', ['tsx', 'bench/train-speed.ts'], { maxBuffer: 1 << 26 });
  console.log(speed.stdout);
}
