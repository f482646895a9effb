/**
 * Step through a training step: the runtime runs the project's compiled program kernel by kernel on a
 * demo image in a worker (runtime/stepper.ts); Previous, Next, Play and a scrubber move between
 * kernels. The current kernel is selected in the store, so the forward or backward graph beside and
 * the memory timeline below mark it; the arena view shows the live buffers and what the kernel read and
 * wrote; the tensors are drawn from the values copied out of the arena after (written) or before
 * (read) the kernel ran, never recomputed.
 */
import { useEffect, useMemo, useState } from 'react';
import { loadDemoDataset } from '../../engine/data/demo-dataset.ts';
import type { LiveBuffer, ParamSnapshot, StepSnapshot, TensorSnapshot } from '../../engine/runtime/stepper.ts';
import type { StepJob } from '../../../workers/step-api.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { Term } from '../explain/Term.tsx';
import { BackwardGraph } from '../graph/BackwardGraph.tsx';
import { ForwardGraph } from '../graph/ForwardGraph.tsx';
import { opLabel } from '../graph/kernel-kinds.ts';
import { categoryColor, categoryLabel } from '../memory/categories.ts';
import { useStudio } from '../store/index.ts';
import { weightsKind } from '../store/selectors.ts';
import { ImageThumb } from '../training/ImageThumb.tsx';
import { loadDemoImages } from '../training/browser-images.ts';
import { START_LR } from '../training/learning-rates.ts';
import { TensorCanvas } from './TensorCanvas.tsx';
import { coordsOf, drawKind, gridShape, valueAt } from './tensor-draw.ts';
import { useStepWorker } from './useStepWorker.ts';
import './step.css';

const WARMUPS = [0, 20, 100];
const PLAY_MS = 700;
const fmtInt = (n: number) => n.toLocaleString('en-US');
const fmtReal = (v: number) => (v === 0 ? '0' : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toPrecision(4));

export function StepView() {
  const program = useStudio((s) => s.program);
  const model = useStudio((s) => s.project.model);
  const doc = useStudio((s) => s.doc);
  const lr = START_LR[weightsKind(doc.origin)].value;
  const [data, setData] = useState<Uint8Array | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [image, setImage] = useState(0);
  // A new head starts at zero and sends no gradient back on the first step: then a few ordinary steps
  // run first by default, so the backbone's updates show something.
  const headZero = useMemo(() => {
    const lin = model.graph.nodes.find((x) => x.op === 'linear');
    return !!lin && model.params[lin.inputs[1]].every((v) => v === 0);
  }, [model]);
  const [chosenWarmup, setWarmup] = useState<number | null>(null);
  const warmup = chosenWarmup ?? (headZero ? 20 : 0);
  const [playing, setPlaying] = useState(false);

  useEffect(() => {
    let live = true;
    loadDemoImages().then((b) => live && setData(b), (e: Error) => live && setLoadError(e.message));
    return () => {
      live = false;
    };
  }, []);

  const classes = model.graph.tensors[model.graph.logits].shape[0];
  const choices = useMemo(() => {
    if (!data) return [];
    const set = loadDemoDataset(data);
    const out: { index: number; name: string }[] = [];
    for (let i = 0; i < set.count && out.length < 20; i++) if (set.label(i) < classes) out.push({ index: i, name: set.classNames[set.label(i)] });
    return out;
  }, [data, classes]);
  const imageIndex = choices.some((c) => c.index === image) ? image : choices[0]?.index ?? 0;

  const job = useMemo<StepJob | null>(() => (data && choices.length ? {
    graph: model.graph, params: model.params, scheme: doc.scheme,
    budgets: { sramBytes: doc.target.trainBudget, flashBytes: doc.target.flashBytes },
    kernels: program.kernels.map((k) => k.name), data, image: imageIndex, warmup, lr,
  } : null), [model, doc.scheme, doc.target, program, data, choices, imageIndex, warmup, lr]);
  const step = useStepWorker(job);
  const n = program.kernels.length;
  const snap = step.snapshot;
  const at = step.wanted;

  // The current kernel is the store's selected kernel: the graphs and the memory timeline mark it.
  useEffect(() => {
    if (snap) useStudio.getState().selectKernel(snap.kernel.name);
  }, [snap]);

  // Play: the next kernel once the last one's snapshot is in, until the end.
  const atEnd = !!snap && snap.index >= n - 1;
  const playingNow = playing && !atEnd;
  useEffect(() => {
    if (!playingNow || !snap || step.busy) return;
    const t = setTimeout(() => step.seek(snap.index + 1), PLAY_MS);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [playingNow, snap, step.busy]);

  if (loadError) return <EmptyState title="The demo images did not load"><p>{loadError}</p></EmptyState>;
  if (n === 0) return <EmptyState title="Nothing to step through"><p>The program has no kernels.</p></EmptyState>;
  const ready = !!step.opened && !!snap;
  const go = (i: number) => step.seek(Math.max(0, Math.min(n - 1, i)));
  const current = program.kernels[Math.min(at, n - 1)];

  return (
    <div className="step-view" data-testid="step-view">
      <div className="step-controls" role="toolbar" aria-label="Step through the training step">
        <button type="button" className="button button-small" onClick={() => go(at - 1)} disabled={!ready || at <= 0} aria-label="Previous kernel">◀ Previous</button>
        <button type="button" className="button button-small" onClick={() => go(at + 1)} disabled={!ready || at >= n - 1} aria-label="Next kernel">Next ▶</button>
        <button type="button" className="button button-small" disabled={!ready} aria-pressed={playingNow}
          title={atEnd ? 'Play from the first kernel' : undefined}
          onClick={() => {
            if (atEnd) go(0);
            setPlaying(!playingNow);
          }}>
          {playingNow ? '❚❚ Pause' : '▶▶ Play'}
        </button>
        <label className="step-scrub">
          <span className="sr-only">Kernel step</span>
          <input type="range" min={0} max={n - 1} value={at} disabled={!ready} onChange={(e) => go(Number(e.target.value))}
            aria-valuetext={`step ${at} of 0 to ${n - 1}: ${current?.name ?? ''}`} />
        </label>
        <span className="step-position num" data-testid="step-position">
          step <strong>{at}</strong> of 0–{n - 1}
        </span>
        <label className="field-compact step-field">
          <span className="muted">image</span>
          <select className="select select-small" value={imageIndex} onChange={(e) => setImage(Number(e.target.value))}>
            {choices.map((c) => <option key={c.index} value={c.index}>#{c.index} {c.name}</option>)}
          </select>
        </label>
        <label className="field-compact step-field" title="Ordinary training steps run first on the next demo images, so the step shown is not the very first (a new head starts at zero and sends no gradient back)">
          <span className="muted">after</span>
          <select className="select select-small" value={warmup} onChange={(e) => setWarmup(Number(e.target.value))}>
            {WARMUPS.map((w) => <option key={w} value={w}>{w} steps</option>)}
          </select>
        </label>
      </div>
      {step.error && <p className="step-error" role="alert">{step.error}</p>}
      <div className="step-body">
        <div className="step-graph">
          {current && current.phase === 'forward' ? <ForwardGraph /> : <BackwardGraph />}
        </div>
        <div className="step-side" aria-busy={!ready}>
          {!ready ? (
            <p className="muted step-loading">{step.error ? '' : `Running ${warmup ? `${warmup} training steps, then ` : ''}the step in the worker…`}</p>
          ) : (
            <>
              <StepHeader snap={snap} opened={step.opened!} lr={lr} />
              <ArenaView snap={snap} />
              <TensorList snap={snap} />
            </>
          )}
        </div>
      </div>
    </div>
  );
}

function StepHeader({ snap, opened, lr }: { snap: StepSnapshot; opened: NonNullable<ReturnType<typeof useStepWorker>['opened']>; lr: number }) {
  const k = snap.kernel;
  return (
    <div className="step-header">
      <ImageThumb image={opened.image} size={48} label={`Demo image of class ${opened.className}, as the model sees it`} />
      <div className="step-header-text">
        <div className="step-kernel mono" data-testid="step-kernel">{k.name}</div>
        <div className="muted">
          {opLabel(k.op)} · {k.phase} · step {opened.update + 1} of training, label <strong>{opened.className}</strong>
          {snap.loss !== null && <> · loss <span className="num">{snap.loss.toFixed(4)}</span></>}
        </div>
        <div className="muted step-settings">lr {lr} (the Train tab’s) · <Term id="qas">QAS</Term> on · stochastic rounding · batch 1</div>
      </div>
    </div>
  );
}

/** The arena at this kernel: every live buffer where the plan put it; read ones outlined, written ones marked. */
function ArenaView({ snap }: { snap: StepSnapshot }) {
  const W = 1000;
  const x = (b: number) => (b / Math.max(1, snap.arenaBytes)) * W;
  const reads = snap.live.filter((b) => b.read).length, writes = snap.live.filter((b) => b.written).length;
  return (
    <section className="step-arena" aria-label="Arena at this kernel" data-testid="step-arena" data-step={snap.index} data-live-bytes={snap.liveBytes}>
      <h3>
        Arena: <strong className="num" data-testid="step-live-bytes">{fmtInt(snap.liveBytes)} B</strong> live of {fmtInt(snap.arenaBytes)} B
        <span className="muted"> · {snap.live.length} buffers · {reads} read, {writes} written</span>
      </h3>
      <svg viewBox={`0 0 ${W} 28`} preserveAspectRatio="none" className="step-arena-bar" role="img"
        aria-label={`Arena of ${snap.arenaBytes} bytes; ${snap.live.length} live buffers`}>
        <rect x={0} y={0} width={W} height={28} className="arena-bg" />
        {snap.live.map((b) => (
          <rect key={b.id} x={x(b.offset)} y={2} width={Math.max(2, x(b.bytes))} height={24} fill={categoryColor(b.category)}
            className={`step-buf${b.written ? ' is-written' : ''}${b.read ? ' is-read' : ''}`}>
            <title>{`${b.id}: ${fmtInt(b.bytes)} B at ${fmtInt(b.offset)} (${categoryLabel(b.category)})${b.read ? ', read' : ''}${b.written ? ', written' : ''}`}</title>
          </rect>
        ))}
      </svg>
      <table className="step-buffers">
        <caption className="sr-only">Live buffers</caption>
        <thead><tr><th scope="col">buffer</th><th scope="col">kind</th><th scope="col" className="num">offset</th><th scope="col" className="num">bytes</th><th scope="col">now</th></tr></thead>
        <tbody>
          {snap.live.map((b) => <BufferRow key={b.id} b={b} />)}
        </tbody>
      </table>
    </section>
  );
}

function BufferRow({ b }: { b: LiveBuffer }) {
  const now = [b.read && 'read', b.written && 'written'].filter(Boolean).join(', ');
  return (
    <tr className={b.read || b.written ? 'is-touched' : ''}>
      <td className="mono" title={b.members.join(', ')}>{b.id}</td>
      <td><span className="swatch" style={{ background: categoryColor(b.category) }} />{categoryLabel(b.category)}</td>
      <td className="num">{fmtInt(b.offset)}</td>
      <td className="num">{fmtInt(b.bytes)}</td>
      <td>{now ? <span className={`step-badge${b.written ? ' badge-write' : ' badge-read'}`}>{now}</span> : <span className="muted">live</span>}</td>
    </tr>
  );
}

function TensorList({ snap }: { snap: StepSnapshot }) {
  return (
    <section className="step-tensors" aria-label="Tensors of this kernel">
      {snap.params.map((p) => <ParamView key={p.param} p={p} />)}
      {[...snap.tensors].sort((a, b) => (a.role === b.role ? 0 : a.role === 'written' ? -1 : 1)).map((t) => <TensorView key={`${t.role}:${t.name}`} t={t} />)}
    </section>
  );
}

const KIND_TEXT = { int8: 'int8, grey from −128 to 127', diverging: 'blue − · white 0 · red +', mask: 'white: passes the gradient, black: clamped', range: 'grey from min to max' };

function TensorView({ t }: { t: TensorSnapshot }) {
  const kind = drawKind(t.dtype, t.category);
  const { h, w } = gridShape(t.shape);
  const describe = (i: number) => {
    const [c, y, xx] = coordsOf(h, w, i);
    const v = valueAt(t.values, t.dtype, i);
    const where = t.shape.length === 3 ? `[c ${c}, y ${y}, x ${xx}]` : `[${i}]`;
    if (t.dtype === 'bit') return `${t.name}${where} = ${v} (${v ? 'passes' : 'clamped'})`;
    if (t.q) return `${t.name}${where}: q ${v} → real ${fmtReal(t.q.scale * (v - t.q.zeroPoint))} (scale ${t.q.scale.toPrecision(4)}, zero point ${t.q.zeroPoint})`;
    return `${t.name}${where} = ${fmtReal(v)}`;
  };
  return (
    <div className="tensor-card" data-testid={`step-tensor-${t.role}`}>
      <div className="tensor-head">
        <span className={`step-badge ${t.role === 'written' ? 'badge-write' : 'badge-read'}`}>{t.role}</span>
        <span className="mono">{t.name}</span>
        <span className="muted num">{t.dtype} {t.shape.join('×')}{t.external ? ' · streamed from outside the arena' : ''}</span>
      </div>
      <div className="muted tensor-scale">{categoryLabel(t.category)} · {KIND_TEXT[kind]}{t.q ? ` · real = ${t.q.scale.toPrecision(4)} × (q − ${t.q.zeroPoint})` : ''}</div>
      <TensorCanvas values={t.values} dtype={t.dtype} shape={t.shape} kind={kind} describe={describe}
        label={`${t.name} ${t.role === 'written' ? 'after' : 'before'} the kernel: ${t.shape.join(' by ')}`} />
    </div>
  );
}

/** A trained parameter before and after the kernel's in-place update, and the QAS divisor of each output channel. */
function ParamView({ p }: { p: ParamSnapshot }) {
  const update = useStudio((s) => s.program.scheme.convs.find((u) => u.node === p.node));
  const depthwise = useStudio((s) => {
    const n = s.program.graph.nodes.find((x) => x.name === p.node);
    return n?.op === 'conv2d' && (n as { attrs: { groups: number } }).attrs.groups > 1;
  });
  // A depthwise conv trains its first channels (rows here); any other conv the first input channels of every row.
  const what = depthwise ? 'channels' : 'input channels';
  const slice = p.kind === 'weight' && update
    ? update.channels === update.totalChannels
      ? `the whole weight trains (all ${update.totalChannels} ${what})`
      : `the trained slice: ${what} 0–${update.channels - 1} of ${update.totalChannels}; the rest is frozen`
    : null;
  const rows = p.shape[0];
  const per = p.before.length / Math.max(1, rows);
  const shape = [1, rows, per];
  const diff = useMemo(() => Float32Array.from(p.after, (v, i) => v - p.before[i]), [p]);
  const describe = (i: number) => {
    const oc = Math.floor(i / per);
    const qas = p.qasDivisor ? ` · QAS: the gradient of channel ${oc} ÷ ${fmtReal(p.qasDivisor[oc])} (×${fmtReal(1 / p.qasDivisor[oc])})` : '';
    return `${p.param}[${oc}, ${i % per}]: ${fmtReal(p.before[i])} → ${fmtReal(p.after[i])}${qas}`;
  };
  const dtype = p.before instanceof Float32Array ? 'float32' : p.before instanceof Int32Array ? 'int32' : 'int8';
  const drawAs = dtype === 'int8' ? 'int8' : 'range';
  return (
    <div className="tensor-card param-card" data-testid="step-param">
      <div className="tensor-head">
        <span className="step-badge badge-write">updated</span>
        <span className="mono">{p.param}</span>
        <span className="muted num">{p.kind} of {p.node} · {p.shape.join('×')} · {fmtInt(p.changed)} of {fmtInt(p.before.length)} changed</span>
      </div>
      <div className="muted tensor-scale">
        {p.qasDivisor
          ? <><Term id="qas">QAS</Term>: each output channel’s gradient divided by {p.kind === 'weight' ? 's_W²' : '(s_W·s_x)²'}, from ×{fmtReal(1 / Math.max(...p.qasDivisor))} to ×{fmtReal(1 / Math.min(...p.qasDivisor))}</>
          : 'float head: no QAS'}
      </div>
      <div className="muted tensor-sub">{slice ? `${slice} · ` : ''}rows: output channels · the value under the pointer, before → after, with its channel’s QAS factor</div>
      <div className="param-pair">
        <div><div className="muted tensor-sub">before</div>
          <TensorCanvas values={p.before} dtype={dtype} shape={shape} kind={drawAs} describe={describe} target={150} hint="" fill label={`${p.param} before the update`} /></div>
        <div><div className="muted tensor-sub">after</div>
          <TensorCanvas values={p.after} dtype={dtype} shape={shape} kind={drawAs} describe={describe} target={150} hint="" fill label={`${p.param} after the update`} /></div>
        <div><div className="muted tensor-sub">change</div>
          <TensorCanvas values={diff} dtype="float32" shape={shape} kind="diverging" describe={describe} target={150} hint="" fill label={`${p.param}: change in the update`} /></div>
      </div>
    </div>
  );
}
