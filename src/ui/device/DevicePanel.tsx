/**
 * The Device panel: the project's model trained on a board over Web Serial. The board runs the
 * exported firmware built with -DTT_LINK (docs/serial-protocol.md); the panel checks its HELLO against
 * the project (model and scheme fingerprints), streams the training images one TRAIN frame each,
 * and shows the board's loss and training accuracy as they come; "Predict held-out images" shows the
 * board's predictions (PREDICT frames) of validation images it never trained on, with its accuracy;
 * "Load the board's weights" dumps them into the project. All protocol work is the engine's
 * (LinkSession, firmware/held-out.ts); this only moves bytes and draws.
 */
import { useState } from 'react';
import { create } from 'zustand';
import { jobDataset, type JobData } from '../../engine/train/train-job.ts';
import { sampleSource, splitBySeed } from '../../engine/data/samples.ts';
import { encodeFrame, FRAME, LinkError, LinkSession, parseError, parseHello, parseTrained, trainFrame } from '../../engine/firmware/link-protocol.ts';
import { modelFingerprint, parseRecord, schemeFingerprint } from '../../engine/firmware/weights-record.ts';
import { heldOutOnBoard, type BoardPrediction } from '../../engine/firmware/held-out.ts';
import type { RawImage } from '../../engine/data/preprocess.ts';
import { inputPreview } from '../../engine/train/evaluation.ts';
import { ImageThumb } from '../training/ImageThumb.tsx';
import { userMessage } from '../../engine/input-error.ts';
import { useStudio } from '../store/index.ts';

/** The part of the Web Serial API the panel uses (not in TypeScript's DOM types yet). */
interface SerialPortLike {
  open(o: { baudRate: number }): Promise<void>;
  close(): Promise<void>;
  readable: ReadableStream<Uint8Array> | null;
  writable: WritableStream<Uint8Array> | null;
}
type SerialLike = { requestPort(): Promise<SerialPortLike> };

interface Point { step: number; loss: number; accuracy: number }

/** Held-out images the board predicts: the first of the validation split. */
const HELD_OUT = 16;

interface BoardPredictions {
  classNames: string[];
  /** Each image as the board saw it, with its true and predicted class. */
  items: (BoardPrediction & { image: RawImage })[];
  accuracy: number;
}

interface DeviceState {
  status: string;
  error: string | null;
  points: Point[];
  busy: boolean;
  predictions: BoardPredictions | null;
  /** The open link; kept here, not in the panel, which remounts when loading the board's weights changes the model. */
  link: { session: LinkSession; port: SerialPortLike; stop: boolean } | null;
}
const useDevice = create<DeviceState>()(() => ({ status: 'not connected', error: null, points: [], busy: false, predictions: null, link: null }));
const put = (p: Partial<DeviceState>) => useDevice.setState(p);

export function DevicePanel({ data, split }: { data: JobData | null; split: { seed: number } }) {
  const { status, error, points, busy, predictions } = useDevice();
  const link = { current: useDevice((st) => st.link) };
  const [baud, setBaud] = useState(115200);
  const setStatus = (v: string) => put({ status: v });
  const setError = (v: string | null) => put({ error: v });
  const setBusy = (v: boolean) => put({ busy: v });
  const serial = (navigator as unknown as { serial?: SerialLike }).serial;

  const connect = async () => {
    setError(null);
    try {
      const port = await serial!.requestPort();
      await port.open({ baudRate: baud });
      const writer = port.writable!.getWriter();
      const session = new LinkSession((b) => void writer.write(b));
      const opened = { session, port, stop: false };
      put({ link: opened });
      void (async () => {
        const reader = port.readable!.getReader();
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            if (value) session.receive(value);
          }
          session.fail('the port closed');
        } catch (e) {
          session.fail(`the port failed: ${(e as Error).message}`);
        }
      })();
      const hello = parseHello(await session.next(15_000));
      const { program, project } = useStudio.getState();
      if (hello.modelFingerprint !== modelFingerprint(program, project.model.params) || hello.schemeFingerprint !== schemeFingerprint(program)) {
        throw new LinkError('the board runs the firmware of another model or scheme than this project (export the firmware again and flash it)');
      }
      setStatus(`connected: ${hello.classes} classes, ${hello.inputBytes} input bytes`);
    } catch (e) {
      put({ link: null });
      setStatus('not connected');
      setError(userMessage(e));
    }
  };

  const stream = async () => {
    const l = useDevice.getState().link;
    if (!l || !data) return;
    setBusy(true);
    setError(null);
    // The board's earlier predictions are no longer its own once it trains.
    put({ points: [], predictions: null });
    l.stop = false;
    try {
      const set = jobDataset(data);
      const graph = useStudio.getState().project.model.graph;
      const train = sampleSource(set, splitBySeed(set, split).train, graph);
      let loss = 0, right = 0, n = 0;
      for (let i = 0; i < train.length && !l.stop; i++) {
        const s = train.get(i);
        const f = await l.session.request(trainFrame(s.input, s.label));
        if (f.type === FRAME.ERROR) throw new LinkError(`the board refused a sample: ${parseError(f).message}`);
        const r = parseTrained(f);
        loss += r.loss;
        right += r.predicted === s.label ? 1 : 0;
        if (++n === 10 || i === train.length - 1) {
          const p = { step: r.step, loss: loss / n, accuracy: right / n };
          put({ points: [...useDevice.getState().points, p] });
          loss = right = n = 0;
        }
        setStatus(`training on the board: ${i + 1} of ${train.length} images`);
      }
      setStatus(l.stop ? 'stopped' : `trained ${train.length} images on the board`);
    } catch (e) {
      setError(userMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const predict = async () => {
    const l = useDevice.getState().link;
    if (!l || !data) return;
    setBusy(true);
    setError(null);
    l.stop = false;
    try {
      const set = jobDataset(data);
      const graph = useStudio.getState().project.model.graph;
      const val = sampleSource(set, splitBySeed(set, split).val.slice(0, HELD_OUT), graph);
      const spec = graph.tensors[graph.input];
      const items: BoardPredictions['items'] = [];
      const show = (accuracy: number) => put({ predictions: { classNames: set.classNames, items: items.slice(), accuracy } });
      put({ predictions: null });
      const r = await heldOutOnBoard(l.session, val, set.classNames.length, {
        stop: () => l.stop,
        onPrediction: (p) => {
          items.push({ ...p, image: inputPreview(val.get(p.index).input, spec) });
          show(items.filter((x) => x.predicted === x.label).length / items.length);
          setStatus(`the board predicted ${items.length} of ${val.length} held-out images`);
        },
      });
      show(r.board);
      setStatus(l.stop ? 'stopped' : `the board predicted ${r.images} held-out images`);
    } catch (e) {
      setError(userMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const dump = async () => {
    const l = useDevice.getState().link;
    if (!l) return;
    setError(null);
    try {
      const f = await l.session.request(encodeFrame(FRAME.DUMP));
      if (f.type !== FRAME.RECORD) throw new LinkError(`the board answered DUMP with frame type 0x${f.type.toString(16)}`);
      parseRecord(f.payload, 'the board');
      const note = await useStudio.getState().importBoardRecord(f.payload, 'the board');
      if (note) setStatus(`${note}: loaded into the project`);
    } catch (e) {
      setError(userMessage(e));
    }
  };

  const last = points.at(-1);
  const maxLoss = Math.max(1e-6, ...points.map((p) => p.loss));
  return (
    <section className="training-section device-panel" aria-label="Device">
      <h3>Device <span className="muted">(a board running the firmware built with -DTT_LINK, over Web Serial)</span></h3>
      {!serial ? <p className="muted">This browser has no Web Serial (Chromium-based browsers have it): use <span className="mono">tinytrain device --port</span>.</p> : (
        <div className="choice-actions">
          <label className="field"><span className="field-label">baud</span>
            <select className="select select-small" value={baud} disabled={!!link.current} onChange={(e) => setBaud(Number(e.target.value))}>
              <option value={115200}>115,200</option><option value={921600}>921,600</option>
            </select></label>
          <button type="button" className="button" disabled={!!link.current} onClick={() => void connect()}>Connect board…</button>
          <button type="button" className="button" disabled={!link.current || busy || !data} onClick={() => void stream()}>Train on the board</button>
          <button type="button" className="button" disabled={!link.current || busy || !data} onClick={() => void predict()}>Predict held-out images</button>
          <button type="button" className="button" disabled={!busy} onClick={() => { if (link.current) link.current.stop = true; }}>Stop</button>
          <button type="button" className="button" disabled={!link.current || busy} onClick={() => void dump()}>Load the board&apos;s weights</button>
        </div>
      )}
      <p className="training-message" role="status" data-testid="device-status">{status}</p>
      {error && <p className="training-message training-error" role="alert">{error}</p>}
      {last && (
        <>
          <p data-testid="device-numbers">board step {last.step}: loss {last.loss.toFixed(4)}, training accuracy {(last.accuracy * 100).toFixed(0)}% (last {Math.min(10, last.step)} images)</p>
          <svg className="device-chart" width="320" height="80" role="img" aria-label="the board's loss per 10 images">
            <polyline fill="none" stroke="currentColor" strokeWidth="1.5"
              points={points.map((p, i) => `${(i / Math.max(1, points.length - 1)) * 316 + 2},${78 - (p.loss / maxLoss) * 74}`).join(' ')} />
          </svg>
        </>
      )}
      {predictions && predictions.items.length > 0 && (
        <div>
          <p data-testid="device-predictions">the board&apos;s predictions of {predictions.items.length} held-out validation images: {predictions.items.filter((p) => p.predicted === p.label).length} right ({(predictions.accuracy * 100).toFixed(0)}% accuracy)</p>
          <ul className="example-list" aria-label="the board's predictions">
            {predictions.items.map((p) => (
              <li key={p.index} className={p.predicted === p.label ? 'right' : 'wrong'}>
                <ImageThumb image={p.image} size={48} label={`held-out image ${p.index}: ${predictions.classNames[p.label]}`} />
                <span className="example-text">
                  <span>true: <strong>{predictions.classNames[p.label] ?? p.label}</strong></span>
                  <span>board: <strong>{predictions.classNames[p.predicted] ?? p.predicted}</strong></span>
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
