/**
 * The Train tab's way out and back in: "Export trained model (.tflite)" for the shown run,
 * "Export current weights (.tflite)" for the project's model as it is, and "Load weights from the
 * board…" for a firmware's output holding its weights record. The engine does the work (the export
 * in a worker, since it runs the model on the calibration images); this only starts it and shows
 * the engine's one line about what it wrote or why it refused.
 */
import * as Comlink from 'comlink';
import { useRef, useState } from 'react';
import { create } from 'zustand';
import { userMessage } from '../../engine/input-error.ts';
import type { JobResult, TrainJob } from '../../engine/train/train-job.ts';
import type { TrainApi } from '../../../workers/train-api.ts';
import { useStudio } from '../store/index.ts';

async function exportInWorker(job: TrainJob, trained: JobResult['trained'] | null) {
  const w = new Worker(new URL('../../../workers/train.worker.ts', import.meta.url), { type: 'module' });
  try {
    return await Comlink.wrap<TrainApi>(w).exportTflite(job, trained);
  } finally {
    w.terminate();
  }
}

function download(fileName: string, bytes: Uint8Array) {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The last line about an export or import: kept outside the panel, which remounts when loading weights changes the model. */
const useTransferNote = create<{ note: { text: string; error: boolean } | null; set(note: { text: string; error: boolean } | null): void }>()((set) => ({
  note: null,
  set: (note) => set({ note }),
}));

export interface ModelTransferProps {
  /** The job a Train click would run now (null while the data loads or is refused): "current weights" export from it. */
  current: TrainJob | null;
  /** The shown run's job and trained parameters (null: no finished int8 run to export). */
  run: { job: TrainJob; trained: JobResult['trained'] } | null;
  disabled: boolean;
}

export function ModelTransfer({ current, run, disabled }: ModelTransferProps) {
  const note = useTransferNote((s) => s.note);
  const setNote = useTransferNote((s) => s.set);
  const [working, setWorking] = useState(false);
  const recordInput = useRef<HTMLInputElement>(null);

  const exportModel = async (job: TrainJob, trained: JobResult['trained'] | null) => {
    setWorking(true);
    setNote(null);
    try {
      const f = await exportInWorker(job, trained);
      download(f.fileName, f.bytes);
      setNote({ text: f.note, error: false });
    } catch (e) {
      setNote({ text: userMessage(e), error: true });
    } finally {
      setWorking(false);
    }
  };

  return (
    <section className="training-section model-transfer" aria-label="Trained model out and back">
      <h3>Trained model out and back</h3>
      <div className="choice-actions">
        <button type="button" className="button" disabled={disabled || working || !run} onClick={() => run && void exportModel(run.job, run.trained)}>
          Export trained model (.tflite)
        </button>
        <button type="button" className="button" disabled={disabled || working || !current} onClick={() => current && void exportModel(current, null)}>
          Export current weights (.tflite)
        </button>
        <button type="button" className="button" disabled={disabled || working} onClick={() => recordInput.current?.click()}>
          Load weights from the board…
        </button>
        <input ref={recordInput} type="file" hidden aria-label="the firmware's output holding its weights record"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void useStudio.getState().importBoardWeights(f).then((t) => t && setNote({ text: `${t}: loaded into the project (Ctrl+Z undoes it)`, error: false }));
          }} />
      </div>
      <p className="training-hint muted">
        The .tflite keeps the model&apos;s int8 quantization; a float32 head is quantized for the file on the training images.
        The exported firmware prints its trained weights after training (<span className="mono">ttrec</span> lines); load its output here.
      </p>
      {working && <p className="training-message" role="status">Exporting…</p>}
      {note && <p className={`training-message${note.error ? ' training-error' : ''}`} role={note.error ? 'alert' : 'status'} data-testid="model-transfer-note">{note.text}</p>}
    </section>
  );
}
