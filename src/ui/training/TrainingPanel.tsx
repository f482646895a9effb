/**
 * The training panel: settings, start / pause / resume / cancel, live numbers and curves. Self-contained:
 * it trains the shipped demo project (the project's own pretrained int8 weights on the demo
 * Fashion-MNIST subset) unless given a model file and / or the user's images. Mount it anywhere:
 *   <TrainingPanel />                                      the demo project
 *   <TrainingPanel model={{ kind: 'pkl', bytes, fileName }} scheme="mcunet-5fps@99kb" resolution={128} />
 */
import { useState } from 'react';
import type { JobData, JobModel, TrainJob } from '../../engine/train/train-job.ts';
import type { Scheme } from '../../engine/train/scheme.ts';
import { DEMO_RUN } from '../../engine/train/demo-run.ts';
import { TrainingCharts } from './TrainingCharts.tsx';
import { demoJobParts, loadUserImages } from './browser-images.ts';
import { useTrainingWorker } from './useTrainingWorker.ts';
import './training.css';

export interface TrainingPanelProps {
  model?: JobModel;
  scheme?: string | Scheme;
  resolution?: number;
  /** Called with the trained parameters when a run completes (e.g. to store them in the project). */
  onTrained?: (trained: Record<string, Int8Array | Int32Array | Float32Array>) => void;
}

const fmt = (v: number | undefined, d = 1) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));

export function TrainingPanel({ model, scheme = DEMO_RUN.scheme, resolution = DEMO_RUN.resolution, onTrained }: TrainingPanelProps) {
  const { state, start, pause, resume, cancel } = useTrainingWorker();
  const [epochs, setEpochs] = useState<number>(DEMO_RUN.epochs);
  // The small demo model transfers best at a higher rate than the paper's ImageNet models.
  const [lr, setLr] = useState<number>(model ? 0.001 : DEMO_RUN.lr);
  const [batch, setBatch] = useState(1);
  const [qas, setQas] = useState(true);
  const [precision, setPrecision] = useState<'int8' | 'fp32'>('int8');
  const [rounding, setRounding] = useState<'nearest' | 'stochastic'>('stochastic');
  const [userData, setUserData] = useState<{ data: JobData; note: string } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const busy = state.status === 'running' || state.status === 'paused';
  const p = state.latest;

  const onFiles = async (files: FileList | null) => {
    if (!files?.length) return;
    setLoadError(null);
    try {
      const { data, dataset } = await loadUserImages([...files]);
      const skipped = dataset.skipped.length ? `; ${dataset.skipped.length} skipped (${dataset.skipped.slice(0, 2).map((s) => `${s.path}: ${s.reason}`).join('; ')})` : '';
      setUserData({ data, note: `${dataset.count} images, ${dataset.classNames.length} classes${skipped}` });
    } catch (e) {
      setLoadError((e as Error).message);
    }
  };

  const run = async () => {
    setLoadError(null);
    try {
      const demo = !model || !userData ? await demoJobParts() : null;
      const job: TrainJob = {
        model: model ?? { kind: 'ttw', bytes: demo!.model, fileName: 'tinytrain-demo.ttw' },
        scheme, resolution,
        data: userData?.data ?? { kind: 'demo', bytes: demo!.data },
        split: { seed: DEMO_RUN.splitSeed },
        options: { epochs, batchSize: batch, qas, precision, rounding, lr: { weight: lr, bias: lr, head: lr }, progressEvery: 10 },
      };
      const r = await start(job);
      if (r?.status === 'completed') onTrained?.(r.trained);
    } catch (e) {
      setLoadError((e as Error).message);
    }
  };

  return (
    <section className="training-panel" aria-label="Training">
      <header className="training-header">
        <h2>Training</h2>
        <span className="training-status" data-status={state.status}>{state.status}</span>
      </header>
      <div className="training-settings">
        <label>epochs <input type="number" min={1} max={100} value={epochs} disabled={busy} onChange={(e) => setEpochs(Number(e.target.value))} /></label>
        <label>learning rate <input type="number" step={0.0005} min={0} value={lr} disabled={busy} onChange={(e) => setLr(Number(e.target.value))} /></label>
        <label>batch <input type="number" min={1} max={256} value={batch} disabled={busy} onChange={(e) => setBatch(Number(e.target.value))} /></label>
        <label>precision <select value={precision} disabled={busy} onChange={(e) => setPrecision(e.target.value as 'int8' | 'fp32')}>
          <option value="int8">int8 (device)</option><option value="fp32">float32 (baseline)</option></select></label>
        <label>rounding <select value={rounding} disabled={busy || precision === 'fp32'} onChange={(e) => setRounding(e.target.value as 'nearest' | 'stochastic')}>
          <option value="nearest">nearest</option><option value="stochastic">stochastic</option></select></label>
        <label><input type="checkbox" checked={qas} disabled={busy || precision === 'fp32'} onChange={(e) => setQas(e.target.checked)} /> QAS</label>
        <label>images <input type="file" multiple disabled={busy} onChange={(e) => void onFiles(e.target.files)}
          {...{ webkitdirectory: '' }} aria-label="a folder of class subfolders" /></label>
        <label>or .zip <input type="file" accept=".zip" disabled={busy} onChange={(e) => void onFiles(e.target.files)} /></label>
        <span className="training-data">{userData ? userData.note : 'demo: Fashion-MNIST, 1,000 images'}</span>
      </div>
      <div className="training-actions">
        {!busy && <button type="button" onClick={() => void run()}>Train</button>}
        {state.status === 'running' && <button type="button" onClick={pause}>Pause</button>}
        {state.status === 'paused' && <button type="button" onClick={resume}>Resume</button>}
        {busy && <button type="button" onClick={cancel}>Cancel</button>}
      </div>
      <dl className="training-numbers">
        <dt>step</dt><dd>{p ? `${p.step} / ${p.totalSteps}` : '–'}</dd>
        <dt>loss</dt><dd>{fmt(p?.loss, 4)}</dd>
        <dt>train acc.</dt><dd>{p && Number.isFinite(p.trainAccuracy) ? `${fmt(p.trainAccuracy * 100)}%` : '–'}</dd>
        <dt>val acc.</dt><dd>{p?.valAccuracy !== undefined ? `${fmt(p.valAccuracy * 100)}%` : '–'}</dd>
        <dt>images/s</dt><dd>{fmt(p?.imagesPerSecond)}</dd>
        <dt>kernels</dt><dd className="training-kernels" title="which kernels run the int8 arithmetic in the worker">
          {p ? (p.kernels === 'wasm' ? 'wasm SIMD' : 'TypeScript') : '–'}</dd>
        <dt>ETA</dt><dd>{p && Number.isFinite(p.etaSeconds) ? `${Math.ceil(p.etaSeconds)} s` : '–'}</dd>
      </dl>
      {(state.message || loadError) && <p className="training-message" role={state.status === 'error' || loadError ? 'alert' : 'status'}>{loadError ?? state.message}</p>}
      <TrainingCharts history={state.history} />
    </section>
  );
}
