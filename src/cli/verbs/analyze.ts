/**
 * `tinytrain analyze`: contribution analysis over worker_threads (the pool and workers the page runs
 * as Web Workers), then the evolutionary scheme search under a memory budget. Prints the gain table
 * (the bias-k curve, conv x ratio) and the best scheme with the Pareto front; with --json the only
 * thing on stdout is one document, progress going to stderr. Ctrl-C cancels and keeps what finished.
 */
import { AnalysisRunner, type AnalysisContext } from '../../engine/analysis/analysis-job.ts';
import {
  checkAnalysisSettings, DEFAULT_ANALYSIS_SETTINGS, gainTable, planAnalysis, type AnalysisJobResult, type AnalysisJobSpec, type AnalysisSettings,
} from '../../engine/analysis/contribution.ts';
import { AnalysisPool } from '../../engine/analysis/pool.ts';
import { DEFAULT_EVALUATIONS, evolutionarySearch, type Candidate, type GainTable } from '../../engine/analysis/search.ts';
import { splitBySeed } from '../../engine/data/samples.ts';
import { readBinaryFile } from '../../engine/data/node-files.ts';
import type { JobData } from '../../engine/train/train-job.ts';
import { startNodeAnalysisWorker } from '../../../workers/analysis-client-node.ts';
import { bytesOption, CommandFailure, intOption, numOption, parseVerbArgs, requireOption, UsageError, type Options } from '../args.ts';
import { DEMO_DATA, loadDataset } from '../load-dataset.ts';
import { modelArg } from '../load-model.ts';
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

/** The settings from the flags, over the defaults; checked by the engine, which names the field. */
function settingsFrom(opts: Options): AnalysisSettings {
  const d = DEFAULT_ANALYSIS_SETTINGS;
  const lr = numOption(opts, 'lr', d.lr.weight, 0, 10);
  const convs = opts.convs === undefined || opts.convs === 'all' ? 'all' : listOption(opts, 'convs', Number)!;
  const s: AnalysisSettings = {
    trainImages: intOption(opts, 'train', d.trainImages, 1, 1e7), valImages: intOption(opts, 'val', d.valImages, 1, 1e7),
    epochs: numOption(opts, 'epochs', d.epochs, 0.001, 1000), lr: { weight: lr, bias: lr, head: numOption(opts, 'head-lr', lr, 0, 10) },
    resolution: intOption(opts, 'resolution', d.resolution, 8, 1024), seed: intOption(opts, 'seed', d.seed, 0, 2 ** 31),
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
  const split = splitBySeed(set, { seed: s.seed, train: s.trainImages, val: s.valImages });
  const idx = [...split.val, ...split.train];
  // Copies: an image may be a view into the whole set's buffer, which a worker would otherwise receive whole.
  const images = idx.map((i) => {
    const im = set.image(i);
    return { ...im, data: im.data.slice() };
  });
  return { data: { kind: 'images', classNames: set.classNames, labels: idx.map((i) => set.label(i)), images }, note };
}

const pts = (g: number | undefined) => (g === undefined ? '-' : `${g >= 0 ? '+' : ''}${g.toFixed(1)}`);
const pct = (a: number | null | undefined) => (a === null || a === undefined ? '-' : `${(a * 100).toFixed(1)}%`);
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;

/** The bias-k curve and the conv x ratio table, as text. */
export function formatGains(jobs: AnalysisJobSpec[], results: AnalysisJobResult[], t: GainTable & { baseline: number | null }): string {
  const byId = new Map(results.map((r) => [r.id, r]));
  const biasRows = jobs.filter((j) => j.kind !== 'weight').map((j) => {
    const r = byId.get(j.id);
    return [j.kind === 'baseline' ? '0 (head only)' : String(j.k), r?.status === 'completed' ? pct(r.valAccuracy) : r?.status ?? 'not run', j.kind === 'baseline' ? '' : pts(t.biasGain[j.k])];
  });
  const ratios = [...new Set(jobs.filter((j) => j.kind === 'weight').map((j) => j.ratio!))].sort((a, b) => a - b);
  const convs = [...new Set(jobs.filter((j) => j.kind === 'weight').map((j) => j.conv!))];
  const base = jobs.find((j) => j.kind === 'weight')?.k;
  const out = [`bias updates of the last k convs (gain in points over the head-only baseline, ${pct(t.baseline)}):`,
    table(['k', 'val acc', 'gain'], biasRows, [true, true, true])];
  if (convs.length) {
    out.push('', `weight updates of one conv at a ratio, on top of the biases of the last ${base} convs (gain in points):`,
      table(['conv', ...ratios.map((r) => RATIO_NAMES[r] ?? String(r))], convs.map((c) => [String(c), ...ratios.map((r) => pts(t.weightGain[c]?.[r]))]), ratios.map(() => true).concat(true)));
  }
  return out.join('\n');
}

export function schemeSummary(c: Candidate): string {
  const w = Object.entries(c.scheme.weights).map(([i, r]) => `${i}:${RATIO_NAMES[r as number] ?? r}`).join(' ');
  return `bias last ${c.scheme.nBias}${w ? `, weights ${w}` : ''}`;
}

export async function analyze(argv: string[]): Promise<void> {
  const opts = parseVerbArgs(argv, {
    dataset: { type: 'string' }, workers: { type: 'string' }, budget: { type: 'string' }, evaluations: { type: 'string' },
    train: { type: 'string' }, val: { type: 'string' }, epochs: { type: 'string' }, lr: { type: 'string' }, 'head-lr': { type: 'string' },
    seed: { type: 'string' }, 'bias-ks': { type: 'string' }, convs: { type: 'string' }, ratios: { type: 'string' }, 'weight-base-k': { type: 'string' },
  });
  const modelSpec = requireOption(opts, 'model');
  const datasetSpec = requireOption(opts, 'dataset');
  const settings = settingsFrom(opts);
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
  log(`${term(graph.name)} (${term(local.model.source)}) at ${settings.resolution}x${settings.resolution}: ${jobs.length} jobs on ${workers} worker(s), ` +
    `${local.split.train.length} training and ${local.split.val.length} validation images of ${local.classNames.length} classes, ${settings.epochs} epoch(s)`);

  const t0 = performance.now();
  let overall = { done: 0, total: jobs.length, etaSeconds: NaN };
  const pool = new AnalysisPool(() => startNodeAnalysisWorker(ctx), { workers }, {
    onProgress: (o) => void (overall = o),
    onJobDone: (r) => log(`[${overall.done}/${overall.total}] ${r.id.padEnd(16)} ${r.status === 'completed' ? pct(r.valAccuracy) : `${r.status}: ${r.message ?? ''}`}` +
      ` (${r.seconds.toFixed(1)} s)${overall.done < overall.total && Number.isFinite(overall.etaSeconds) ? `, about ${Math.round(overall.etaSeconds)} s left` : ''}`),
    onWorkerDied: (id, err, retrying) => log(`a worker died running ${id} (${err})${retrying ? '; retrying it on a fresh worker' : ''}`),
  });
  const onSigint = () => {
    log('cancelling: the jobs that finished are kept');
    pool.cancel();
  };
  process.once('SIGINT', onSigint);
  const results = await pool.run(jobs).finally(() => process.off('SIGINT', onSigint));
  const seconds = (performance.now() - t0) / 1000;
  const gains = gainTable(jobs, results);
  const search = gains.baseline === null ? null : evolutionarySearch(graph, gains, { budgetBytes: budget, evaluations, seed: settings.seed });
  const failed = results.filter((r) => r.status !== 'completed');

  if (opts.json) {
    const cand = (c: Candidate) => ({ scheme: c.scheme, gain: c.gain, memoryBytes: c.memory });
    json({
      model: graph.name, dataset: datasetSpec, settings, workers, seconds,
      jobs: jobs.map((j, i) => ({ ...j, ...results[i] })), baseline: gains.baseline, biasGain: gains.biasGain, weightGain: gains.weightGain,
      search: search && { budgetBytes: budget, best: search.best && cand(search.best), front: search.front.map(cand), evaluations: search.evaluations, compiles: search.compiles, message: search.message },
    });
  } else {
    log(`\n${results.length - failed.length} of ${results.length} jobs measured in ${seconds.toFixed(1)} s\n`);
    log(formatGains(jobs, results, gains));
    if (search?.best) {
      log(`\nbest scheme under ${kb(budget)} (evolutionary search, ${search.evaluations} evaluations, ${search.compiles} planner compiles):`);
      log(`  ${schemeSummary(search.best)}: gain ${pts(search.best.gain)} points, peak SRAM ${kb(search.best.memory)}`);
      log(`  ${JSON.stringify({ nBias: search.best.scheme.nBias, weights: search.best.scheme.weights })}`);
      log('\nPareto front (gain vs planned memory):');
      log(table(['peak SRAM', 'gain', 'scheme'], search.front.map((c) => [kb(c.memory), pts(c.gain), schemeSummary(c)]), [true, true, false]));
    }
  }
  if (gains.baseline === null) throw new CommandFailure(`the head-only baseline was not measured (${results[0].message ?? results[0].status}), so no gain can be computed`);
  if (search?.message) throw new CommandFailure(search.message);
  if (failed.length) throw new CommandFailure(`${failed.length} of ${results.length} jobs did not finish (first: ${failed[0].id}, ${failed[0].message ?? failed[0].status}); the measured ones are above`);
}
