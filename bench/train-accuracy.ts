/**
 * The paper's accuracy trends on real data with the paper's real model: mcunet-5fps.pkl (../shared)
 * transferred to 10-class Fashion-MNIST and MNIST subsets. One run per row, one dataset per process:
 *   npx tsx bench/train-accuracy.ts --dataset fashion|mnist [--train 2000] [--val 1000] [--resolution 64] [--epochs 1] [--json FILE]
 * Memory column: the device program's peak SRAM (reordered, fused) at 128x128 and the paper's
 * analytic model, both from the compiler's memory report.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { loadFashionMnist, loadMnist, FASHION_MNIST_CLASSES } from '../src/engine/data/datasets.ts';
import { fromIdx, sampleSource, splitBySeed } from '../src/engine/data/samples.ts';
import { modelFromPkl } from '../src/engine/models/from-pkl.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { Trainer, zeroFloatHead, type TrainOptions } from '../src/engine/train/trainer.ts';

export const PKL = new URL('../../shared/models/tiny-training/mcunet-5fps.pkl', import.meta.url);

export interface Row { label: string; scheme: string; opts: Partial<TrainOptions> }

const LR = { weight: 0.001, bias: 0.001, head: 0.001 };
export const ROWS: Row[] = [
  { label: 'int8 + QAS, round to nearest (99kb)', scheme: 'mcunet-5fps@99kb', opts: { qas: true, rounding: 'nearest' } },
  { label: 'int8 + QAS, stochastic rounding (99kb)', scheme: 'mcunet-5fps@99kb', opts: { qas: true, rounding: 'stochastic' } },
  { label: 'float32 (99kb)', scheme: 'mcunet-5fps@99kb', opts: { precision: 'fp32' } },
  { label: 'int8 without QAS, round to nearest (99kb)', scheme: 'mcunet-5fps@99kb', opts: { qas: false, rounding: 'nearest' } },
  { label: 'last-12 int8 + QAS, stochastic rounding', scheme: 'last-12', opts: { qas: true, rounding: 'stochastic' } },
  { label: 'bias-only int8 + QAS, stochastic rounding', scheme: 'bias-only', opts: { qas: true, rounding: 'stochastic' } },
  { label: 'head-only', scheme: 'head-only', opts: {} },
];

export function memoryOf(scheme: string): { peakKb: number; analyticKb: number } {
  const m = modelFromPkl(new Uint8Array(readFileSync(PKL)), { fileName: 'mcunet-5fps.pkl', classes: 10, resolution: 128 });
  const s = builtinScheme(scheme, backboneConvs(m.graph).length)!;
  const r = compileTraining(m.graph, s).report;
  return { peakKb: r.peakSramBytes / 1024, analyticKb: r.analyticBytes / 1024 };
}

async function main() {
  const { values: a } = parseArgs({ options: {
    dataset: { type: 'string', default: 'fashion' }, train: { type: 'string', default: '2000' }, val: { type: 'string', default: '1000' },
    resolution: { type: 'string', default: '64' }, epochs: { type: 'string', default: '1' }, json: { type: 'string' }, rows: { type: 'string' },
  } });
  const res = Number(a.resolution);
  const pkl = new Uint8Array(readFileSync(PKL));
  const set = a.dataset === 'mnist' ? fromIdx(loadMnist('train')) : fromIdx(loadFashionMnist(undefined, 'train'), FASHION_MNIST_CLASSES);
  const split = splitBySeed(set, { seed: 1, train: Number(a.train), val: Number(a.val) });
  const out: Record<string, unknown>[] = [];
  const rows = a.rows ? ROWS.filter((_, i) => a.rows!.split(',').includes(String(i))) : ROWS;
  for (const row of rows) {
    const model = zeroFloatHead(modelFromPkl(pkl, { fileName: 'mcunet-5fps.pkl', classes: 10, resolution: res }));
    const scheme = builtinScheme(row.scheme, backboneConvs(model.graph).length)!;
    const trainer = new Trainer(model, scheme, { epochs: Number(a.epochs), lr: LR, warmupSteps: 100, seed: 1, evalEachEpoch: false, ...row.opts });
    const data = { train: sampleSource(set, split.train, model.graph), val: sampleSource(set, split.val, model.graph) };
    const r = await trainer.run(data);
    const mem = memoryOf(row.scheme);
    const rec = { dataset: a.dataset, row: row.label, scheme: row.scheme, status: r.status, valAccuracy: r.valAccuracy, seconds: r.seconds,
      imagesPerSecond: r.steps / r.seconds, ...mem, message: r.message };
    console.log(JSON.stringify(rec));
    out.push(rec);
    if (a.json) writeFileSync(a.json, JSON.stringify(out, null, 1));
  }
}

await main();
