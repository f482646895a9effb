/**
 * Contribution analysis of one model on one set of images: the settings with a time estimate, the
 * run (Start / Pause / Resume / Cancel, per-job and overall progress), and the views of what it
 * measured: the weight-gain heatmap, the bias curve, and the Pareto chart of the scheme search with
 * one click to apply a scheme. Every figure comes from the engine; this file only wires and renders.
 */
import { useEffect, useMemo, useState } from 'react';
import { AnalysisRunner, type AnalysisContext } from '../../engine/analysis/analysis-job.ts';
import {
  analysisCacheKey, DEFAULT_ANALYSIS_SETTINGS, estimateAnalysisSeconds, gainTable, planAnalysis,
  type AnalysisJobResult, type AnalysisJobSpec, type AnalysisSettings,
} from '../../engine/analysis/contribution.ts';
import type { Graph } from '../../engine/ir/graph.ts';
import type { Scheme } from '../../engine/train/scheme.ts';
import { jobDataset, jobModel } from '../../engine/train/train-job.ts';
import { formatBytes } from '../format.ts';
import { analysisStore, type AnalysisRecord } from './analysis-store.ts';
import type { AnalysisSource } from './analysis-source.ts';
import { calibrateSpeed, loadSpeed, saveSpeed, speedFromResults } from './analysis-speed.ts';
import { formatDuration, formatGain, schemeSummary } from './analysis-format.ts';
import { BiasCurve } from './BiasCurve.tsx';
import { GainHeatmap } from './GainHeatmap.tsx';
import { JobList } from './JobList.tsx';
import { ParetoChart, type ParetoPoint } from './ParetoChart.tsx';
import { SettingsForm } from './SettingsForm.tsx';
import { useAnalysisRun } from './useAnalysisRun.ts';
import { useSchemeSearch } from './useSchemeSearch.ts';
import './analysis.css';

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

// One worker per core, as the issue asks; the form allows fewer or more.
const defaultWorkers = () => Math.max(1, navigator.hardwareConcurrency || 1);

/**
 * The engine's defaults are sized for the demo model; the paper's pretrained models diverge at its
 * rate (the loss explodes within the first epoch), so an opened file starts ten times lower.
 */
function defaultForm(source: AnalysisSource) {
  const d = DEFAULT_ANALYSIS_SETTINGS;
  const lr = source.demo ? d.lr : { weight: d.lr.weight / 10, bias: d.lr.bias / 10, head: d.lr.head / 10 };
  return { settings: { ...d, lr }, workers: defaultWorkers() };
}

type Plan = { graph: Graph; classes: number; jobs: AnalysisJobSpec[]; key: string; error: null } | { error: string };

function usePlan(source: AnalysisSource, settings: AnalysisSettings): Plan {
  const classes = useMemo(() => jobDataset(source.data).classNames.length, [source]);
  const graph = useMemo(() => {
    try {
      return jobModel(source.model, settings.resolution, classes, 'float32').graph;
    } catch (e) {
      return (e as Error).message;
    }
  }, [source, settings.resolution, classes]);
  return useMemo(() => {
    if (typeof graph === 'string') return { error: `resolution ${settings.resolution}: ${graph}` };
    try {
      const jobs = planAnalysis(graph, settings);
      return { graph, classes, jobs, key: analysisCacheKey(source.modelDigest, source.dataDigest, settings), error: null };
    } catch (e) {
      return { error: (e as Error).message };
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
  const imageCount = useMemo(() => jobDataset(source.data).count, [source]);
  const run = useAnalysisRun(setRecord);
  const formKind = source.demo ? 'demo' : 'file';
  const busy = run.state.status === 'running' || run.state.status === 'paused' || run.state.status === 'cancelling';

  // The form as the user left it (or the defaults).
  useEffect(() => {
    let live = true;
    analysisStore.loadForm(formKind).then((f) => live && setForm(f ?? defaultForm(source)), () => live && setForm(defaultForm(source)));
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
  const jobs = useMemo(() => current?.jobs ?? (plan.error === null ? plan.jobs : []), [current, plan]);
  const results = useMemo(() => new Map<string, AnalysisJobResult>((current?.results ?? []).map((r) => [r.id, r])), [current]);
  const completed = [...results.values()].filter((r) => r.status === 'completed').length;
  const remaining = jobs.filter((j) => results.get(j.id)?.status !== 'completed');
  const table = useMemo(() => gainTable(jobs, [...results.values()]), [jobs, results]);
  const hasGains = Object.keys(table.biasGain).length > 0 || Object.keys(table.weightGain).length > 0;

  const change = (s: AnalysisSettings, w: number) => {
    setForm({ settings: s, workers: w });
    void analysisStore.saveForm(formKind, { settings: s, workers: w }).catch(() => undefined);
  };

  const start = async () => {
    if (plan.error !== null) return;
    setStartError(null);
    setApplied(null);
    try {
      // The engine's own checks (too few images for a measurement, …), before any worker starts.
      new AnalysisRunner(ctx);
    } catch (e) {
      setStartError((e as Error).message);
      return;
    }
    const base: AnalysisRecord = current ?? { key: plan.key, modelLabel: source.label, settings, jobs: plan.jobs, results: [], updatedAt: Date.now() };
    const final = await run.start(ctx, base, workers);
    // The run's measured speed refines the estimate.
    const v = final && speedFromResults(final.jobs, final.results, final.settings);
    if (v) {
      setSpeed({ value: v, note: 'measured on earlier runs' });
      void saveSpeed(source.modelDigest, final.settings.resolution, v).catch(() => undefined);
    }
  };

  const searchResolution = searchShape.resolution ?? settings.resolution;
  const search = useSchemeSearch(
    hasGains && plan.error === null
      ? { model: source.model, resolution: searchResolution, classes: plan.classes, head: searchShape.head, table: { biasGain: table.biasGain, weightGain: table.weightGain }, budgetBytes, ks: settings.biasKs }
      : null,
    `${key}|${searchResolution}|${searchShape.head}|${budgetBytes}|${JSON.stringify(table)}`,
  );
  const reply = search.status === 'idle' ? null : search.last;
  const points: ParetoPoint[] = useMemo(() => {
    if (!reply?.ok) return [];
    const best = reply.result.best;
    const same = (a: Scheme, b: Scheme) => JSON.stringify(a) === JSON.stringify(b);
    // The best scheme is on the front too: the front's line runs through it, its own marker is drawn on top.
    const out: ParetoPoint[] = reply.result.front.map((c, i) => ({
      id: `front:${i}`, name: best && same(c.scheme, best.scheme) ? 'searched: best under the budget' : `searched scheme ${i + 1}`,
      group: 'front', scheme: c.scheme, gain: c.gain, memory: c.memory, feasible: c.feasible,
    }));
    if (best) out.push({ id: 'best', name: 'searched: best under the budget', group: 'best', scheme: best.scheme, gain: best.gain, memory: best.memory, feasible: true });
    for (const r of reply.references) out.push({ id: `ref:${r.name}`, name: r.name, group: r.kind, scheme: r.scheme, gain: r.gain, memory: r.memory, feasible: r.feasible });
    return out;
  }, [reply]);
  const chosen = selected && points.find((p) => p.id === selected.id && JSON.stringify(p.scheme) === JSON.stringify(selected.scheme))
    ? selected : points.find((p) => p.group === 'best') ?? null;

  const estimate = speed.value && remaining.length
    ? estimateAnalysisSeconds(remaining, settings, speed.value, workers) : null;
  const failed = [...results.values()].filter((r) => r.status === 'failed').length;
  const status = busy ? run.state.status
    : jobs.length && completed === jobs.length ? 'finished'
      : completed > 0 ? 'interrupted' : failed > 0 ? 'failed' : run.state.status === 'cancelled' ? 'cancelled' : 'not started';
  const overall = busy && run.state.overall ? run.state.overall : { done: completed, total: jobs.length, etaSeconds: NaN };
  const running = new Set(Object.entries(run.state.live).filter(([, l]) => l.status === 'running').map(([id]) => {
    const j = jobs.find((x) => x.id === id);
    return j?.kind === 'weight' ? `${j.conv}:${j.ratio}` : id;
  }));
  const weightConvs = [...new Set(jobs.filter((j) => j.kind === 'weight').map((j) => j.conv!))].sort((a, b) => a - b);
  const weightRatios = [...new Set(jobs.filter((j) => j.kind === 'weight').map((j) => j.ratio!))];
  const biasKs = jobs.filter((j) => j.kind === 'bias').map((j) => j.k);
  const apply = (p: ParetoPoint) => {
    const err = onApply(p.scheme, p.name, settings.resolution, plan.error === null ? plan.classes : 10);
    setApplied(err ? null : { name: p.name, scheme: p.scheme });
    if (err) setStartError(`${p.name} was not applied: ${err}`);
  };

  if (!form) return <p className="muted analysis-empty">Loading the saved analysis…</p>;
  return (
    <section className="analysis-panel" aria-label="Contribution analysis">
      <header className="analysis-header">
        <h2>Contribution analysis</h2>
        <span className="analysis-status" data-status={status}>{status}</span>
        <span className="muted analysis-model">{source.label} · demo images (Fashion-MNIST, {imageCount.toLocaleString('en-US')})</span>
      </header>

      <SettingsForm settings={settings} workers={workers} disabled={busy} onChange={change} />

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
          {plan.error !== null ? '' : `${jobs.length} jobs`}
          {!busy && remaining.length === 0 && jobs.length > 0 && ' · all measured; the same model, images and settings are not measured again'}
          {!busy && remaining.length > 0 && plan.error === null && (estimate !== null
            ? ` · about ${formatDuration(estimate)} for ${remaining.length === jobs.length ? 'all' : `the ${remaining.length} left`} with ${workers} worker${workers > 1 ? 's' : ''} (speed ${speed.note})`
            : ` · estimate: ${speed.note}`)}
        </span>
      </div>

      <div className="analysis-progress" aria-label="Overall progress">
        <span className="job-bar analysis-bar"><span style={{ width: `${overall.total ? (100 * overall.done) / overall.total : 0}%` }} /></span>
        <span className="num" data-testid="analysis-done">{overall.done} / {overall.total} jobs</span>
        {busy && <span className="num">ETA {Number.isFinite(overall.etaSeconds) ? formatDuration(overall.etaSeconds) : 'after the first results'}</span>}
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
          <GainHeatmap table={table} convs={weightConvs} ratios={weightRatios} running={running} />
        </section>
        <section className="analysis-card" aria-label="Bias gains">
          <h3>Bias gains <small>over the head alone{table.baseline !== null ? ` (${(table.baseline * 100).toFixed(1)} % val. accuracy)` : ''}</small></h3>
          <BiasCurve table={table} ks={biasKs} />
        </section>
        <section className="analysis-card" aria-label="Scheme search">
          <h3>Scheme search <small>summed gain (points) against memory, under the project&apos;s {formatBytes(budgetBytes)} training budget{searchShape.resolution ? `, memory at ${searchShape.resolution}x${searchShape.resolution}` : ''}</small></h3>
          {!hasGains && <p className="muted chart-placeholder">The search runs once gains are measured.</p>}
          {hasGains && !reply && <p className="muted chart-placeholder">Searching the schemes under the budget, each planned by the compiler…</p>}
          {hasGains && reply && !reply.ok && <p className="analysis-message analysis-error" role="alert">The search failed: {reply.error}</p>}
          {reply?.ok && reply.result.message && <p className="analysis-message analysis-error" role="alert" data-testid="search-message">{reply.result.message}. Raise the training budget (bottom panel) or measure fewer layers.</p>}
          {points.length > 0 && <ParetoChart points={points} budgetBytes={budgetBytes} selected={chosen?.id ?? null} onSelect={setSelected} />}
          {reply?.ok && (
            <p className="muted analysis-search-note">
              evolutionary search: {reply.result.evaluations} schemes scored, {reply.result.compiles} compiled by the planner, {Math.round(reply.ms)} ms{search.status === 'searching' ? ' · updating…' : ''}
            </p>
          )}
          {chosen && (
            <div className="analysis-chosen" data-testid="chosen-scheme">
              <div>
                <strong>{chosen.name}</strong> {formatGain(chosen.gain)} points · {formatBytes(chosen.memory)}{chosen.feasible ? '' : ' (over the budget)'}
                <div className="muted">{schemeSummary(chosen.scheme)}</div>
              </div>
              <button type="button" className="button button-primary" onClick={() => apply(chosen)}>Apply to project</button>
            </div>
          )}
          {applied && JSON.stringify(applied.scheme) === JSON.stringify(projectScheme) && (
            <p className="analysis-message" role="status">Applied {applied.name} to the project (Ctrl+Z undoes it).</p>
          )}
        </section>
      </div>

      <details className="analysis-jobs" open>
        <summary>Jobs <span className="muted">({completed} of {jobs.length} measured)</span></summary>
        <JobList jobs={jobs} results={results} live={run.state.live} deaths={run.state.deaths} />
      </details>
    </section>
  );
}
