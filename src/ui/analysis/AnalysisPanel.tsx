/**
 * Contribution analysis of one model on one set of images: the settings and the splits with a time
 * estimate, the run (Start / Pause / Resume / Cancel, per-job and overall progress), and the views of
 * what it measured: the weight-gain heatmap and the bias curve with their spread over seeds, the
 * Pareto chart of the scheme search (the baselines competing) with one click to apply a scheme, and
 * the held-out comparison of its finalists (and the baselines left out of it) that Start runs once the search has named them. Every
 * figure comes from the engine; this file only wires and renders.
 */
import { useEffect, useMemo, useState } from 'react';
import { AnalysisRunner, type AnalysisContext } from '../../engine/analysis/analysis-job.ts';
import {
  analysisCacheKey, DEFAULT_ANALYSIS_SETTINGS, estimateAnalysisSeconds, measure, planAnalysis,
  type AnalysisJobResult, type AnalysisJobSpec, type AnalysisSettings,
} from '../../engine/analysis/contribution.ts';
import { finalReport, planFinal } from '../../engine/analysis/final.ts';
import { partialNote, stat } from '../../engine/analysis/gains.ts';
import { schemeKey, type Candidate } from '../../engine/analysis/search.ts';
import { splitBySeed } from '../../engine/data/samples.ts';
import { backboneConvs, type Graph } from '../../engine/ir/graph.ts';
import type { Scheme } from '../../engine/train/scheme.ts';
import { jobDataset, jobModel } from '../../engine/train/train-job.ts';
import { InputError } from '../../engine/input-error.ts';
import { fixedInputSize } from '../../engine/models/model-file.ts';
import { formatBytes } from '../format.ts';
import { analysisStore, type AnalysisRecord } from './analysis-store.ts';
import type { AnalysisSource } from './analysis-source.ts';
import { calibrateSpeed, loadSpeed, saveSpeed, speedFromResults } from './analysis-speed.ts';
import { formatDuration, formatGain, schemeSummary } from './analysis-format.ts';
import { BiasCurve } from './BiasCurve.tsx';
import { FinalComparison } from './FinalComparison.tsx';
import { GainHeatmap } from './GainHeatmap.tsx';
import { JobList } from './JobList.tsx';
import { ParetoChart, type ParetoPoint } from './ParetoChart.tsx';
import { SettingsForm } from './SettingsForm.tsx';
import { useAnalysisRun } from './useAnalysisRun.ts';
import { useSchemeSearch } from './useSchemeSearch.ts';
import { START_LR } from '../training/learning-rates.ts';
import './analysis.css';
import { userMessage } from '../../engine/input-error.ts';

export interface AnalysisPanelProps {
  source: AnalysisSource;
  /** The project's training budget: the search keeps schemes under it. */
  budgetBytes: number;
  /** The model the search plans memory on: the project's own (its resolution) or, for the demo, the analysed one. */
  searchShape: { resolution: number | null; head: 'float32' | 'int8' };
  /** The project's scheme now (to say whether the applied one is still in force). */
  projectScheme: Scheme;
  /** Applies a scheme to the project (one undoable edit); returns the engine's refusal, if any. */
  onApply(scheme: Scheme, name: string, resolution: number, classes: number): string | null;
}

const BEST_NAME = 'best summed gain under the budget';

// One worker per core, as the issue asks; the form allows fewer or more.
const defaultWorkers = () => Math.max(1, navigator.hardwareConcurrency || 1);

/**
 * The learning rate starts where the Train tab starts for the same model (training/learning-rates.ts):
 * the demo run's for the demo model, ten times lower for the paper's pretrained models (they diverge
 * at the demo's rate).
 */
function defaultForm(source: AnalysisSource) {
  const d = DEFAULT_ANALYSIS_SETTINGS;
  const v = START_LR[source.weights].value;
  const lr = { weight: v, bias: v, head: v };
  return { settings: { ...d, lr, resolution: fixedSize(source) ?? d.resolution }, workers: defaultWorkers() };
}

/** A general graph's input size, which its file fixes (the family's models take any resolution). */
function fixedSize(source: AnalysisSource): number | undefined {
  try {
    return fixedInputSize(source.model.fileName, source.model.bytes);
  } catch (e) {
    if (e instanceof InputError) return undefined; // refused by name where the model is compiled (usePlan)
    throw e;
  }
}

/** A saved form over the defaults: a field it lacks (saved by an older version) takes the default; a fixed size stays fixed. */
function withDefaults(saved: { settings: AnalysisSettings; workers: number }, source: AnalysisSource) {
  const d = defaultForm(source);
  const fixed = fixedSize(source);
  return { settings: { ...d.settings, ...saved.settings, ...(fixed !== undefined ? { resolution: fixed } : {}) }, workers: saved.workers ?? d.workers };
}

type Plan = { graph: Graph; classes: number; jobs: AnalysisJobSpec[]; key: string; error: null } | { error: string };

function usePlan(source: AnalysisSource, settings: AnalysisSettings): Plan {
  const classes = useMemo(() => jobDataset(source.data).classNames.length, [source]);
  const graph = useMemo(() => {
    try {
      return jobModel(source.model, settings.resolution, classes, 'float32').graph;
    } catch (e) {
      return userMessage(e);
    }
  }, [source, settings.resolution, classes]);
  return useMemo(() => {
    if (typeof graph === 'string') return { error: `resolution ${settings.resolution}: ${graph}` };
    try {
      const jobs = planAnalysis(graph, settings);
      return { graph, classes, jobs, key: analysisCacheKey(source.modelDigest, source.dataDigest, settings), error: null };
    } catch (e) {
      return { error: userMessage(e) };
    }
  }, [graph, classes, settings, source]);
}

export function AnalysisPanel({ source, budgetBytes, searchShape, projectScheme, onApply }: AnalysisPanelProps) {
  const [form, setForm] = useState<{ settings: AnalysisSettings; workers: number } | null>(null);
  const [record, setRecord] = useState<AnalysisRecord | null>(null);
  const [speed, setSpeed] = useState<{ value: number | null; note: string }>({ value: null, note: 'measuring the speed…' });
  const [selected, setSelected] = useState<ParetoPoint | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const [applied, setApplied] = useState<{ name: string; scheme: Scheme } | null>(null);
  /** Start was pressed: the held-out comparison follows the measurements. */
  const [autoFinal, setAutoFinal] = useState(false);
  const [phase, setPhase] = useState<'measure' | 'final'>('measure');
  const dataset = useMemo(() => jobDataset(source.data), [source]);
  const imageCount = dataset.count;
  const run = useAnalysisRun(setRecord);
  const formKind = source.demo ? 'demo' : 'file';
  const fixed = useMemo(() => fixedSize(source), [source]);
  const busy = run.state.status === 'running' || run.state.status === 'paused' || run.state.status === 'cancelling';

  // The form as the user left it (or the defaults).
  useEffect(() => {
    let live = true;
    analysisStore.loadForm(formKind).then((f) => live && setForm(f ? withDefaults(f, source) : defaultForm(source)), () => live && setForm(defaultForm(source)));
    return () => {
      live = false;
    };
    // Loaded once: the panel is remounted for another model.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const settings = form?.settings ?? DEFAULT_ANALYSIS_SETTINGS;
  const workers = form?.workers ?? defaultWorkers();
  const plan = usePlan(source, settings);
  const key = plan.error === null ? plan.key : null;
  const splitSizes = useMemo(() => {
    const s = splitBySeed(dataset, { seed: settings.seed, train: settings.trainImages, val: settings.valImages, test: settings.testImages });
    return { train: s.train.length, val: s.val.length, test: s.test.length };
  }, [dataset, settings.seed, settings.trainImages, settings.valImages, settings.testImages]);

  // The stored analysis for these settings: finished results come back, an interrupted run can resume.
  useEffect(() => {
    if (busy || !key) return;
    let live = true;
    analysisStore.load(key).then((r) => live && setRecord(r ?? null), () => live && setRecord(null));
    return () => {
      live = false;
    };
    // A run in progress owns the record; when it ends the stored one is the same.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  // The speed for the estimate: stored, or measured once by a short timing job.
  const ctx: AnalysisContext = useMemo(() => ({ model: source.model, data: source.data, settings }), [source, settings]);
  const graph = plan.error === null ? plan.graph : null;
  useEffect(() => {
    if (!graph || busy) return;
    let live = true;
    (async () => {
      const stored = await loadSpeed(source.modelDigest, settings.resolution).catch(() => undefined);
      if (stored) return live && setSpeed({ value: stored, note: 'measured on earlier runs' });
      setSpeed({ value: null, note: 'timing a short job…' });
      const v = await calibrateSpeed(ctx, graph);
      await saveSpeed(source.modelDigest, settings.resolution, v).catch(() => undefined);
      if (live) setSpeed({ value: v, note: 'timed on a short job' });
    })().catch((e) => live && setSpeed({ value: null, note: `could not time a job: ${(e as Error).message}` }));
    return () => {
      live = false;
    };
    // Timed once per model and resolution, not on every settings change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [graph, source.modelDigest, settings.resolution]);

  const current = record && record.key === key ? record : null;
  // The measurements of the current settings (the record's key leaves out the number of seeds, so its job list may be another's).
  const jobs = useMemo(() => (plan.error === null ? plan.jobs : current?.jobs ?? []), [current, plan]);
  const results = useMemo(() => new Map<string, AnalysisJobResult>((current?.results ?? []).map((r) => [r.id, r])), [current]);
  const done = (id: string) => results.get(id)?.status === 'completed';
  const completed = jobs.filter((j) => done(j.id)).length;
  const remaining = jobs.filter((j) => !done(j.id));
  const measured = remaining.length === 0 && jobs.length > 0;
  const measurements = useMemo(() => measure(jobs, [...results.values()]), [jobs, results]);
  const hasGains = measurements.baseline.some((b) => b !== null) && (Object.keys(measurements.bias).length > 0 || Object.keys(measurements.weight).length > 0);

  const change = (s: AnalysisSettings, w: number) => {
    setForm({ settings: s, workers: w });
    void analysisStore.saveForm(formKind, { settings: s, workers: w }).catch(() => undefined);
  };

  /** Runs `list` (measurements or held-out runs) into the record; the run's measured speed refines the estimate. */
  const runJobs = async (list: AnalysisJobSpec[], phase: 'measure' | 'final') => {
    if (plan.error !== null) return null;
    setStartError(null);
    try {
      // The engine's own checks (too few images for a measurement, …), before any worker starts.
      new AnalysisRunner(ctx);
    } catch (e) {
      setStartError(userMessage(e));
      return null;
    }
    setPhase(phase);
    const base: AnalysisRecord = { ...(current ?? { key: plan.key, modelLabel: source.label, results: [], updatedAt: Date.now() }), settings, jobs: plan.jobs };
    const after = await run.start(ctx, base, workers, list);
    const v = after && speedFromResults(list, after.results, settings);
    if (v) {
      setSpeed({ value: v, note: 'measured on earlier runs' });
      void saveSpeed(source.modelDigest, settings.resolution, v).catch(() => undefined);
    }
    return after;
  };

  const start = async () => {
    setApplied(null);
    // Start measures, then (once the search has named them) trains the finalists on the held-out images.
    setAutoFinal(true);
    const after = await runJobs(plan.error === null ? plan.jobs : [], 'measure');
    const ids = new Set(after?.results.filter((r) => r.status === 'completed').map((r) => r.id));
    if (!after || !jobs.every((j) => ids.has(j.id))) setAutoFinal(false);
  };

  const searchResolution = searchShape.resolution ?? settings.resolution;
  const searchKey = `${key}|${searchResolution}|${searchShape.head}|${budgetBytes}|${settings.finalists}|${settings.baselines}|${JSON.stringify(measurements)}`;
  const search = useSchemeSearch(
    hasGains && plan.error === null
      ? { model: source.model, resolution: searchResolution, classes: plan.classes, head: searchShape.head, measurements, budgetBytes, ks: settings.biasKs, finalists: settings.finalists, baselines: settings.baselines }
      : null,
    searchKey,
  );
  const reply = search.status === 'idle' ? null : search.last;
  const searchFresh = search.status === 'done' && search.lastKey === searchKey;
  const points: ParetoPoint[] = useMemo(() => {
    if (!reply?.ok) return [];
    const { best, front, references } = reply.result;
    const onFront = new Set(front.map((c) => schemeKey(c.scheme)));
    const isBest = (c: Candidate) => best !== null && schemeKey(c.scheme) === schemeKey(best.scheme);
    const point = (c: Candidate, id: string, name: string, group: ParetoPoint['group']): ParetoPoint => ({
      id, name, group, scheme: c.scheme, gain: c.gain, spread: c.spread, memory: c.memory, feasible: c.feasible, onFront: onFront.has(schemeKey(c.scheme)), unmeasured: c.unmeasured,
    });
    // The references keep their own markers; on the front, its line runs through them. The best's marker is drawn on top.
    const out = front.filter((c) => c.kind === 'searched').map((c, i) => point(c, `front:${i}`, isBest(c) ? BEST_NAME : `searched scheme ${i + 1}`, 'front'));
    for (const r of references) out.push(point(r, `ref:${r.name}`, r.name!, r.kind === 'paper' ? 'paper' : 'baseline'));
    if (best) out.push(point(best, 'best', best.name ? `${best.name}: ${BEST_NAME}` : BEST_NAME, 'best'));
    return out;
  }, [reply]);
  const chosen = selected && points.find((p) => p.id === selected.id && JSON.stringify(p.scheme) === JSON.stringify(selected.scheme))
    ? selected : points.find((p) => p.group === 'best') ?? null;

  // The held-out comparison of the finalists the search named for these gains and this budget.
  const final = useMemo(() => (reply?.ok ? reply.final : { finalists: [], leftOut: [] }), [reply]);
  const finalJobs = useMemo(() => planFinal(final.finalists, settings), [final, settings]);
  const report = useMemo(() => finalReport(final, finalJobs, [...results.values()], splitSizes.test), [final, finalJobs, results, splitSizes.test]);
  const finalMissing = finalJobs.filter((j) => !done(j.id));
  const compareOnHeldOut = () => {
    setAutoFinal(false);
    void runJobs(finalJobs, 'final');
  };
  // After Start, the comparison follows the measurements as soon as the search answered for them.
  useEffect(() => {
    if (!autoFinal || busy || !measured || !searchFresh) return;
    // In a callback, not in the effect's body: starting a run sets state.
    const t = setTimeout(() => {
      setAutoFinal(false);
      if (finalMissing.length) void runJobs(finalJobs, 'final');
    }, 0);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [autoFinal, busy, measured, searchFresh]);

  // Time left: the measurements, and the held-out runs (before the search names them: the most they can be, each training every bias).
  const convCount = plan.error === null ? backboneConvs(plan.graph).length : 0;
  const futureFinals = finalJobs.length ? finalMissing
    : Array.from({ length: settings.finalists ? (settings.finalists + settings.baselines) * settings.seeds : 0 }, (): AnalysisJobSpec => ({ id: '', kind: 'final', k: convCount, seed: 0, scheme: { nBias: convCount, weights: {}, head: 'float32', momentum: false } }));
  const todo = [...remaining, ...futureFinals];
  const estimate = speed.value && todo.length ? estimateAnalysisSeconds(todo, settings, speed.value, workers) : null;
  const failed = [...results.values()].filter((r) => r.status === 'failed').length;
  const status = busy ? run.state.status
    : measured ? (settings.finalists === 0 || report.complete || (searchFresh && finalJobs.length === 0) ? 'finished' : 'measured')
      : completed > 0 ? 'interrupted' : failed > 0 ? 'failed' : run.state.status === 'cancelled' ? 'cancelled' : 'not started';
  const overall = busy && run.state.overall ? run.state.overall : { done: completed, total: jobs.length, etaSeconds: NaN };
  const finalDone = finalJobs.length - finalMissing.length;
  const running = new Set(Object.entries(run.state.live).filter(([, l]) => l.status === 'running').map(([id]) => {
    const j = jobs.find((x) => x.id === id);
    return j?.kind === 'weight' ? `${j.conv}:${j.ratio}` : id;
  }));
  const weightConvs = [...new Set(jobs.filter((j) => j.kind === 'weight').map((j) => j.conv!))].sort((a, b) => a - b);
  const weightRatios = [...new Set(jobs.filter((j) => j.kind === 'weight').map((j) => j.ratio!))];
  const biasKs = [...new Set(jobs.filter((j) => j.kind === 'bias').map((j) => j.k))];
  const apply = (p: ParetoPoint) => {
    const err = onApply(p.scheme, p.name, settings.resolution, plan.error === null ? plan.classes : 10);
    setApplied(err ? null : { name: p.name, scheme: p.scheme });
    if (err) setStartError(`${p.name} was not applied: ${err}`);
  };
  const seeds = measurements.seeds.length || settings.seeds;
  const baseline = stat(measurements.baseline);

  if (!form) return <p className="muted analysis-empty">Loading the saved analysis…</p>;
  return (
    <section className="analysis-panel" aria-label="Contribution analysis">
      <header className="analysis-header">
        <h2>Contribution analysis</h2>
        <span className="analysis-status" data-status={status}>{status}</span>
        <span className="muted analysis-model">{source.label} · demo images (Fashion-MNIST, {imageCount.toLocaleString('en-US')})</span>
      </header>

      <SettingsForm settings={settings} workers={workers} disabled={busy} fixedResolution={fixed} onChange={change} />
      <p className="muted analysis-splits" data-testid="analysis-splits">
        The {imageCount.toLocaleString('en-US')} images are split by seed {settings.seed} into {splitSizes.train} for training, {splitSizes.val} for validation
        (every gain is measured on these) and {splitSizes.test} held out (only the final comparison is scored on these); each run is repeated
        for {settings.seeds} training seed{settings.seeds > 1 ? 's' : ''}.
      </p>

      <div className="analysis-actions">
        {!busy && remaining.length > 0 && (
          <button type="button" className="button button-primary" disabled={plan.error !== null} onClick={() => void start()}>
            {completed > 0 ? `Resume (${remaining.length} left)` : 'Start'}
          </button>
        )}
        {run.state.status === 'running' && <button type="button" className="button" onClick={run.pause}>Pause</button>}
        {run.state.status === 'paused' && <button type="button" className="button" onClick={run.resume}>Resume</button>}
        {(run.state.status === 'running' || run.state.status === 'paused') && <button type="button" className="button" onClick={run.cancel}>Cancel</button>}
        <span className="analysis-estimate" data-testid="analysis-estimate">
          {plan.error !== null ? '' : `${jobs.length} jobs${settings.finalists ? ` + ${finalJobs.length ? finalJobs.length : `up to ${futureFinals.length}`} held-out runs` : ''}`}
          {!busy && todo.length === 0 && jobs.length > 0 && ' · all measured; the same model, images and settings are not measured again'}
          {!busy && todo.length > 0 && plan.error === null && (estimate !== null
            ? ` · about ${formatDuration(estimate)} for ${remaining.length === jobs.length ? 'all' : `the ${todo.length} left`} with ${workers} worker${workers > 1 ? 's' : ''} (speed ${speed.note})`
            : ` · estimate: ${speed.note}`)}
        </span>
      </div>

      <div className="analysis-progress" aria-label="Overall progress">
        <span className="job-bar analysis-bar"><span style={{ width: `${overall.total ? (100 * overall.done) / overall.total : 0}%` }} /></span>
        <span className="num" data-testid="analysis-done">{completed} / {jobs.length} jobs</span>
        {finalJobs.length > 0 && <span className="num" data-testid="final-done">{finalDone} / {finalJobs.length} held-out runs</span>}
        {busy && <span className="num">{phase === 'final' ? 'comparing on held-out images · ' : ''}ETA {Number.isFinite(overall.etaSeconds) ? formatDuration(overall.etaSeconds) : 'after the first results'}</span>}
      </div>

      {plan.error !== null && <p className="analysis-message analysis-error" role="alert">These settings cannot be analysed: {plan.error}</p>}
      {startError && <p className="analysis-message analysis-error" role="alert">{startError}</p>}
      {run.state.message && <p className="analysis-message" role="status" data-testid="analysis-run-message">{run.state.message}</p>}
      {!busy && status === 'interrupted' && !run.state.message && (
        <p className="analysis-message" role="status">
          {completed} of {jobs.length} jobs were measured before the run stopped; they are kept. Resume runs the other {remaining.length}.
        </p>
      )}

      <div className="analysis-views">
        <section className="analysis-card analysis-card-wide" aria-label="Weight gains">
          <h3>Weight gains <small>accuracy points from training one conv&apos;s weights at a ratio, on top of the biases of the last {jobs.find((j) => j.kind === 'weight')?.k ?? settings.weightBaseK}</small></h3>
          <GainHeatmap measurements={measurements} convs={weightConvs} ratios={weightRatios} running={running} />
        </section>
        <section className="analysis-card" aria-label="Bias gains">
          <h3>Bias gains <small>over the head alone{baseline ? ` (${(baseline.mean * 100).toFixed(1)} % val. accuracy)` : ''}, ± one standard deviation over {seeds} seed{seeds > 1 ? 's' : ''}</small></h3>
          <BiasCurve measurements={measurements} ks={biasKs} />
        </section>
        <section className="analysis-card" aria-label="Scheme search">
          <h3>Scheme search <small>summed gain (points) against memory, under the project&apos;s {formatBytes(budgetBytes)} training budget{searchShape.resolution ? `, memory at ${searchShape.resolution}x${searchShape.resolution}` : ''}</small></h3>
          <p className="muted analysis-explain" data-testid="summed-gain-explained">
            Summed gain: the gains measured one part at a time (biases of the last k convs, one conv&apos;s weights) added up — an estimate for a whole scheme, ± its spread over {seeds} seed{seeds > 1 ? 's' : ''}; the held-out comparison below measures it.
          </p>
          {!hasGains && <p className="muted chart-placeholder">The search runs once gains are measured.</p>}
          {hasGains && !reply && <p className="muted chart-placeholder">Searching the schemes under the budget, each planned by the compiler…</p>}
          {hasGains && reply && !reply.ok && <p className="analysis-message analysis-error" role="alert">The search failed: {reply.error}</p>}
          {reply?.ok && reply.result.message && <p className="analysis-message analysis-error" role="alert" data-testid="search-message">{reply.result.message}. Raise the training budget (bottom panel) or measure fewer layers.</p>}
          {points.length > 0 && <ParetoChart points={points} budgetBytes={budgetBytes} selected={chosen?.id ?? null} onSelect={setSelected} />}
          {reply?.ok && (
            <p className="muted analysis-search-note">
              evolutionary search over the measured space, the baselines{reply.result.references.some((r) => r.kind === 'paper') ? ' and the paper\'s schemes' : ''} competing: {reply.result.evaluations} schemes scored, {reply.result.compiles} compiled by the planner, {Math.round(reply.ms)} ms{search.status === 'searching' ? ' · updating…' : ''}
            </p>
          )}
          {chosen && (
            <div className="analysis-chosen" data-testid="chosen-scheme">
              <div>
                <strong>{chosen.name}</strong> {formatGain(chosen.gain)}{chosen.spread !== null ? ` ± ${chosen.spread.toFixed(1)}` : ''} points (estimate) · {formatBytes(chosen.memory)}{chosen.feasible ? '' : ' (over the budget)'}
                <div className="muted">{schemeSummary(chosen.scheme)}</div>
                {chosen.unmeasured.length > 0 && <div className="muted">{partialNote(chosen.unmeasured)}</div>}
              </div>
              <button type="button" className="button button-primary" onClick={() => apply(chosen)}>Apply to project</button>
            </div>
          )}
          {applied && JSON.stringify(applied.scheme) === JSON.stringify(projectScheme) && (
            <p className="analysis-message" role="status">Applied {applied.name} to the project (Ctrl+Z undoes it).</p>
          )}
        </section>
        {settings.finalists > 0 && (
          <section className="analysis-card analysis-card-wide" aria-label="Held-out comparison">
            <h3>Held-out comparison <small>the search&apos;s top {settings.finalists} and up to {settings.baselines} baseline{settings.baselines > 1 ? 's' : ''} under the budget, trained whole, scored on {splitSizes.test} images no gain or choice has seen</small></h3>
            {!hasGains || !measured
              ? <p className="muted">Runs once every gain is measured and the search has named its finalists.</p>
              : (
                <FinalComparison report={report} testImages={splitSizes.test} seeds={settings.seeds} missing={finalMissing.length}
                  busy={busy || autoFinal} searching={!searchFresh} onRun={compareOnHeldOut} />
              )}
          </section>
        )}
      </div>

      <details className="analysis-jobs" open>
        <summary>Jobs <span className="muted">({completed} of {jobs.length} measured{finalJobs.length ? `, ${finalDone} of ${finalJobs.length} held-out runs` : ''})</span></summary>
        <JobList jobs={[...jobs, ...finalJobs]} results={results} live={run.state.live} deaths={run.state.deaths} />
      </details>
    </section>
  );
}
