/**
 * What the training worker exposes (Comlink), the same in the page's Web Worker and in a Node
 * worker_threads worker: start a job with a progress callback, pause, resume, cancel, and export a
 * job's model as .tflite. One job at a time; the result carries only the trained parameters (transferred, not copied).
 */
import * as Comlink from 'comlink';
import { jobTflite, runTrainJob, type JobResult, type TrainJob } from '../src/engine/train/train-job.ts';
import { TrainControl, type Progress } from '../src/engine/train/trainer.ts';

export interface TrainApi {
  start(job: TrainJob, onProgress?: (p: Progress) => void): Promise<JobResult>;
  pause(): void;
  resume(): void;
  cancel(): void;
  /** The job's model as .tflite, with a run's trained parameters or (null) the current weights; off the page's thread, as it runs the model on the calibration images. */
  exportTflite(job: TrainJob, trained: JobResult['trained'] | null): Promise<{ bytes: Uint8Array; fileName: string; note: string }>;
  /** For tests of a dying worker: ends the worker's process or thread abruptly. */
  crash(): void;
}

export function createTrainApi(die: () => void): TrainApi {
  let control: TrainControl | null = null;
  return {
    async start(job, onProgress) {
      if (control) throw new Error('a training run is already in progress in this worker');
      control = new TrainControl();
      try {
        const r = await runTrainJob(job, { control, onProgress: onProgress ? (p) => void onProgress(p) : undefined });
        return Comlink.transfer(r, Object.values(r.trained).map((v) => v.buffer as ArrayBuffer));
      } finally {
        control = null;
      }
    },
    pause: () => control?.pause(),
    resume: () => control?.resume(),
    cancel: () => control?.cancel(),
    exportTflite: async (job, trained) => {
      const f = jobTflite(job, trained);
      return Comlink.transfer({ bytes: f.bytes, fileName: f.export.model.file, note: f.note }, [f.bytes.buffer as ArrayBuffer]);
    },
    crash: die,
  };
}
