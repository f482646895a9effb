/**
 * Schemes side by side on the project's model: two to four pinned schemes (the paper's, baselines,
 * last-k, the project's own or one applied from the analysis), each compiled by the engine against
 * the project's target, with peak SRAM by category, the paper's analytic figure, Flash, the peak's
 * step, a timeline on one shared scale, what trains conv by conv, and the validation accuracy after
 * the same short training run of each in the worker (with its standard error).
 */
import { useMemo, useState } from 'react';
import { accuracyStdError } from '../../engine/train/evaluation.ts';
import { builtinScheme } from '../../engine/train/builtin-schemes.ts';
import { DEMO_RUN } from '../../engine/train/demo-run.ts';
import { schemeToJson } from '../../engine/train/scheme.ts';
import { formatBytes, formatInputSize } from '../format.ts';
import { Term } from '../explain/Term.tsx';
import { categoryColor, categoryLabel } from '../memory/categories.ts';
import { TimelineChart } from '../memory/TimelineChart.tsx';
import { fileDigest } from '../persist/share-link.ts';
import { compileDoc, type Compiled } from '../store/compile-doc.ts';
import { userMessage } from '../../engine/input-error.ts';
import { useStudio } from '../store/index.ts';
import { lastKNames } from '../store/scheme-edits.ts';
import { originLabel, useSchemeName, weightsKind } from '../store/selectors.ts';
import type { StudioDoc } from '../store/studio-doc.ts';
import { loadDemoImages } from '../training/browser-images.ts';
import { jobModelOf } from '../training/job-model.ts';
import { START_LR } from '../training/learning-rates.ts';
import { useTrainingWorker } from '../training/useTrainingWorker.ts';
import { builtinSchemeNames } from '../../engine/train/builtin-schemes.ts';
import { MAX_PINS, useCompare, type Pin } from './compare-store.ts';
import { SchemeStrip } from './SchemeStrip.tsx';
import './compare.css';

/** The short run every pinned scheme gets: the same images, split, seed and settings. */
export const SHORT_RUN = { train: 400, val: 200, epochs: 1 } as const;

function modelKey(doc: StudioDoc): string {
  const o = doc.origin;
  const model = o.kind === 'file' ? `${o.fileName}:${fileDigest(o.bytes)}` : `${o.arch}:${o.spec ? JSON.stringify(o.spec) : ''}`;
  return `${model}|${doc.shape.resolution}|${doc.shape.classes}`;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function CompareView() {
  const doc = useStudio((s) => s.doc);
  const inputSize = useStudio((s) => formatInputSize(s.program.graph.tensors[s.program.graph.input].shape));
  const project = useStudio((s) => s.project);
  const projectId = useStudio((s) => s.projectId);
  const currentName = useSchemeName();
  const pinned = useCompare((s) => s.pins[projectId]);
  const pins = useMemo(() => pinned ?? [], [pinned]);
  const runs = useCompare((s) => s.runs);
  const { start, cancel } = useTrainingWorker();
  const [running, setRunning] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const kind = weightsKind(doc.origin);
  const graphName = project.model.graph.name;
  const convs = project.summary.convs;

  // Each pinned scheme compiled by the engine for the project's model and target, as the store compiles the project.
  const compiled = useMemo(() => pins.map((p): { pin: Pin; c: Compiled | null; error: string | null } => {
    try {
      return { pin: p, c: compileDoc({ ...doc, scheme: p.scheme }, { doc, project }), error: null };
    } catch (e) {
      return { pin: p, c: null, error: userMessage(e) };
    }
  }), [pins, doc, project]);
  const ok = compiled.filter((x) => x.c !== null) as { pin: Pin; c: Compiled }[];
  const categories = [...new Set(ok.flatMap((x) => Object.keys(x.c.program.report.breakdown)))]
    .filter((cat) => ok.some((x) => (x.c.program.report.breakdown as Record<string, number>)[cat] > 0));
  const scale = Math.max(1, ...ok.map((x) => x.c.program.report.arenaLowerBound));
  const maxPeak = Math.max(1, ...ok.map((x) => Math.max(x.c.program.report.peakSramBytes, x.c.program.report.budgets.sramBytes)));
  const key = (p: Pin) => `${modelKey(doc)}|${schemeToJson(p.scheme)}`;

  const presets = [...builtinSchemeNames(graphName).filter((n) => !n.startsWith('last-')), ...lastKNames(convs)];
  const pinPreset = (name: string) => {
    const scheme = builtinScheme(name, convs);
    if (scheme) setMessage(useCompare.getState().pin(projectId, name, scheme));
  };
  const pinProject = () => {
    const customs = pins.filter((p) => p.name.startsWith('custom')).length;
    setMessage(useCompare.getState().pin(projectId, currentName ?? `custom ${customs + 1}`, doc.scheme));
  };

  const runAll = async () => {
    setRunning(true);
    setMessage(null);
    const { setRun } = useCompare.getState();
    try {
      const data = await loadDemoImages();
      const lr = START_LR[kind].value;
      const todo = ok.filter(({ pin }) => runs[key(pin)]?.status !== 'done');
      for (const { pin } of todo) setRun(key(pin), { status: 'queued' });
      for (const { pin } of todo) {
        setRun(key(pin), { status: 'running' });
        const r = await start({
          model: jobModelOf(doc.origin), scheme: pin.scheme, resolution: doc.shape.resolution, data: { kind: 'demo', bytes: data },
          split: { seed: DEMO_RUN.splitSeed, train: SHORT_RUN.train, val: SHORT_RUN.val },
          options: { epochs: SHORT_RUN.epochs, lr: { weight: lr, bias: lr, head: lr }, progressEvery: 50 },
        });
        if (!r || r.status !== 'completed' || r.valAccuracy === null) {
          setRun(key(pin), { status: 'error', message: r?.message ?? 'the run failed' });
          if (r?.status === 'cancelled') break;
        } else setRun(key(pin), { status: 'done', valAccuracy: r.valAccuracy, valImages: r.validation?.count ?? SHORT_RUN.val });
      }
    } catch (e) {
      setMessage(userMessage(e));
    } finally {
      setRunning(false);
    }
  };

  return (
    <section className="compare-view" aria-label="Compare schemes" data-testid="compare-view">
      <header className="compare-head">
        <h2>Compare schemes on <span className="mono">{originLabel(doc.origin)}</span> {inputSize}</h2>
        <span className="muted">{pins.length} of {MAX_PINS} pinned · budgets of the project&apos;s target</span>
        <span className="compare-spacer" />
        <label className="field field-compact">
          <span className="field-label">Pin a preset</span>
          <select className="select select-small" aria-label="Pin a preset" value="" disabled={pins.length >= MAX_PINS}
            onChange={(e) => e.target.value && pinPreset(e.target.value)}>
            <option value="">choose…</option>
            {presets.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
        <button type="button" className="button button-small" disabled={pins.length >= MAX_PINS} onClick={pinProject}
          title="Pin the scheme the project has now (edited by hand, applied from the analysis, or a preset)">
          Pin the project&apos;s scheme ({currentName ?? 'custom'})
        </button>
      </header>
      {message && <p className="compare-message" role="status">{message}</p>}
      {pins.length === 0 ? (
        <div className="compare-empty">
          <p>Pin two to four schemes to see them side by side: their peak memory by category, timelines, what they train and how well a short run of each learns.</p>
          <button type="button" className="button button-primary" onClick={() => {
            pinProject();
            pinPreset(presets.find((n) => n !== currentName) ?? 'bias-only');
          }}>Pin the project&apos;s scheme and {presets.find((n) => n !== currentName) ?? 'bias-only'}</button>
        </div>
      ) : (
        <div className="compare-scroll" tabIndex={0} role="group" aria-label="Pinned schemes">
          <table className="compare-table" style={{ ['--cols' as string]: pins.length }}>
            <thead>
              <tr>
                <th scope="col" className="compare-rowhead"><span className="sr-only">figure</span></th>
                {compiled.map(({ pin }) => (
                  <th key={pin.id} scope="col" data-testid={`compare-col-${pin.name}`}>
                    <span className="mono compare-name">{pin.name}</span>
                    <span className="compare-actions">
                      <button type="button" className="link-button" onClick={() => {
                        const r = useStudio.getState().applyScheme(pin.scheme, `use ${pin.name} from the comparison`);
                        if (!r.ok) setMessage(r.error ?? 'refused');
                      }}>use in project</button>
                      <button type="button" className="link-button" aria-label={`Unpin ${pin.name}`} onClick={() => useCompare.getState().unpin(projectId, pin.id)}>unpin</button>
                    </span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr className="compare-peak">
                <th scope="row"><Term id="peak-sram">Peak SRAM</Term></th>
                {compiled.map(({ pin, c, error }) => {
                  if (!c) return <td key={pin.id} className="compare-error">{error}</td>;
                  const r = c.program.report;
                  return (
                    <td key={pin.id} data-testid={`compare-sram-${pin.name}`} data-bytes={r.peakSramBytes}>
                      <strong className={`num${r.sramFits ? '' : ' over'}`}>{formatBytes(r.peakSramBytes)}</strong>
                      <span className="muted num"> / {formatBytes(r.budgets.sramBytes)}{r.sramFits ? '' : ' · over budget'}</span>
                      <span className="compare-bar" aria-hidden="true">
                        {Object.entries(r.breakdown).filter(([, b]) => b > 0).map(([cat, b]) => (
                          <span key={cat} style={{ width: `${(100 * b) / maxPeak}%`, background: categoryColor(cat) }} title={`${categoryLabel(cat)}: ${formatBytes(b)}`} />
                        ))}
                        <span className="compare-budget" style={{ left: `${(100 * r.budgets.sramBytes) / maxPeak}%` }} />
                      </span>
                    </td>
                  );
                })}
              </tr>
              {categories.map((cat) => (
                <tr key={cat} className="compare-cat">
                  <th scope="row"><span className="swatch" style={{ background: categoryColor(cat) }} aria-hidden="true" />{categoryLabel(cat)}</th>
                  {compiled.map(({ pin, c }) => {
                    const b = c ? (c.program.report.breakdown as Record<string, number>)[cat] ?? 0 : null;
                    return <td key={pin.id} className="num" data-testid={`compare-cat-${cat}-${pin.name}`} data-bytes={b ?? undefined}>{b === null ? '' : formatBytes(b)}</td>;
                  })}
                </tr>
              ))}
              <tr>
                <th scope="row"><Term id="paper-figure">Paper&apos;s analytic figure</Term></th>
                {compiled.map(({ pin, c }) => <td key={pin.id} className="num" data-testid={`compare-analytic-${pin.name}`} data-bytes={c?.program.report.analyticBytes}>{c ? formatBytes(c.program.report.analyticBytes) : ''}</td>)}
              </tr>
              <tr>
                <th scope="row">Flash</th>
                {compiled.map(({ pin, c }) => <td key={pin.id} className="num" data-testid={`compare-flash-${pin.name}`} data-bytes={c?.program.report.flashBytes}>{c ? formatBytes(c.program.report.flashBytes) : ''}</td>)}
              </tr>
              <tr>
                <th scope="row">Peak at</th>
                {compiled.map(({ pin, c }) => <td key={pin.id}>{c ? <>step {c.program.report.peak.step} <span className="mono muted">{c.program.report.peak.kernel}</span></> : ''}</td>)}
              </tr>
              <tr>
                <th scope="row">Kernels</th>
                {compiled.map(({ pin, c }) => <td key={pin.id} className="num">{c ? c.program.kernels.length : ''}</td>)}
              </tr>
              <tr>
                <th scope="row"><Term id="sparse-update">What trains</Term></th>
                {compiled.map(({ pin, c }) => <td key={pin.id}>{c && <SchemeStrip scheme={c.program.scheme} />}</td>)}
              </tr>
              <tr className="compare-timeline">
                <th scope="row">Timeline <span className="muted">(arena bytes per step, one scale)</span></th>
                {compiled.map(({ pin, c }) => (
                  <td key={pin.id}>{c && <div className="compare-chart"><TimelineChart report={c.program.report} scaleBytes={scale} label={`Arena memory of ${pin.name} over its steps`} /></div>}</td>
                ))}
              </tr>
              <tr>
                <th scope="row">
                  Validation accuracy after a short run
                  <span className="muted compare-run-note"> ({SHORT_RUN.train} demo images, {SHORT_RUN.epochs} epoch, lr {START_LR[kind].value}, {SHORT_RUN.val} validation images; ± one standard error)</span>
                </th>
                {compiled.map(({ pin }) => {
                  const r = runs[key(pin)];
                  return (
                    <td key={pin.id} data-testid={`compare-acc-${pin.name}`} data-accuracy={r?.valAccuracy}>
                      {!r ? <span className="muted">not run</span>
                        : r.status === 'done' ? <><strong className="num">{pct(r.valAccuracy!)}</strong> <span className="muted num">± {(accuracyStdError(r.valAccuracy!, r.valImages!) * 100).toFixed(1)}</span></>
                          : r.status === 'error' ? <span className="compare-error">{r.message}</span>
                            : <span className="muted">{r.status}…</span>}
                    </td>
                  );
                })}
              </tr>
            </tbody>
          </table>
          <div className="compare-run">
            {kind === 'synthetic' ? (
              <p className="muted">A short run measures nothing on synthetic weights: open the demo model, a .pkl or a .tflite to compare accuracy.</p>
            ) : running ? (
              <button type="button" className="button" onClick={cancel}>Cancel the runs</button>
            ) : (
              <button type="button" className="button button-primary" disabled={ok.length === 0} onClick={() => void runAll()}>
                Train each for a short run
              </button>
            )}
            <span className="muted">Each run trains the project&apos;s model with that scheme in the training worker, from the same weights, on the same split and seed.</span>
          </div>
        </div>
      )}
    </section>
  );
}
