/**
 * `tinytrain analyze`: contribution analysis over worker_threads (the pool and workers the page runs
 * as Web Workers), every run repeated over --seeds training seeds; the evolutionary scheme search
 * under a memory budget, with the baselines and the paper's schemes as candidates; then the final
 * comparison: the search's top schemes and the baselines the estimate cannot rank below the best one
 * (final.ts) trained whole and scored on held-out test images. Prints the gain tables with their
 * spread, the search's best with the Pareto front, the final table with the winner and the baselines
 * left out of it with the reason; with --json the only thing on stdout is one document, progress
 * going to stderr. Ctrl-C cancels and keeps what finished.
 */
import { AnalysisRunner, type AnalysisContext } from '../../engine/analysis/analysis-job.ts';
import {
  checkAnalysisSettings, DEFAULT_ANALYSIS_SETTINGS, measure, planAnalysis, type AnalysisJobResult, type AnalysisJobSpec, type AnalysisSettings,
} from '../../engine/analysis/contribution.ts';
import { chooseFinalists, finalReport, planFinal, type FinalReport } from '../../engine/analysis/final.ts';
import { partialNote, stat, type Measurements, type Stat } from '../../engine/analysis/gains.ts';
import { AnalysisPool } from '../../engine/analysis/pool.ts';
import { referenceSchemes } from '../../engine/analysis/references.ts';
import { DEFAULT_EVALUATIONS, evolutionarySearch, type Candidate } from '../../engine/analysis/search.ts';
import { splitBySeed } from '../../engine/data/samples.ts';
import { readBinaryFile } from '../../engine/data/node-files.ts';
import type { JobData } from '../../engine/train/train-job.ts';
import { startNodeAnalysisWorker } from '../../../workers/analysis-client-node.ts';
import { bytesOption, CommandFailure, intOption, numOption, parseVerbArgs, requireOption, UsageError, type Options } from '../args.ts';
import { DEMO_DATA, loadDataset } from '../load-dataset.ts';
import { inputSize, modelArg } from '../load-model.ts';
import { fixedInputSize } from '../../engine/models/model-file.ts';
import { err, json, out, term } from '../output.ts';
import { table } from '../format.ts';
import { availableParallelism } from 'node:os';

const RATIO_NAMES: Record<number, string> = { 0.125: '1/8', 0.25: '1/4', 0.5: '1/2', 1: '1' };

function listOption(opts: Options, name: string, parse: (s: string) => number): number[] | undefined {
  const raw = opts[name];
  if (raw === undefined) return undefined;
  const items = String(raw).split(',').map((s) => s.trim()).filter(Boolean);
  const values = items.map(parse);
  const bad = items.find((_, i) => !Number.isFinite(values[i]));
  if (bad !== undefined || !items.length) throw new UsageError(`--${name} must be a comma-separated list of numbers, got "${raw}"`);
  return values;
}

const ratioOf = (s: string) => {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  return m ? Number(m[1]) / Number(m[2]) : Number(s);
};

/** A general graph's input size, fixed by its file (the family's models open at any size); undefined for others. */
function fixedResolution(spec: string): number | undefined {
  const m = modelArg(spec);
  return m.kind === 'file' ? fixedInputSize(m.fileName, m.bytes) : undefined;
}

/** The settings from the flags, over the defaults; checked by the engine, which names the field. */
function settingsFrom(opts: Options, resolution: number): AnalysisSettings {
  const d = DEFAULT_ANALYSIS_SETTINGS;
  const lr = numOption(opts, 'lr', d.lr.weight, 0, 10);
  const convs = opts.convs === undefined || opts.convs === 'all' ? 'all' : listOption(opts, 'convs', Number)!;
  const s: AnalysisSettings = {
    trainImages: intOption(opts, 'train', d.trainImages, 1, 1e7), valImages: intOption(opts, 'val', d.valImages, 1, 1e7),
    testImages: intOption(opts, 'test', d.testImages, 0, 1e7), seeds: intOption(opts, 'seeds', d.seeds, 1, 10),
    finalists: intOption(opts, 'finalists', d.finalists, 0, 10), baselines: intOption(opts, 'baselines', d.baselines, 1, 10),
    epochs: numOption(opts, 'epochs', d.epochs, 0.001, 1000), lr: { weight: lr, bias: lr, head: numOption(opts, 'head-lr', lr, 0, 10) },
    resolution: intOption(opts, 'resolution', resolution, 8, 1024), seed: intOption(opts, 'seed', d.seed, 0, 2 ** 31),
    biasKs: listOption(opts, 'bias-ks', Number) ?? d.biasKs, convs, ratios: listOption(opts, 'ratios', ratioOf) ?? d.ratios,
    weightBaseK: intOption(opts, 'weight-base-k', d.weightBaseK, 0, 10000),
  };
  try {
    checkAnalysisSettings(s);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return s;
}

/** The images a worker receives: the demo file as it is, any other set cut to the images the split uses. */
async function jobDataOf(spec: string, s: AnalysisSettings): Promise<{ data: JobData; note: string }> {
  if (spec === 'demo') return { data: { kind: 'demo', bytes: readBinaryFile(DEMO_DATA) }, note: '' };
  const { set, note } = await loadDataset(spec);
  const split = splitBySeed(set, { seed: s.seed, train: s.trainImages, val: s.valImages, test: s.testImages });
  const idx = [...split.val, ...split.test, ...split.train];
  // Copies: an image may be a view into the whole set's buffer, which a worker would otherwise receive whole.
  const images = idx.map((i) => {
    const im = set.image(i);
    return { ...im, data: im.data.slice() };
  });
  return { data: { kind: 'images', classNames: set.classNames, labels: idx.map((i) => set.label(i)), images }, note };
}

/** Points with a sign, rounded first so that -0.04 reads +0.0. */
const pts = (g: number | undefined | null) => {
  if (g === undefined || g === null) return '-';
  const r = Math.round(g * 10) / 10;
  return `${r >= 0 ? '+' : '-'}${Math.abs(r).toFixed(1)}`;
};
const sd = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(1));
const pct = (a: number | null | undefined) => (a === null || a === undefined ? '-' : `${(a * 100).toFixed(1)}%`);
const pctStat = (s: Stat | null) => (s ? `${pct(s.mean)}${s.sd !== null ? ` ± ${(s.sd * 100).toFixed(1)}` : ''}` : '-');
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;

/** The bias-k curve and the conv x ratio table, as text: each gain the mean over seeds, ± its standard deviation. */
export function formatGains(jobs: AnalysisJobSpec[], results: AnalysisJobResult[], m: Measurements): string {
  const acc = (id: string) => stat(m.seeds.map((s) => results.find((r) => r.id === `${id}@${s}`)?.valAccuracy ?? null));
  const first = jobs.filter((j) => j.seed === m.seeds[0]);
  const biasRows = first.filter((j) => j.kind === 'baseline' || j.kind === 'bias').map((j) => {
    const base = j.kind === 'baseline';
    const g = base ? null : stat(m.bias[j.k] ?? []);
    return [base ? '0 (head only)' : String(j.k), pctStat(acc(base ? 'baseline' : `bias:${j.k}`)), base ? '' : pts(g?.mean), base ? '' : sd(g?.sd)];
  });
  const weights = first.filter((j) => j.kind === 'weight');
  const ratios = [...new Set(weights.map((j) => j.ratio!))].sort((a, b) => a - b);
  const convs = [...new Set(weights.map((j) => j.conv!))];
  const cell = (c: number, r: number) => {
    const g = stat(m.weight[c]?.[r] ?? []);
    return g ? `${pts(g.mean)}${g.sd !== null ? ` ±${g.sd.toFixed(1)}` : ''}` : '-';
  };
  const n = m.seeds.length;
  const out = [`bias updates of the last k convs (gain in points over the head-only baseline, mean ± standard deviation over ${n} seed${n > 1 ? 's' : ''}):`,
    table(['k', 'val acc', 'gain', '±'], biasRows, [true, true, true, true])];
  if (convs.length) {
    out.push('', `weight updates of one conv at a ratio, on top of the biases of the last ${m.weightBaseK} convs (gain in points ± sd over seeds):`,
      table(['conv', ...ratios.map((r) => RATIO_NAMES[r] ?? String(r))], convs.map((c) => [String(c), ...ratios.map((r) => cell(c, r))]), ratios.map(() => true).concat(true)));
  }
  return out.join('\n');
}

export function schemeSummary(c: { scheme: Candidate['scheme'] }): string {
  const w = Object.entries(c.scheme.weights).filter(([, r]) => r !== 0).map(([i, r]) => `${i}:${RATIO_NAMES[r as number] ?? r}`).join(' ');
  return `bias last ${c.scheme.nBias}${w ? `, weights ${w}` : ''}`;
}

/** "searched", or the reference's name and kind. */
const candidateName = (c: Candidate) => (c.name ? `${c.name} (${c.kind === 'paper' ? "paper's" : 'baseline'})` : 'searched');

/**
 * The final comparison as a table: why each finalist is there, its estimate (a partial one flagged
 * with *) beside the measured accuracies, the winner marked; then the baselines not trained, each
 * with the reason; then what each flagged estimate leaves out.
 */
export function formatFinal(r: FinalReport): string {
  const rows = r.rows.map((row) => {
    const f = row.finalist;
    return [f.name, f.role === 'top' || f.role === 'best baseline' ? f.role : `baseline: ${f.role}`,
      schemeSummary(f), kb(f.memory), `${pts(f.gain)}${f.unmeasured.length ? '*' : ''}`, sd(f.spread), pctStat(row.val), pctStat(row.test), `${row.done}/${row.planned}`, r.winner === row ? 'winner' : ''];
  });
  const out = [table(['candidate', 'why', 'scheme', 'peak SRAM', 'est. gain', '±', 'val acc', 'held-out acc', 'runs', ''], rows,
    [false, false, false, true, true, true, true, true, true, false])];
  if (r.leftOut.length) {
    out.push('', 'baselines not trained:', table(['baseline', 'peak SRAM', 'est. gain', '±', 'why not'], r.leftOut.map((l) =>
      [l.name, kb(l.memory), `${pts(l.gain)}${l.unmeasured.length ? '*' : ''}`, sd(l.spread), l.why]), [false, true, true, true, false]));
  }
  const partial = [...r.rows.map((row) => row.finalist), ...r.leftOut].filter((c) => c.unmeasured.length);
  if (partial.length) out.push('', ...partial.map((c) => `* ${c.name}: ${partialNote(c.unmeasured)}`));
  return out.join('\n');
}

export async function analyze(argv: string[]): Promise<void> {
  const opts = parseVerbArgs(argv, {
    dataset: { type: 'string' }, workers: { type: 'string' }, budget: { type: 'string' }, evaluations: { type: 'string' },
    train: { type: 'string' }, val: { type: 'string' }, test: { type: 'string' }, epochs: { type: 'string' }, lr: { type: 'string' }, 'head-lr': { type: 'string' },
    seed: { type: 'string' }, seeds: { type: 'string' }, finalists: { type: 'string' }, baselines: { type: 'string' },
    'bias-ks': { type: 'string' }, convs: { type: 'string' }, ratios: { type: 'string' }, 'weight-base-k': { type: 'string' },
  });
  const modelSpec = requireOption(opts, 'model');
  const datasetSpec = requireOption(opts, 'dataset');
  const settings = settingsFrom(opts, fixedResolution(modelSpec) ?? DEFAULT_ANALYSIS_SETTINGS.resolution);
  const workers = intOption(opts, 'workers', Math.max(1, Math.min(availableParallelism(), 16)), 1, 256);
  const budget = bytesOption(opts, 'budget', 256 * 1024);
  const evaluations = intOption(opts, 'evaluations', DEFAULT_EVALUATIONS, 10, 1e6);
  const log = (s: string) => (opts.json ? err : out)(s);
  // The model file first, so a missing or unreadable one is blamed before the dataset is loaded.
  const model = modelArg(modelSpec);
  const { data, note } = await jobDataOf(datasetSpec, settings);
  if (note) log(note);
  const ctx: AnalysisContext = { model, data, settings };
  // The same checks the workers make (model, dataset size), before any worker starts.
  const local = new AnalysisRunner(ctx);
  const graph = local.model.graph;
  const jobs = planAnalysis(graph, settings);
  const split = { seed: settings.seed, train: local.split.train.length, val: local.split.val.length, test: local.split.test.length };
  log(`${term(graph.name)} (${term(local.model.source)}) at ${inputSize(graph)}: ${jobs.length} jobs (${jobs.length / settings.seeds} measurements x ${settings.seeds} seed(s)) ` +
    `on ${workers} worker(s); ${local.classNames.length} classes split by seed ${split.seed} into ${split.train} training, ${split.val} validation (the gains) and ` +
    `${split.test} held-out test images (the final comparison only); ${settings.epochs} epoch(s)`);

  const t0 = performance.now();
  let cancelled = false;
  const runPool = async (list: AnalysisJobSpec[]) => {
    let overall = { done: 0, total: list.length, etaSeconds: NaN };
    const pool = new AnalysisPool(() => startNodeAnalysisWorker(ctx), { workers }, {
      onProgress: (o) => void (overall = o),
      onJobDone: (r) => log(`[${overall.done}/${overall.total}] ${r.id.padEnd(18)} ${r.status === 'completed' ? `${pct(r.valAccuracy)}${r.testAccuracy != null ? ` (held-out ${pct(r.testAccuracy)})` : ''}` : `${r.status}: ${r.message ?? ''}`}` +
        ` (${r.seconds.toFixed(1)} s)${overall.done < overall.total && Number.isFinite(overall.etaSeconds) ? `, about ${Math.round(overall.etaSeconds)} s left` : ''}`),
      onWorkerDied: (id, err, retrying) => log(`a worker died running ${id} (${err})${retrying ? '; retrying it on a fresh worker' : ''}`),
    });
    const onSigint = () => {
      log('cancelling: the jobs that finished are kept');
      cancelled = true;
      pool.cancel();
    };
    process.once('SIGINT', onSigint);
    return pool.run(list).finally(() => process.off('SIGINT', onSigint));
  };
  const results = await runPool(jobs);
  const measureSeconds = (performance.now() - t0) / 1000;
  const measurements = measure(jobs, results);
  const hasBaseline = measurements.baseline.some((b) => b !== null);
  const references = referenceSchemes(graph, settings.biasKs, 'float32');
  const search = hasBaseline ? evolutionarySearch(graph, measurements, { budgetBytes: budget, evaluations, seed: settings.seed, references }) : null;
  const failed = results.filter((r) => r.status !== 'completed');

  // The final comparison, on images nothing above has seen.
  const plan = search && !cancelled && settings.finalists > 0 ? chooseFinalists(search, { top: settings.finalists, baselines: settings.baselines }) : { finalists: [], leftOut: [] };
  const finalJobs = planFinal(plan.finalists, settings);
  if (finalJobs.length) log(`final comparison: ${plan.finalists.map((f) => f.name).join(', ')} trained whole, ${settings.seeds} seed(s) each, scored on ${split.test} held-out images`);
  const finalResults = finalJobs.length ? await runPool(finalJobs) : [];
  const report = finalJobs.length ? finalReport(plan, finalJobs, finalResults, split.test) : null;
  const seconds = (performance.now() - t0) / 1000;
  const finalFailed = finalResults.filter((r) => r.status !== 'completed');

  if (opts.json) {
    const cand = (c: Candidate) => ({ name: c.name ?? null, kind: c.kind, scheme: c.scheme, gain: c.gain, spread: c.spread, memoryBytes: c.memory, feasible: c.feasible, unmeasured: c.unmeasured });
    json({
      model: graph.name, dataset: datasetSpec, settings, split, workers, seconds, measureSeconds,
      jobs: jobs.map((j, i) => ({ ...j, ...results[i] })), measurements,
      search: search && {
        budgetBytes: budget, best: search.best && cand(search.best), front: search.front.map(cand), references: search.references.map(cand),
        evaluations: search.evaluations, compiles: search.compiles, message: search.message,
      },
      final: report && {
        testImages: split.test, seeds: settings.seeds, complete: report.complete, verdict: report.verdict, baselineWon: report.baselineWon,
        winner: report.winner?.finalist.name ?? null,
        finalists: report.rows.map((r) => ({ ...r.finalist, memoryBytes: r.finalist.memory, partial: partialNote(r.finalist.unmeasured), val: r.val, test: r.test, runs: r.done })),
        notTrained: report.leftOut.map((l) => ({ ...l, memoryBytes: l.memory, partial: partialNote(l.unmeasured) })),
        jobs: finalJobs.map((j, i) => ({ ...j, ...finalResults[i] })),
      },
    });
  } else {
    log(`\n${results.length - failed.length} of ${results.length} jobs measured in ${measureSeconds.toFixed(1)} s\n`);
    log(formatGains(jobs, results, measurements));
    if (search?.best) {
      log(`\nbest summed gain under ${kb(budget)} (evolutionary search over the measured space, ${search.evaluations} evaluations, ${search.compiles} planner compiles;`);
      log('the summed gain adds up gains measured one part at a time: an estimate, checked below on held-out images):');
      log(`  ${candidateName(search.best)}: ${schemeSummary(search.best)}: gain ${pts(search.best.gain)} ± ${sd(search.best.spread)} points, peak SRAM ${kb(search.best.memory)}`);
      log(`  ${JSON.stringify({ nBias: search.best.scheme.nBias, weights: search.best.scheme.weights })}`);
      log('\nPareto front (gain vs planned memory; the baselines and the paper\'s schemes compete in it):');
      log(table(['peak SRAM', 'gain', '±', 'candidate', 'scheme'], search.front.map((c) => [kb(c.memory), pts(c.gain), sd(c.spread), candidateName(c), schemeSummary(c)]), [true, true, true, false, false]));
      log('\nbaselines and paper schemes (scored by the same estimate; unmeasured parts carry no gain):');
      log(table(['candidate', 'peak SRAM', 'fits', 'gain', '±', 'not measured (no gain counted)'], search.references.map((c) => [c.name!, kb(c.memory), c.feasible ? 'yes' : 'no',
        `${pts(c.gain)}${c.unmeasured.length ? '*' : ''}`, sd(c.spread), c.unmeasured.join('; ')]), [false, true, false, true, true, false]));
      if (search.references.some((c) => c.unmeasured.length)) log('* partial estimate: it trains parts that were not measured, so it cannot be ranked by the estimate');
    }
    if (report) {
      log(`\nfinal comparison: trained whole (${settings.epochs} epoch(s) on the ${split.train} training images, ${settings.seeds} seed(s) each), ` +
        `scored on ${split.test} held-out test images no measurement or choice has seen (mean ± sd over seeds):`);
      log(formatFinal(report));
      log(`\n${report.verdict}`);
    }
    log(`\n${seconds.toFixed(1)} s in all`);
  }
  if (!hasBaseline) throw new CommandFailure(`the head-only baseline was not measured (${results[0].message ?? results[0].status}), so no gain can be computed`);
  if (search?.message) throw new CommandFailure(search.message);
  if (failed.length) throw new CommandFailure(`${failed.length} of ${results.length} jobs did not finish (first: ${failed[0].id}, ${failed[0].message ?? failed[0].status}); the measured ones are above`);
  if (finalFailed.length) throw new CommandFailure(`${finalFailed.length} of ${finalResults.length} final runs did not finish (first: ${finalFailed[0].id}, ${finalFailed[0].message ?? finalFailed[0].status}), so no winner is named`);
}
