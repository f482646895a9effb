/**
 * Node side of the training worker: starts workers/train.node-worker.ts in a worker thread (through
 * train.node-worker.mjs, which registers tsx so the TypeScript sources run as they are) and wraps it
 * so that a worker that dies rejects the run with a clear message instead of hanging. The caller's model and data are never shared
 * with the worker (structured clone), so nothing the caller had is lost.
 */
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { Worker } from 'node:worker_threads';
import type { JobResult, TrainJob } from '../src/engine/train/train-job.ts';
import type { Progress } from '../src/engine/train/trainer.ts';
import type { TrainApi } from './train-api.ts';

export interface NodeTrainWorker {
  api: Comlink.Remote<TrainApi>;
  run(job: TrainJob, onProgress?: (p: Progress) => void): Promise<JobResult>;
  terminate(): Promise<number>;
}

export function startNodeTrainWorker(): NodeTrainWorker {
  const worker = new Worker(new URL('./train.node-worker.mjs', import.meta.url));
  const api = Comlink.wrap<TrainApi>(nodeEndpoint(worker));
  let last: Progress | null = null;
  const died = new Promise<never>((_, reject) => {
    const fail = (why: string) => reject(new Error(`the training worker stopped unexpectedly (${why})` +
      `${last ? ` after ${last.step} of ${last.totalSteps} images` : ''}; the model and its weights are unchanged`));
    worker.once('error', (e) => fail(e.message));
    worker.once('exit', (code) => fail(`exit code ${code}`));
  });
  died.catch(() => undefined);
  return {
    api,
    run: (job, onProgress) => Promise.race([
      api.start(job, Comlink.proxy((p: Progress) => {
        last = p;
        onProgress?.(p);
      })),
      died,
    ]),
    terminate: () => worker.terminate(),
  };
}
