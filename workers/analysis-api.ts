/**
 * What the analysis worker exposes (Comlink), the same in the page's Web Worker and in a Node
 * worker_threads worker: `init` builds the runner once (model, data, settings), then `run` measures one
 * job at a time by fine-tuning, reusing the runner's cached frozen fronts across jobs.
 */
import * as Comlink from 'comlink';
import { AnalysisRunner, type AnalysisContext } from '../src/engine/analysis/analysis-job.ts';
import type { AnalysisJobResult, AnalysisJobSpec } from '../src/engine/analysis/contribution.ts';
import { TrainControl, type Progress } from '../src/engine/train/trainer.ts';

export interface AnalysisApi {
  init(ctx: AnalysisContext): void;
  run(job: AnalysisJobSpec, onProgress?: (p: Progress) => void): Promise<AnalysisJobResult>;
  pause(): void;
  resume(): void;
  cancel(): void;
  /** For tests of a dying worker: ends the worker abruptly. */
  crash(): void;
}

/** `cpuSeconds`: the thread's CPU clock, when the host has one, to report each job's CPU time. */
export function createAnalysisApi(die: () => void, cpuSeconds?: () => number): AnalysisApi {
  let runner: AnalysisRunner | null = null;
  let control: TrainControl | null = null;
  // A pause that arrives before its job's run message (the pool pauses as a job is handed out) holds for that job.
  let paused = false;
  return {
    init(ctx) {
      runner = new AnalysisRunner(ctx);
    },
    async run(job, onProgress) {
      if (!runner) throw new Error('the analysis worker was not initialised (call init first)');
      if (control) throw new Error('a job is already running in this worker');
      control = new TrainControl();
      if (paused) control.pause();
      const cpu0 = cpuSeconds?.();
      try {
        const r = await runner.run(job, { control, onProgress: onProgress ? (p) => void onProgress(p) : undefined });
        return cpu0 === undefined ? r : { ...r, cpuSeconds: cpuSeconds!() - cpu0 };
      } finally {
        control = null;
        // The progress callback's port would otherwise stay open for the worker's life.
        (onProgress as Partial<Comlink.Remote<unknown>> | undefined)?.[Comlink.releaseProxy]?.();
      }
    },
    pause: () => {
      paused = true;
      control?.pause();
    },
    resume: () => {
      paused = false;
      control?.resume();
    },
    cancel: () => control?.cancel(),
    crash: die,
  };
}
