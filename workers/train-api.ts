/**
 * What the training worker exposes (Comlink), the same in the page's Web Worker and in a Node
 * worker_threads worker: start a job with a progress callback, pause, resume, cancel. One job at a
 * time; the result carries only the trained parameters (transferred, not copied).
 */
import * as Comlink from 'comlink';
import { runTrainJob, type JobResult, type TrainJob } from '../src/engine/train/train-job.ts';
import { TrainControl, type Progress } from '../src/engine/train/trainer.ts';

export interface TrainApi {
  start(job: TrainJob, onProgress?: (p: Progress) => void): Promise<JobResult>;
  pause(): void;
  resume(): void;
  cancel(): void;
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
    crash: die,
  };
}
