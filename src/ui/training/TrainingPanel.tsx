/**
 * The Train tab's instrument: trains the project's model with the project's scheme and resolution in
 * a Web Worker, on the shipped demo images or the user's own. It says what trains and on what data
 * (split and preprocessing in one line, from the engine), shows live numbers and titled curves, and
 * after the run keeps what the worker measured on the validation images: the confusion matrix, the
 * accuracy of each class, examples right and wrong. Past runs of the session stay listed.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { InputSpec } from '../../engine/data/preprocess.ts';
import { DEMO_RUN } from '../../engine/train/demo-run.ts';
import type { Scheme } from '../../engine/train/scheme.ts';
import { dataSummaryText, describeJobData, type DataSummary, type JobData, type JobModel, type TrainJob } from '../../engine/train/train-job.ts';
import { NumberField } from '../components/NumberField.tsx';
import { Term } from '../explain/Term.tsx';
import { loadDemoImages, loadUserImages } from './browser-images.ts';
import { TrainingCharts } from './TrainingCharts.tsx';
import { DevicePanel } from '../device/DevicePanel.tsx';
import { ModelTransfer } from './ModelTransfer.tsx';
import { TrainingResults } from './TrainingResults.tsx';
import { useTrainingRuns, type RunRecord, type RunSettings } from './training-runs.ts';
import { useTrainingWorker } from './useTrainingWorker.ts';
import { formatInputSize } from '../format.ts';
import './training.css';
import { userMessage } from '../../engine/input-error.ts';

export interface TrainingPanelProps {
  projectId: string;
  /** What trains: the project's model. */
  model: JobModel;
  modelLabel: string;
  scheme: Scheme;
  schemeLabel: string;
  resolution: number;
  /** The project's class count: the data must have as many. */
  classes: number;
  /** The model's input tensor (shape and quantization), for the preprocessing line. */
  input: InputSpec;
  /** The learning rate this model starts at, and why. */
  lr: { value: number; why: string };
  /** Sets the project's class count to the data's (an undoable edit); returns why it was refused. */
  onSetClasses(classes: number): string | null;
}

type DataChoice = { kind: 'demo' } | { kind: 'user'; data: JobData; label: string; skipped: string | null };

const fmt = (v: number | undefined, d = 1) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));
const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(1)}%`);
const DEMO_LABEL = 'the demo images (Fashion-MNIST, 100 per class, shipped in public/demo)';

function intIn(lo: number, hi: number, what: string) {
  return (v: number) => (Number.isInteger(v) && v >= lo && v <= hi ? null : `${what} must be a whole number from ${lo} to ${hi}`);
}

export function TrainingPanel(p: TrainingPanelProps) {
  const { state, start, pause, resume, cancel } = useTrainingWorker();
  const [epochs, setEpochs] = useState<number>(DEMO_RUN.epochs);
  const [lr, setLr] = useState<number>(p.lr.value);
  const [batch, setBatch] = useState(1);
  const [qas, setQas] = useState(true);
  const [precision, setPrecision] = useState<'int8' | 'fp32'>('int8');
  const [rounding, setRounding] = useState<'nearest' | 'stochastic'>('stochastic');
  const [choice, setChoice] = useState<DataChoice>({ kind: 'demo' });
  const [demoBytes, setDemoBytes] = useState<Uint8Array | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const zipInput = useRef<HTMLInputElement>(null);
  const runs = useTrainingRuns((s) => s.runs);
  const shownId = useTrainingRuns((s) => s.shown);
  const busy = state.status === 'running' || state.status === 'paused';

  useEffect(() => {
    let live = true;
    loadDemoImages().then((b) => live && setDemoBytes(b), (e) => live && setLoadError((e as Error).message));
    return () => {
      live = false;
    };
  }, []);

  const data = useMemo<JobData | null>(() => (choice.kind === 'user' ? choice.data : demoBytes ? { kind: 'demo', bytes: demoBytes } : null), [choice, demoBytes]);
  const split = useMemo(() => ({ seed: DEMO_RUN.splitSeed }), []);
  const summary = useMemo<DataSummary | string | null>(() => {
    if (!data) return null;
    try {
      return describeJobData(data, split, p.input);
    } catch (e) {
      return userMessage(e);
    }
  }, [data, split, p.input]);
  const dataClasses = summary && typeof summary !== 'string' ? summary.classNames.length : null;
  const classMismatch = dataClasses !== null && dataClasses !== p.classes;

  const onFiles = async (files: FileList | null) => {
    if (!files?.length) return;
    setLoadError(null);
    try {
      const { data: d, dataset } = await loadUserImages([...files]);
      const skipped = dataset.skipped.length
        ? `${dataset.skipped.length} files skipped (${dataset.skipped.slice(0, 2).map((s) => `${s.path}: ${s.reason}`).join('; ')})`
        : null;
      const root = files[0].webkitRelativePath?.split('/')[0] || files[0].name;
      setChoice({ kind: 'user', data: d, label: `your images (${root})`, skipped });
    } catch (e) {
      setLoadError(userMessage(e));
    }
  };

  const jobOf = (d: JobData): TrainJob => ({
    model: p.model, scheme: p.scheme, resolution: p.resolution, data: d, split,
    options: { epochs, batchSize: batch, qas, precision, rounding, lr: { weight: lr, bias: lr, head: lr }, progressEvery: 25 },
  });

  const run = async () => {
    if (!data) return;
    setLoadError(null);
    const settings: RunSettings = {
      modelLabel: p.modelLabel, schemeLabel: p.schemeLabel, resolution: p.resolution, epochs, lr, batch, precision, qas, rounding,
      dataLabel: choice.kind === 'user' ? choice.label : 'demo images',
    };
    const job = jobOf(data);
    const r = await start(job);
    if (r) useTrainingRuns.getState().add({ projectId: p.projectId, settings, history: r.history, result: r, job });
  };

  const projectRuns = runs.filter((r) => r.projectId === p.projectId);
  const shown: RunRecord | undefined = busy ? undefined : projectRuns.find((r) => r.id === shownId) ?? projectRuns[0];
  const live = state.latest;
  const history = busy || !shown ? state.history : shown.history;
  const total = busy ? live?.totalSteps ?? 0 : shown?.result.history.at(-1)?.totalSteps ?? 0;
  const doneSteps = busy ? live?.step : shown?.result.steps;
  const lastTrain = [...history].reverse().find((h) => h.phase === 'train');

  return (
    <section className="training-panel" aria-label="Training">
      <header className="training-head">
        <h2>Train <span className="mono">{p.modelLabel}</span></h2>
        <span className="training-status" data-status={state.status}>{state.status}</span>
        <span className="training-spacer" />
        {!busy && <button type="button" className="button button-primary" disabled={!data || classMismatch || typeof summary === 'string'} onClick={() => void run()}>Train</button>}
        {state.status === 'running' && <button type="button" className="button" onClick={pause}>Pause</button>}
        {state.status === 'paused' && <button type="button" className="button" onClick={resume}>Resume</button>}
        {busy && <button type="button" className="button" onClick={cancel}>Cancel</button>}
      </header>

      <dl className="training-facts">
        <dt>What trains</dt>
        <dd data-testid="training-what">
          <span className="mono">{p.modelLabel}</span> at {formatInputSize(p.input.shape)}, scheme <strong className="mono">{p.schemeLabel}</strong>
          {' '}(the project&apos;s; the memory panel below plans its step for the device) · {precision === 'int8' ? `int8${qas ? ' + QAS' : ', no QAS'}, ${rounding} rounding` : 'float32 baseline'}
          {' '}· learning rate <strong className="num">{lr}</strong> · batch {batch} · {epochs} epoch{epochs === 1 ? '' : 's'}
        </dd>
        <dt>Data</dt>
        <dd data-testid="training-data">
          {choice.kind === 'user' ? choice.label : DEMO_LABEL}:{' '}
          {summary === null ? 'loading…' : typeof summary === 'string' ? <span className="training-error">{summary}</span> : <>{dataSummaryText(summary)}; {summary.preprocessing}.</>}
          {choice.kind === 'user' && choice.skipped && <span className="muted"> {choice.skipped}.</span>}
        </dd>
      </dl>

      {classMismatch && (
        <p className="training-warning" role="alert">
          The project has {p.classes} classes but the data has {dataClasses}: the head would not match the program the memory panel shows.{' '}
          <button type="button" className="link-button" onClick={() => p.onSetClasses(dataClasses!)}>Set the project to {dataClasses} classes</button>
        </p>
      )}

      <div className="training-settings" role="group" aria-label="Training settings">
        <NumberField label="epochs" value={epochs} min={1} max={100} step={1} disabled={busy}
          onApply={(v) => intIn(1, 100, 'epochs')(v) ?? (setEpochs(v), null)} />
        <NumberField label="learning rate" value={lr} min={0} max={1} step="any" disabled={busy}
          onApply={(v) => (v > 0 && v <= 1 ? (setLr(v), null) : 'the learning rate must be above 0 and at most 1')} />
        <NumberField label="batch" value={batch} min={1} max={256} step={1} disabled={busy}
          onApply={(v) => intIn(1, 256, 'the batch')(v) ?? (setBatch(v), null)} />
        <label className="field"><span className="field-label"><Term id="int8">precision</Term></span>
          <select className="select select-small" value={precision} disabled={busy} onChange={(e) => setPrecision(e.target.value as 'int8' | 'fp32')}>
            <option value="int8">int8 (as on the device)</option><option value="fp32">float32 (baseline)</option>
          </select></label>
        <label className="field"><span className="field-label">rounding</span>
          <select className="select select-small" value={rounding} disabled={busy || precision === 'fp32'} onChange={(e) => setRounding(e.target.value as 'nearest' | 'stochastic')}>
            <option value="nearest">nearest</option><option value="stochastic">stochastic</option>
          </select></label>
        <label className="field toggle"><input type="checkbox" checked={qas} disabled={busy || precision === 'fp32'} onChange={(e) => setQas(e.target.checked)} />
          <span><Term id="qas">QAS <span className="muted">(quantization-aware scaling)</span></Term></span></label>
        <span className="training-data-buttons" role="group" aria-label="Images">
          <span className="field-label">images</span>
          <button type="button" className={`button button-small${choice.kind === 'demo' ? ' is-on' : ''}`} aria-pressed={choice.kind === 'demo'} disabled={busy}
            onClick={() => setChoice({ kind: 'demo' })}>Demo images</button>
          <button type="button" className="button button-small" disabled={busy} onClick={() => folderInput.current?.click()}>Your folder…</button>
          <button type="button" className="button button-small" disabled={busy} onClick={() => zipInput.current?.click()}>Your .zip…</button>
        </span>
        <input ref={folderInput} type="file" multiple hidden {...{ webkitdirectory: '' }} aria-label="a folder of class subfolders"
          onChange={(e) => { void onFiles(e.target.files); e.target.value = ''; }} />
        <input ref={zipInput} type="file" accept=".zip" hidden aria-label="a .zip of class subfolders"
          onChange={(e) => { void onFiles(e.target.files); e.target.value = ''; }} />
      </div>
      <p className="training-hint muted">Learning rate {p.lr.value} to start: {p.lr.why}. Your images: a folder (or .zip) with one subfolder per class.</p>

      <dl className="training-numbers" aria-label="Progress">
        <div><dt>images</dt><dd data-testid="training-images">{doneSteps !== undefined && total ? `${doneSteps} / ${total}` : '–'}</dd></div>
        <div><dt>loss</dt><dd data-testid="training-loss">{fmt(lastTrain?.loss, 4)}</dd></div>
        <div><dt>train acc.</dt><dd>{lastTrain ? pct(lastTrain.trainAccuracy) : '–'}</dd></div>
        <div><dt>val acc.</dt><dd data-testid="training-val">{busy ? pct(live?.valAccuracy) : pct(shown?.result.valAccuracy)}</dd></div>
        <div><dt>images/s</dt><dd>{fmt(busy ? live?.imagesPerSecond : lastTrain?.imagesPerSecond)}</dd></div>
        <div><dt>kernels</dt><dd className="training-kernels" title="which kernels run the int8 arithmetic in the worker">
          {lastTrain ? (lastTrain.kernels === 'wasm' ? 'wasm SIMD' : 'TypeScript') : '–'}</dd></div>
        <div><dt>{busy ? 'ETA' : 'time'}</dt><dd>{busy ? (live && Number.isFinite(live.etaSeconds) ? `${Math.ceil(live.etaSeconds)} s` : '–') : shown ? `${shown.result.seconds.toFixed(1)} s` : '–'}</dd></div>
      </dl>
      {(state.message || loadError) && (
        <p className={`training-message${state.status === 'error' || loadError ? ' training-error' : ''}`} role={state.status === 'error' || loadError ? 'alert' : 'status'} data-testid="training-message">
          {loadError ?? state.message}
        </p>
      )}

      <TrainingCharts history={history} totalSteps={total} />

      {shown && !busy && (
        <section className="training-section" aria-label="Results on the validation images">
          <h3>Results on the {shown.result.data.val} validation images{shown.settings.schemeLabel !== p.schemeLabel || shown.settings.modelLabel !== p.modelLabel
            ? <span className="muted"> · run of {shown.settings.modelLabel} with {shown.settings.schemeLabel}</span> : null}</h3>
          <TrainingResults result={shown.result} />
        </section>
      )}

      <ModelTransfer disabled={busy} current={data && !classMismatch && typeof summary !== 'string' ? jobOf(data) : null}
        run={shown && shown.result.status !== 'diverged' && shown.settings.precision === 'int8' ? { job: shown.job, trained: shown.result.trained } : null} />
      <DevicePanel data={data && !classMismatch && typeof summary !== 'string' ? data : null} split={split} />

      {projectRuns.length > 0 && (
        <section className="training-section" aria-label="Runs of this session">
          <h3>Runs of this session</h3>
          <table className="runs-table">
            <thead><tr><th scope="col">finished</th><th scope="col">model</th><th scope="col">scheme</th><th scope="col">settings</th><th scope="col">data</th><th scope="col">status</th><th scope="col" className="num">val. acc.</th><th scope="col"><span className="sr-only">show</span></th></tr></thead>
            <tbody>
              {projectRuns.map((r) => (
                <tr key={r.id} className={r === shown ? 'current' : ''}>
                  <td>{new Date(r.finishedAt).toLocaleTimeString()}</td>
                  <td className="mono">{r.settings.modelLabel} {r.settings.resolution}px</td>
                  <td className="mono">{r.settings.schemeLabel}</td>
                  <td>{r.settings.precision === 'int8' ? `int8${r.settings.qas ? '+QAS' : ''}` : 'fp32'} · lr {r.settings.lr} · batch {r.settings.batch} · {r.settings.epochs} ep.</td>
                  <td>{r.settings.dataLabel}</td>
                  <td>{r.result.status}</td>
                  <td className="num">{pct(r.result.valAccuracy)}</td>
                  <td>{r !== shown && <button type="button" className="link-button" onClick={() => useTrainingRuns.getState().show(r.id)}>show</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </section>
  );
}
