/**
 * Contribution analysis and scheme search, in one run on one machine:
 *  (a) wall time of the full analysis of the default project (the shipped demo model on the shipped
 *      demo images, DEFAULT_ANALYSIS_SETTINGS) on 2 worker threads (target <= 10 min), and the same
 *      subset of jobs on 1 and on 2 workers (target: 2 workers >= 1.7x faster);
 *  (b) the evolutionary search over mcunet-5fps's space at 128x128, memory from the real planner
 *      (target < 2 s), on a paper-shaped gain table (mcunet here has synthetic weights only);
 *  (c) evolutionary vs random search at equal evaluations, averaged over seeds, on the gains measured
 *      in (a) and on the mcunet table;
 *  (d) the searched scheme, trained, against last-k and bias-only within the same budget: validation
 *      accuracy (the split the gains were measured on) and accuracy on held-out Fashion-MNIST test
 *      images (when the Debian dataset-fashion-mnist package is installed), with planned memory.
 * On a shared machine wall time says how busy the others are: beside it, the load average and the CPU
 * time of each worker thread (Linux /proc), whose busiest worker is what the wall time would be with a
 * core per worker.
 * Reproduce: npm run bench:analysis  (or npx tsx bench/analysis.ts [--subset 20] [--budget 48KB] [--seeds 5])
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { AnalysisRunner, type AnalysisContext } from '../src/engine/analysis/analysis-job.ts';
import { DEFAULT_ANALYSIS_SETTINGS, gainTable, planAnalysis, type AnalysisJobSpec } from '../src/engine/analysis/contribution.ts';
import { AnalysisPool } from '../src/engine/analysis/pool.ts';
import { DEFAULT_EVALUATIONS, evolutionarySearch, plannerMemory, randomSearch, schemeGain, type GainTable } from '../src/engine/analysis/search.ts';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, loadFashionMnist } from '../src/engine/data/datasets.ts';
import { fromIdx, sampleSource } from '../src/engine/data/samples.ts';
import { backboneConvs, type Graph } from '../src/engine/ir/graph.ts';
import { buildGraph } from '../src/engine/models/build.ts';
import { zooArch } from '../src/engine/models/zoo.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import type { Scheme } from '../src/engine/train/scheme.ts';
import { Trainer } from '../src/engine/train/trainer.ts';
import { mulberry32 } from '../src/engine/util/random.ts';
import { bytesOption } from '../src/cli/args.ts';
import { table } from '../src/cli/format.ts';
import { schemeSummary } from '../src/cli/verbs/analyze.ts';
import { startNodeAnalysisWorker } from '../workers/analysis-client-node.ts';
import { threadCpuSeconds } from '../workers/thread-cpu.ts';

const { values: a } = parseArgs({ options: { subset: { type: 'string', default: '20' }, budget: { type: 'string', default: '48KB' }, seeds: { type: 'string', default: '5' } } });
const BUDGET = bytesOption(a, 'budget', 48 * 1024);
const SEEDS = Array.from({ length: Number(a.seeds) }, (_, i) => i + 1);
/** Training seeds of (d): image order and rounding; the split stays the analysis's. */
const TRAIN_SEEDS = [1, 2, 3];
const kb = (b: number) => (b / 1024).toFixed(1);
const load = () => loadavg()[0].toFixed(1);
const log = (s: string) => console.error(s);

const settings = DEFAULT_ANALYSIS_SETTINGS;
const ctx: AnalysisContext = {
  model: { kind: 'ttw', bytes: new Uint8Array(readFileSync(new URL('../public/models/tinytrain-demo.ttw', import.meta.url))), fileName: 'tinytrain-demo.ttw' },
  data: { kind: 'demo', bytes: new Uint8Array(readFileSync(new URL('../public/demo/fashion-demo.bin', import.meta.url))) },
  settings,
};
const runner = new AnalysisRunner(ctx);
const demoGraph = runner.model.graph;
const jobs = planAnalysis(demoGraph, settings);

async function analyse(list: AnalysisJobSpec[], workers: number) {
  const t0 = performance.now();
  const lane = new Map<string, number>();
  const results = await new AnalysisPool(() => startNodeAnalysisWorker(ctx), { workers }, {
    onJobStart: (id, w) => lane.set(id, w),
    onJobDone: (r) => log(`  ${workers}w ${r.id} ${r.status} ${r.valAccuracy ?? ''} ${r.seconds.toFixed(1)}s cpu ${r.cpuSeconds?.toFixed(1)}s`),
  }).run(list);
  const failed = results.filter((r) => r.status !== 'completed');
  if (failed.length) throw new Error(`${failed.length} jobs failed: ${failed[0].id} ${failed[0].message}`);
  // CPU seconds per worker thread: with a core of its own each, the pool would take the largest.
  const laneCpu = new Array<number>(workers).fill(0);
  for (const r of results) laneCpu[lane.get(r.id)!] += r.cpuSeconds ?? NaN;
  return { results, seconds: (performance.now() - t0) / 1000, load: load(), cpu: laneCpu.reduce((x, y) => x + y, 0), cpuMakespan: Math.max(...laneCpu) };
}

// (a) The full analysis on 2 workers, then one subset on 1 and 2 workers.
log(`(a) ${jobs.length} jobs on 2 workers...`);
const full = await analyse(jobs, 2);
const subset = jobs.filter((j) => j.kind === 'weight').slice(0, Number(a.subset));
log(`(a) subset of ${subset.length} jobs on 1 and 2 workers...`);
const one = await analyse(subset, 1);
const two = await analyse(subset, 2);
const gains = gainTable(jobs, full.results);

// (b) Search over mcunet-5fps's space: a gain table shaped like the paper's (later convs help more,
// larger ratios with diminishing returns), every conv and every 2nd k measured.
const mcunet = buildGraph(zooArch('mcunet-5fps'), { resolution: 128, classes: 10 });
function paperShapedTable(graph: Graph, seed: number): GainTable {
  const n = backboneConvs(graph).length, rand = mulberry32(seed);
  const biasGain: Record<number, number> = {};
  for (let k = 2; k <= n; k += 2) biasGain[k] = 10 * (1 - Math.exp(-k / 10));
  const weightGain: GainTable['weightGain'] = {};
  for (let i = 0; i < n; i++) {
    const g = rand() * 2 * (i / n);
    weightGain[i] = { 0.125: g * 0.4, 0.25: g * 0.6, 0.5: g * 0.85, 1: g };
  }
  return { biasGain, weightGain };
}
/** log10 of the number of schemes: for each k, every conv in the last k at one of 5 ratios (0 included). */
const log10Space = (ks: number[]) => Math.log10(ks.reduce((s, k) => s + 5 ** k, 0));
const mcTable = paperShapedTable(mcunet, 1);
const mcKs = [0, ...Object.keys(mcTable.biasGain).map(Number)];
const MC_BUDGET = 256 * 1024;
const bRows = [DEFAULT_EVALUATIONS, 1000].map((evaluations) => {
  const tb = performance.now(), cb = threadCpuSeconds?.() ?? NaN;
  const r = evolutionarySearch(mcunet, mcTable, { budgetBytes: MC_BUDGET, evaluations, seed: 1 });
  return { r, seconds: (performance.now() - tb) / 1000, cpu: (threadCpuSeconds?.() ?? NaN) - cb };
});

// (c) Evolutionary vs random search at equal evaluations, over seeds.
function versus(graph: Graph, t: GainTable, budgetBytes: number, evaluations: number) {
  let evo = 0, rnd = 0, wins = 0, ties = 0;
  for (const seed of SEEDS) {
    const e = evolutionarySearch(graph, t, { budgetBytes, evaluations, seed }).best?.gain ?? 0;
    const r = randomSearch(graph, t, { budgetBytes, evaluations, seed }).best?.gain ?? 0;
    evo += e;
    rnd += r;
    if (e > r + 1e-9) wins++;
    else if (Math.abs(e - r) <= 1e-9) ties++;
  }
  return { evo: evo / SEEDS.length, rnd: rnd / SEEDS.length, wins, ties };
}
const cRows = [
  { space: `demo (measured gains), ${kb(BUDGET)} KB`, graph: demoGraph, t: gains, budget: BUDGET, evals: 100 },
  { space: `demo (measured gains), ${kb(BUDGET)} KB`, graph: demoGraph, t: gains, budget: BUDGET, evals: 300 },
  { space: `mcunet-5fps@128 (paper-shaped), 256 KB`, graph: mcunet, t: mcTable, budget: MC_BUDGET, evals: 100 },
  { space: `mcunet-5fps@128 (paper-shaped), 256 KB`, graph: mcunet, t: mcTable, budget: MC_BUDGET, evals: 300 },
].map((r) => ({ ...r, ...versus(r.graph, r.t, r.budget, r.evals) }));

// (d) The searched scheme against the baselines within the same budget, each trained the same way.
const demoMem = plannerMemory(demoGraph);
const n = backboneConvs(demoGraph).length;
let lastK: { name: string; scheme: Scheme } | null = null;
for (let k = 1; k <= n; k++) {
  const s = builtinScheme(`last-${k}`, n)!;
  if (demoMem.exact(s) <= BUDGET) lastK = { name: `last-${k}`, scheme: s };
}
// The searched scheme may use no more memory than the largest last-k that fits the budget.
const searchBudget = lastK ? demoMem.exact(lastK.scheme) : BUDGET;
const searched = evolutionarySearch(demoGraph, gains, { budgetBytes: searchBudget, evaluations: 1000, seed: 1 });
if (!searched.best) throw new Error(searched.message);
let biasOnly: { name: string; scheme: Scheme } | null = null;
for (const k of [n, ...[...settings.biasKs].sort((x, y) => y - x)]) {
  const s: Scheme = { nBias: k, weights: {}, head: 'float32', momentum: false };
  if (!biasOnly && demoMem.exact(s) <= BUDGET) biasOnly = { name: k === n ? 'bias-only' : `bias-only (last ${k})`, scheme: s };
}
const heldOut = (() => {
  if (!existsSync(FASHION_MNIST_DIR) || runner.classNames.join() !== FASHION_MNIST_CLASSES.join()) return null;
  const set = fromIdx(loadFashionMnist(undefined, 'test'), FASHION_MNIST_CLASSES);
  return sampleSource(set, Array.from({ length: 2000 }, (_, i) => i), demoGraph);
})();
// And a second search held to bias-only's memory, so each baseline meets a scheme no larger than itself.
const small = biasOnly ? evolutionarySearch(demoGraph, gains, { budgetBytes: demoMem.exact(biasOnly.scheme), evaluations: 1000, seed: 1 }).best : null;
const contenders = [{ name: 'searched', scheme: searched.best.scheme }, ...(lastK ? [lastK] : []),
  ...(small ? [{ name: `searched <= ${biasOnly!.name}`, scheme: small.scheme }] : []), ...(biasOnly ? [biasOnly] : []),
  { name: 'head-only', scheme: builtinScheme('head-only', n)! }];
const dRows: (string | number)[][] = [];
const dJson: unknown[] = [];
const meanPct = (v: number[]) => `${((v.reduce((x, y) => x + y, 0) / v.length) * 100).toFixed(1)}%`;
for (const c of contenders) {
  const val: number[] = [], test: number[] = [];
  for (const seed of TRAIN_SEEDS) {
    log(`(d) training ${c.name}, seed ${seed}...`);
    const { result } = await runner.fineTune(c.scheme, {}, seed);
    val.push(result.valAccuracy ?? 0);
    if (heldOut) {
      // The trained suffix parameters over the whole model, evaluated from the raw images.
      const trained = new Trainer({ ...runner.model, params: { ...runner.model.params, ...result.params } }, c.scheme, { evalEachEpoch: false });
      test.push((await trained.evaluate(heldOut)).accuracy);
    }
  }
  const mem = demoMem.exact(c.scheme);
  dRows.push([c.name, c.name.startsWith('searched') ? schemeSummary({ scheme: c.scheme, gain: 0, memory: 0, feasible: true }) : '', kb(mem),
    schemeGain(gains, c.scheme).toFixed(1), meanPct(val), test.length ? meanPct(test) : '-']);
  dJson.push({ name: c.name, scheme: c.scheme, memoryBytes: mem, predictedGain: schemeGain(gains, c.scheme), valAccuracy: val, testAccuracy: test });
}

const sum = (r: { seconds: number }[]) => r.reduce((s, x) => s + x.seconds, 0);
console.log(`\nContribution analysis of the default project: ${demoGraph.name} at ${settings.resolution}x${settings.resolution}, ` +
  `${settings.trainImages} train / ${settings.valImages} val demo images, ${settings.epochs} epochs, ${jobs.length} jobs (worker_threads)`);
const row = (name: string, r: typeof full, jobsN: number, workers: number, target: string) => [name, jobsN, workers, r.seconds.toFixed(1), sum(r.results).toFixed(1),
  r.cpu.toFixed(1), r.cpuMakespan.toFixed(1), r.load, target];
console.log(table(['run', 'jobs', 'workers', 'wall s', 'sum of job wall s', 'CPU s', 'CPU s of busiest worker', 'load avg', 'target'], [
  row('full analysis', full, jobs.length, 2, '<= 600 s wall'), row('subset', one, subset.length, 1, ''), row('subset', two, subset.length, 2, ''),
], [false, true, true, true, true, true, true, true, false]));
console.log(`2 workers vs 1 on the same ${subset.length} jobs: wall ${(one.seconds / two.seconds).toFixed(2)}x faster; ` +
  `CPU time of the busiest worker ${(one.cpuMakespan / two.cpuMakespan).toFixed(2)}x less (the wall speedup on 2 free cores; target >= 1.7x)`);
console.log(`overlap of the 2 workers (sum of job wall time / wall time): ${(sum(two.results) / two.seconds).toFixed(2)}`);
console.log(`baseline (head only) ${(gains.baseline! * 100).toFixed(1)}%; bias gains ${Object.entries(gains.biasGain).map(([k, g]) => `k=${k}: ${g.toFixed(1)}`).join(', ')}`);

console.log(`\nSearch over mcunet-5fps at 128x128 (${backboneConvs(mcunet).length} convs, about 1e${log10Space(mcKs).toFixed(0)} schemes), budget 256 KB, real planner:`);
console.log(table(['search', 'evaluations', 'planner compiles', 'wall s', 'CPU s', 'best gain', 'best peak SRAM KB', 'front', 'target'], bRows.map(({ r, seconds, cpu }) => [
  'evolutionary', r.evaluations, r.compiles, seconds.toFixed(2), cpu.toFixed(2), r.best?.gain.toFixed(2) ?? '-', r.best ? kb(r.best.memory) : '-', r.front.length, '< 2 s',
]), [false, true, true, true, true, true, true, true, false]));

console.log(`\nEvolutionary vs random search at equal evaluations, mean best gain over ${SEEDS.length} seeds:`);
console.log(table(['space, budget', 'evaluations', 'evolutionary', 'random', 'evo wins / ties'], cRows.map((r) => [
  r.space, r.evals, r.evo.toFixed(2), r.rnd.toFixed(2), `${r.wins} / ${r.ties}`,
]), [false, true, true, true, true]));

console.log(`\nSchemes within ${kb(BUDGET)} KB on the demo model (the searched one within ${lastK?.name ?? 'the budget'}'s ${kb(searchBudget)} KB), ` +
  `each fine-tuned with the analysis settings on the same data, training seeds ${TRAIN_SEEDS.join(', ')}:`);
console.log(table(['scheme', 'searched', 'peak SRAM KB', 'predicted gain', `val acc (mean of ${TRAIN_SEEDS.length} seeds)`, heldOut ? 'test acc (2000 held-out, mean)' : 'test acc'], dRows,
  [false, false, true, true, true, true]));
console.log('val acc is on the split the gains were measured on; test acc is on Fashion-MNIST test images none of the runs saw.');

mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
writeFileSync(new URL('./out/analysis.json', import.meta.url), JSON.stringify({
  settings, jobs: jobs.length, fullSeconds: full.seconds, subset: subset.length, oneWorkerSeconds: one.seconds, twoWorkerSeconds: two.seconds,
  search: bRows.map(({ r, seconds, cpu }) => ({ evaluations: r.evaluations, compiles: r.compiles, seconds, cpu })), versus: cRows.map(({ graph: _g, t: _t, ...r }) => r),
  schemes: dJson, gains,
}, null, 1));
