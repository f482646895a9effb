/**
 * Contribution analysis, scheme search and the held-out comparison of the default project (the
 * shipped demo model on the shipped demo images, DEFAULT_ANALYSIS_SETTINGS), in one run on one machine:
 *  (a) wall time of the full analysis (every measurement for every training seed) on 2 worker threads,
 *      and one subset of jobs on 1 and on 2 workers (target: 2 workers >= 1.7x faster); the noise the
 *      seeds show: the spread of the gains, and how often one seed alone gets a gain's sign wrong;
 *  (b) the evolutionary search over mcunet-5fps's space at 128x128, memory from the compiler's report
 *      (target < 2 s), on paper-shaped measurements (mcunet here has synthetic weights only);
 *  (c) evolutionary vs random search at equal evaluations, averaged over seeds;
 *  (d) the final comparison at the project's training budget (the STM32F746's 256 KB) and at a tight
 *      48 KB, as the product makes it: the search's finalists and the baselines the estimate cannot
 *      rank below the best one (final.ts) trained whole, scored on the held-out test split, with the
 *      baselines left out and why, and the cost of the baselines added beyond the best one (CPU
 *      seconds of their runs); and, to check the report, every other baseline that fits the budget
 *      trained the same way. The check: the reported winner is, on held-out images, at least as good
 *      as every baseline that fits, or the report says that a baseline won. The bench exits 1 when it
 *      does not hold.
 * On a shared machine wall time says how busy the others are: beside it, the load average and the CPU
 * time of each worker thread (Linux /proc), whose busiest worker is what the wall time would be with a
 * core per worker.
 * Reproduce: npm run bench:analysis  (or npx tsx bench/analysis.ts [--subset 12] [--seeds 3] [--train 500 --val 250 --test 250])
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { AnalysisRunner, type AnalysisContext } from '../src/engine/analysis/analysis-job.ts';
import { DEFAULT_ANALYSIS_SETTINGS, measure, planAnalysis, trainingSeeds, type AnalysisJobResult, type AnalysisJobSpec, type AnalysisSettings } from '../src/engine/analysis/contribution.ts';
import { chooseFinalists, finalJobId, finalReport, planFinal } from '../src/engine/analysis/final.ts';
import { partialNote, stat, type Measurements } from '../src/engine/analysis/gains.ts';
import { AnalysisPool } from '../src/engine/analysis/pool.ts';
import { referenceSchemes } from '../src/engine/analysis/references.ts';
import { DEFAULT_EVALUATIONS, evolutionarySearch, randomSearch, type SearchOptions } from '../src/engine/analysis/search.ts';
import { backboneConvs, type Graph } from '../src/engine/ir/graph.ts';
import { buildGraph } from '../src/engine/models/build.ts';
import { zooArch } from '../src/engine/models/zoo.ts';
import type { Scheme } from '../src/engine/train/scheme.ts';
import { mulberry32 } from '../src/engine/util/random.ts';
import { table } from '../src/cli/format.ts';
import { schemeSummary } from '../src/cli/verbs/analyze.ts';
import { startNodeAnalysisWorker } from '../workers/analysis-client-node.ts';
import { threadCpuSeconds } from '../workers/thread-cpu.ts';

const { values: a } = parseArgs({
  options: {
    subset: { type: 'string', default: '12' }, 'search-seeds': { type: 'string', default: '5' },
    seeds: { type: 'string' }, train: { type: 'string' }, val: { type: 'string' }, test: { type: 'string' }, epochs: { type: 'string' },
  },
});
const d = DEFAULT_ANALYSIS_SETTINGS;
const settings: AnalysisSettings = {
  ...d, seeds: Number(a.seeds ?? d.seeds), trainImages: Number(a.train ?? d.trainImages), valImages: Number(a.val ?? d.valImages),
  testImages: Number(a.test ?? d.testImages), epochs: Number(a.epochs ?? d.epochs),
};
/** The default project's training budget (the STM32F746 target) and a tight one where the choice matters. */
const BUDGETS = [256 * 1024, 48 * 1024];
const SEARCH_SEEDS = Array.from({ length: Number(a['search-seeds']) }, (_, i) => i + 1);
const kb = (b: number) => (b / 1024).toFixed(1);
const load = () => loadavg()[0].toFixed(1);
const log = (s: string) => console.error(s);
const pm = (s: { mean: number; sd: number | null } | null, scale = 1, digits = 1) =>
  (s ? `${(s.mean * scale).toFixed(digits)} ± ${s.sd === null ? '?' : (s.sd * scale).toFixed(digits)}` : '-');

const ctx: AnalysisContext = {
  model: { kind: 'file', bytes: new Uint8Array(readFileSync(new URL('../public/models/tinytrain-demo.ttw', import.meta.url))), fileName: 'tinytrain-demo.ttw' },
  data: { kind: 'demo', bytes: new Uint8Array(readFileSync(new URL('../public/demo/fashion-demo.bin', import.meta.url))) },
  settings,
};
const runner = new AnalysisRunner(ctx);
const demoGraph = runner.model.graph;
const jobs = planAnalysis(demoGraph, settings);

async function runPool(list: AnalysisJobSpec[], workers: number) {
  const t0 = performance.now();
  const lane = new Map<string, number>();
  const results = await new AnalysisPool(() => startNodeAnalysisWorker(ctx), { workers }, {
    onJobStart: (id, w) => lane.set(id, w),
    onJobDone: (r) => log(`  ${workers}w ${r.id} ${r.status} ${r.valAccuracy ?? ''}${r.testAccuracy != null ? ` test ${r.testAccuracy}` : ''} ${r.seconds.toFixed(1)}s cpu ${r.cpuSeconds?.toFixed(1)}s`),
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
const full = await runPool(jobs, 2);
const subset = jobs.filter((j) => j.kind === 'weight' && j.seed === settings.seed).slice(0, Number(a.subset));
log(`(a) subset of ${subset.length} jobs on 1 and 2 workers...`);
const one = await runPool(subset, 1);
const two = await runPool(subset, 2);
const measurements = measure(jobs, full.results);

/** Noise: the gains' spread, and how often the first seed alone disagrees in sign with the mean over seeds. */
function noise(m: Measurements) {
  const all = [...Object.values(m.bias), ...Object.values(m.weight).flatMap((r) => Object.values(r))];
  const stats = all.map((v) => ({ v, s: stat(v)! }));
  const sds = stats.map((x) => x.s.sd ?? 0).sort((p, q) => p - q);
  const within = stats.filter((x) => x.s.sd !== null && Math.abs(x.s.mean) <= x.s.sd).length;
  const signFlips = stats.filter((x) => x.v[0] !== null && Math.abs(x.s.mean) > 0.25 && Math.sign(x.v[0]!) !== Math.sign(x.s.mean)).length;
  return { count: stats.length, medianSd: sds[Math.floor(sds.length / 2)], maxSd: sds[sds.length - 1], within, signFlips };
}
const nz = noise(measurements);

// (b) Search over mcunet-5fps's space: measurements shaped like the paper's (later convs help more,
// larger ratios with diminishing returns), every conv and every 2nd k, three seeds of noise.
const mcunet = buildGraph(zooArch('mcunet-5fps'), { resolution: 128, classes: 10 });
function paperShaped(graph: Graph, seed: number): Measurements {
  const convs = backboneConvs(graph).length, rand = mulberry32(seed), seeds = [1, 2, 3];
  const jitter = (g: number) => seeds.map(() => g + (rand() * 2 - 1) * 0.3);
  const bias: Measurements['bias'] = {};
  for (let k = 2; k <= convs; k += 2) bias[k] = jitter(10 * (1 - Math.exp(-k / 10)));
  const weight: Measurements['weight'] = {};
  for (let i = 0; i < convs; i++) {
    const g = rand() * 2 * (i / convs);
    weight[i] = { 0.125: jitter(g * 0.4), 0.25: jitter(g * 0.6), 0.5: jitter(g * 0.85), 1: jitter(g) };
  }
  return { seeds, baseline: seeds.map(() => 0.5), bias, weightBaseK: convs, weight };
}
/** log10 of the number of schemes: for each k, every conv in the last k at one of 5 ratios (0 included). */
const log10Space = (ks: number[]) => Math.log10(ks.reduce((s, k) => s + 5 ** k, 0));
const mcMeasured = paperShaped(mcunet, 1);
const mcKs = [0, ...Object.keys(mcMeasured.bias).map(Number)];
const MC_BUDGET = 256 * 1024;
const mcRefs = referenceSchemes(mcunet, mcKs, 'float32');
const bRows = [DEFAULT_EVALUATIONS, 1000].map((evaluations) => {
  const tb = performance.now(), cb = threadCpuSeconds?.() ?? NaN;
  const r = evolutionarySearch(mcunet, mcMeasured, { budgetBytes: MC_BUDGET, evaluations, seed: 1, references: mcRefs });
  return { r, seconds: (performance.now() - tb) / 1000, cpu: (threadCpuSeconds?.() ?? NaN) - cb };
});

// (c) Evolutionary vs random search at equal evaluations, over seeds (no references: the searches alone).
function versus(graph: Graph, m: Measurements, budgetBytes: number, evaluations: number) {
  let evo = 0, rnd = 0, wins = 0, ties = 0;
  for (const seed of SEARCH_SEEDS) {
    const o: SearchOptions = { budgetBytes, evaluations, seed };
    const e = evolutionarySearch(graph, m, o).best?.gain ?? 0;
    const r = randomSearch(graph, m, o).best?.gain ?? 0;
    evo += e;
    rnd += r;
    if (e > r + 1e-9) wins++;
    else if (Math.abs(e - r) <= 1e-9) ties++;
  }
  return { evo: evo / SEARCH_SEEDS.length, rnd: rnd / SEARCH_SEEDS.length, wins, ties };
}
const cRows = [
  { space: 'demo (measured gains), 48.0 KB', graph: demoGraph, m: measurements, budget: 48 * 1024, evals: 100 },
  { space: 'demo (measured gains), 48.0 KB', graph: demoGraph, m: measurements, budget: 48 * 1024, evals: 300 },
  { space: 'mcunet-5fps@128 (paper-shaped), 256 KB', graph: mcunet, m: mcMeasured, budget: MC_BUDGET, evals: 100 },
  { space: 'mcunet-5fps@128 (paper-shaped), 256 KB', graph: mcunet, m: mcMeasured, budget: MC_BUDGET, evals: 300 },
].map((r) => ({ ...r, ...versus(r.graph, r.m, r.budget, r.evals) }));

// (d) The final comparison at each budget, as the product makes it, and every fitting baseline it
// leaves out trained the same way (only to check the report).
const demoRefs = referenceSchemes(demoGraph, settings.biasKs, 'float32');
const perBudget = BUDGETS.map((budget) => {
  const search = evolutionarySearch(demoGraph, measurements, { budgetBytes: budget, seed: settings.seed, references: demoRefs });
  const plan = chooseFinalists(search, { top: settings.finalists, baselines: settings.baselines });
  const checkOnly = plan.leftOut.filter((l) => l.reason !== 'over budget');
  return { budget, search, plan, checkOnly };
});
const finalJobs = [...new Map(perBudget.flatMap((p) => [...planFinal(p.plan.finalists, settings), ...p.checkOnly.flatMap((l) => trainingSeeds(settings).map((seed) => ({
  id: finalJobId(l.scheme, seed), kind: 'final' as const, k: l.scheme.nBias, seed, scheme: l.scheme, label: l.name,
})))]).map((j) => [j.id, j])).values()];
log(`(d) ${finalJobs.length} held-out runs on 2 workers...`);
const finals = await runPool(finalJobs, 2);
const finalResults: AnalysisJobResult[] = finals.results;
const resultOf = new Map(finalResults.map((r) => [r.id, r]));
/** Held-out and validation accuracy of a scheme over the training seeds, and the CPU seconds its runs took. */
const runsOf = (scheme: Scheme) => {
  const rs = trainingSeeds(settings).map((seed) => resultOf.get(finalJobId(scheme, seed))!);
  return { test: stat(rs.map((r) => r.testAccuracy ?? null)), val: stat(rs.map((r) => r.valAccuracy)), cpu: rs.reduce((a, r) => a + (r.cpuSeconds ?? NaN), 0), runs: rs.length };
};
const gainText = (c: { gain: number; spread: number | null; unmeasured: string[] }) => `${c.gain >= 0 ? '+' : ''}${c.gain.toFixed(1)} ± ${c.spread?.toFixed(1) ?? '?'}${c.unmeasured.length ? '*' : ''}`;
let claimHolds = true;
const dTables = perBudget.map((p) => {
  const report = finalReport(p.plan, planFinal(p.plan.finalists, settings), finalResults, runner.split.test.length);
  const checked = p.checkOnly.map((l) => ({ l, ...runsOf(l.scheme) }));
  const winner = report.winner!;
  const beaten = checked.filter((c) => c.test!.mean > winner.test!.mean);
  const holds = report.baselineWon || beaten.length === 0;
  if (!holds) claimHolds = false;
  const rows = [
    ...report.rows.map((r) => [r.finalist.name, `finalist: ${r.finalist.role}`, schemeSummary(r.finalist), kb(r.finalist.memory), gainText(r.finalist),
      pm(r.val, 100), pm(r.test, 100), report.winner === r ? 'winner' : '']),
    ...checked.map((c) => [c.l.name, `check only (${c.l.reason})`, schemeSummary(c.l), kb(c.l.memory), gainText(c.l), pm(c.val, 100), pm(c.test, 100), '']),
  ];
  // The cost of the final as the product runs it, and of the baselines it adds beyond the best one
  // (the rule before: the search's top and the best baseline alone).
  const cost = report.rows.map((r) => ({ role: r.finalist.role, ...runsOf(r.finalist.scheme) }));
  const added = cost.filter((c) => c.role === 'within spread' || c.role === 'partial estimate');
  const total = { runs: cost.reduce((a, c) => a + c.runs, 0), cpu: cost.reduce((a, c) => a + c.cpu, 0) };
  const extra = { runs: added.reduce((a, c) => a + c.runs, 0), cpu: added.reduce((a, c) => a + c.cpu, 0) };
  return { p, report, rows, holds, beaten, checked, total, extra };
});

const sum = (r: { seconds: number }[]) => r.reduce((s, x) => s + x.seconds, 0);
const split = runner.split;
console.log(`\nContribution analysis of the default project: ${demoGraph.name} at ${settings.resolution}x${settings.resolution}, demo images split by seed ${settings.seed} into ` +
  `${split.train.length} train / ${split.val.length} validation / ${split.test.length} held-out test, ${settings.epochs} epochs, ` +
  `${jobs.length / settings.seeds} measurements x ${settings.seeds} seeds = ${jobs.length} jobs (worker_threads)`);
const row = (name: string, r: typeof full, jobsN: number, workers: number, target: string) => [name, jobsN, workers, r.seconds.toFixed(1), sum(r.results).toFixed(1),
  r.cpu.toFixed(1), r.cpuMakespan.toFixed(1), r.load, target];
console.log(table(['run', 'jobs', 'workers', 'wall s', 'sum of job wall s', 'CPU s', 'CPU s of busiest worker', 'load avg', 'target'], [
  row('full analysis', full, jobs.length, 2, '<= 600 s wall'), row('subset', one, subset.length, 1, ''), row('subset', two, subset.length, 2, ''),
  row('held-out runs (d)', finals, finalJobs.length, 2, ''),
], [false, true, true, true, true, true, true, true, false]));
console.log(`2 workers vs 1 on the same ${subset.length} jobs: wall ${(one.seconds / two.seconds).toFixed(2)}x faster; ` +
  `CPU time of the busiest worker ${(one.cpuMakespan / two.cpuMakespan).toFixed(2)}x less (the wall speedup on 2 free cores; target >= 1.7x)`);
console.log(`CPU seconds per job: ${(full.cpu / jobs.length).toFixed(2)} (measurements), ${(finals.cpu / finalJobs.length).toFixed(2)} (held-out runs, whole schemes)`);
console.log(`noise over ${settings.seeds} seeds, ${nz.count} gains: median standard deviation ${nz.medianSd.toFixed(2)} points, largest ${nz.maxSd.toFixed(2)}; ` +
  `${nz.within} of ${nz.count} gains are no larger than their spread; the first seed alone has the wrong sign for ${nz.signFlips} of them ` +
  `(one image of ${split.val.length} is ${(100 / split.val.length).toFixed(2)} points)`);
console.log(`baseline (head only) ${pm(stat(measurements.baseline), 100)}%; bias gains ${Object.entries(measurements.bias).map(([k, v]) => `k=${k}: ${pm(stat(v))}`).join(', ')}`);

console.log(`\nSearch over mcunet-5fps at 128x128 (${backboneConvs(mcunet).length} convs, about 1e${log10Space(mcKs).toFixed(0)} schemes), budget 256 KB, ` +
  `memory from the compiler's report, ${mcRefs.length} reference schemes competing:`);
console.log(table(['search', 'evaluations', 'planner compiles', 'wall s', 'CPU s', 'best gain', 'best peak SRAM KB', 'front', 'target'], bRows.map(({ r, seconds, cpu }) => [
  'evolutionary', r.evaluations, r.compiles, seconds.toFixed(2), cpu.toFixed(2), r.best?.gain.toFixed(2) ?? '-', r.best ? kb(r.best.memory) : '-', r.front.length, '< 2 s',
]), [false, true, true, true, true, true, true, true, false]));

console.log(`\nEvolutionary vs random search at equal evaluations (no references), mean best gain over ${SEARCH_SEEDS.length} seeds:`);
console.log(table(['space, budget', 'evaluations', 'evolutionary', 'random', 'evo wins / ties'], cRows.map((r) => [
  r.space, r.evals, r.evo.toFixed(2), r.rnd.toFixed(2), `${r.wins} / ${r.ties}`,
]), [false, true, true, true, true]));

for (const t of dTables) {
  console.log(`\nFinal comparison at ${kb(t.p.budget)} KB: the search's top ${settings.finalists} and up to ${settings.baselines} baselines (the best by estimate, then those ` +
    `within its spread or with a partial estimate), trained whole (${settings.epochs} epochs on the ${split.train.length} training images), ${settings.seeds} seeds each, ` +
    `scored on ${split.test.length} held-out images (mean ± sd); then every other baseline that fits, trained the same way, to check the report:`);
  console.log(table(['candidate', 'role', 'scheme', 'SRAM KB', 'est. gain (points)', 'val acc %', 'held-out acc %', 'winner'], t.rows,
    [false, false, false, true, true, true, true, false]));
  console.log(t.report.verdict);
  for (const l of t.report.leftOut) console.log(`not trained: ${l.name}: ${l.why}`);
  for (const c of [...t.report.rows.map((r) => r.finalist), ...t.report.leftOut].filter((x) => x.unmeasured.length)) console.log(`* ${c.name}: ${partialNote(c.unmeasured)}`);
  console.log(`cost: ${t.total.runs} held-out runs, ${t.total.cpu.toFixed(1)} CPU s; the ${t.extra.runs / settings.seeds} baseline${t.extra.runs / settings.seeds === 1 ? '' : 's'} added beyond the best one: ${t.extra.runs} runs, ` +
    `${t.extra.cpu.toFixed(1)} CPU s (+${((100 * t.extra.cpu) / (t.total.cpu - t.extra.cpu)).toFixed(0)}% over the top ${settings.finalists} and the best baseline alone, ` +
    `${((100 * t.extra.cpu) / full.cpu).toFixed(0)}% of the measurements' ${full.cpu.toFixed(1)} CPU s)`);
  console.log(t.holds
    ? `check: ${t.report.baselineWon ? 'a baseline won, and the report says so' : `the winner is at least as good on held-out images as every baseline that fits ${kb(t.p.budget)} KB`}`
    : `check FAILED: ${t.beaten.map((c) => `${c.l.name} (${pm(c.test, 100)}%)`).join(', ')} beat the reported winner on held-out images`);
  if (t.holds && t.beaten.length) {
    console.log(`note: ${t.beaten.map((c) => `${c.l.name} (${pm(c.test, 100)}%, left out: ${c.l.reason})`).join(', ')} did better on held-out images than the winning baseline`);
  }
}

mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
writeFileSync(new URL('./out/analysis.json', import.meta.url), JSON.stringify({
  settings, split: { train: split.train.length, val: split.val.length, test: split.test.length }, jobs: jobs.length, fullSeconds: full.seconds, fullCpu: full.cpu,
  subset: subset.length, oneWorkerSeconds: one.seconds, twoWorkerSeconds: two.seconds, heldOutRuns: finalJobs.length, heldOutSeconds: finals.seconds, noise: nz,
  search: bRows.map(({ r, seconds, cpu }) => ({ evaluations: r.evaluations, compiles: r.compiles, seconds, cpu })), versus: cRows.map(({ graph: _g, m: _m, ...r }) => r),
  final: dTables.map((t) => ({
    budgetBytes: t.p.budget, verdict: t.report.verdict, baselineWon: t.report.baselineWon, checkHolds: t.holds,
    rows: t.report.rows.map((r) => ({
      name: r.finalist.name, role: r.finalist.role, why: r.finalist.why, scheme: r.finalist.scheme, memoryBytes: r.finalist.memory, gain: r.finalist.gain, spread: r.finalist.spread,
      partial: partialNote(r.finalist.unmeasured), val: r.val, test: r.test,
    })),
    notTrained: t.report.leftOut.map((l) => ({ name: l.name, reason: l.reason, why: l.why, memoryBytes: l.memory, gain: l.gain, spread: l.spread, partial: partialNote(l.unmeasured) })),
    checked: t.checked.map((c) => ({ name: c.l.name, reason: c.l.reason, memoryBytes: c.l.memory, gain: c.l.gain, val: c.val, test: c.test })),
    cost: { runs: t.total.runs, cpu: t.total.cpu, addedBaselineRuns: t.extra.runs, addedBaselineCpu: t.extra.cpu },
  })),
  measurements,
}, null, 1));
if (!claimHolds) process.exit(1);
