/**
 * An imported TFLite model trained on a real two-class task: mcunet-vww.tflite (MIT's 80x80 person
 * detector, ../shared/models/tflite) transferred to "shirt or T-shirt" on Fashion-MNIST (Debian's
 * dataset-fashion-mnist, classes 6 and 0 only): a real two-class task, and the hardest pair in the set
 * (footwear or not, tried first, reaches 94% on a hundred images with any scheme and tells nothing).
 *   npx tsx bench/train-vww.ts [--train 2000] [--val 1000] [--epochs 1] [--seeds 1,2,3] [--json FILE]
 *   npx tsx bench/train-vww.ts --table-only --json FILE      the table of an earlier run
 * Rows: int8 + QAS (stochastic rounding) and float32 on the same sparse scheme (biases of the last 12
 * convs, weights of the last 4: the last two blocks), and head-only; each over the seeds, with the
 * spread. Accuracy on held-out test images (a seeded balanced slice of the test set) beside the
 * validation accuracy; memory is the compiler's report (linked SRAM) at the file's 80x80.
 * Called by bench/train.ts; the table is printed here.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { table } from '../src/cli/format.ts';
import { loadFashionMnist } from '../src/engine/data/datasets.ts';
import { grayImageAt } from '../src/engine/data/preprocess.ts';
import { sampleSource, splitBySeed, type LabeledImages } from '../src/engine/data/samples.ts';
import { backboneConvs, type Model } from '../src/engine/ir/graph.ts';
import { modelFromTflite } from '../src/engine/models/from-tflite.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import type { Scheme } from '../src/engine/train/scheme.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { Trainer, zeroFloatHead, type TrainOptions } from '../src/engine/train/trainer.ts';

const FILE = new URL('../../shared/models/tflite/mcunet-vww.tflite', import.meta.url);
const TSHIRT = 0, SHIRT = 6; // Fashion-MNIST's class indices

/** The Fashion-MNIST images of T-shirts (label 0) and shirts (label 1). */
function shirts(split: 'train' | 'test'): LabeledImages {
  const d = loadFashionMnist(undefined, split);
  const keep: number[] = [];
  for (let i = 0; i < d.count; i++) if (d.labels[i] === TSHIRT || d.labels[i] === SHIRT) keep.push(i);
  return {
    count: keep.length,
    classNames: ['T-shirt/top', 'shirt'],
    image: (i) => grayImageAt(d.images, keep[i], d.rows, d.cols),
    label: (i) => (d.labels[keep[i]] === SHIRT ? 1 : 0),
  };
}

/** The sparse scheme of the int8 and float32 rows: biases of the last 12 convs, weights of the last 4. */
function sparseScheme(convs: number): Scheme {
  const last4 = builtinScheme('last-4', convs)!;
  return { ...last4, nBias: Math.min(12, convs) };
}

interface Row { label: string; scheme: 'sparse' | 'head-only'; opts: Partial<TrainOptions> }
const ROWS: Row[] = [
  { label: 'int8 + QAS, stochastic rounding', scheme: 'sparse', opts: { qas: true, rounding: 'stochastic' } },
  { label: 'float32', scheme: 'sparse', opts: { precision: 'fp32' } },
  { label: 'head-only (float32 head)', scheme: 'head-only', opts: {} },
];

const { values: a } = parseArgs({ options: {
  train: { type: 'string', default: '2000' }, val: { type: 'string', default: '1000' }, epochs: { type: 'string', default: '1' },
  seeds: { type: 'string', default: '1,2,3' }, lr: { type: 'string', default: '0.003' }, json: { type: 'string' },
  'table-only': { type: 'boolean', default: false },
} });
const seeds = a.seeds!.split(',').map(Number);
const lr = Number(a.lr);
const bytes = new Uint8Array(readFileSync(FILE));
const open = (): Model => zeroFloatHead(modelFromTflite(bytes, { fileName: 'mcunet-vww.tflite', classes: 2, head: 'float32' }));
const set = shirts('train'), testSet = shirts('test');
const split = splitBySeed(set, { seed: 1, train: Number(a.train), val: Number(a.val) });
const testIdx = splitBySeed(testSet, { seed: 1, train: 0, val: Number(a.val) }).val;

const schemeOf = (row: Row, m: Model) => {
  const convs = backboneConvs(m.graph).length;
  return row.scheme === 'sparse' ? sparseScheme(convs) : builtinScheme('head-only', convs)!;
};

type Rec = { row: string; seed: number; val: number; test: number; seconds: number; sramKb: number };
const records: Rec[] = a['table-only'] && a.json ? (JSON.parse(readFileSync(a.json, 'utf8')) as Rec[]) : [];
if (!a['table-only']) for (const row of ROWS) {
  for (const seed of seeds) {
    const model = open();
    const scheme = schemeOf(row, model);
    const trainer = new Trainer(model, scheme, { epochs: Number(a.epochs), lr: { weight: lr, bias: lr, head: lr }, warmupSteps: 50, seed, evalEachEpoch: false, ...row.opts });
    const r = await trainer.run({ train: sampleSource(set, split.train, model.graph), val: sampleSource(set, split.val, model.graph) });
    const test = await trainer.evaluate(sampleSource(testSet, testIdx, model.graph));
    const sramKb = compileTraining(model.graph, scheme).report.peakSramBytes / 1024;
    const rec = { row: row.label, seed, val: r.valAccuracy ?? NaN, test: test.accuracy, seconds: r.seconds, sramKb };
    console.log(JSON.stringify(rec));
    records.push(rec);
    if (a.json) writeFileSync(a.json, JSON.stringify(records, null, 1));
  }
}

const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length;
const spread = (v: number[]) => (v.length > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / (v.length - 1)) : 0);
const pct = (v: number[]) => `${(mean(v) * 100).toFixed(1)} ± ${(spread(v) * 100).toFixed(1)}`;
console.log(`\nmcunet-vww.tflite (80x80, int8) -> shirt or T-shirt (Fashion-MNIST), ${split.train.length} train / ${split.val.length} val / ${testIdx.length} test images, ` +
  `${a.epochs} epoch, batch 1, lr ${lr}, ${seeds.length} seeds (mean ± standard deviation); sparse = biases of the last 12 convs, weights of the last 4`);
console.log(table(['training', 'val %', 'test %', 'seconds per run', 'peak SRAM KB (80x80)'], ROWS.map((row) => {
  const rs = records.filter((r) => r.row === row.label);
  if (!rs.length) return [row.label, '-', '-', '-', '-'];
  return [row.label, pct(rs.map((r) => r.val)), pct(rs.map((r) => r.test)), mean(rs.map((r) => r.seconds)).toFixed(0), rs[0].sramKb.toFixed(1)];
})));
