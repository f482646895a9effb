/**
 * A Comlink endpoint to an analysis worker as the pool's PoolWorker. `died` comes from the host's
 * own signal (Node: the thread's 'error'/'exit'; page: the Worker's 'error'), since a dead worker
 * never answers a pending call.
 */
import * as Comlink from 'comlink';
import type { PoolWorker } from '../src/engine/analysis/pool.ts';
import type { AnalysisContext } from '../src/engine/analysis/analysis-job.ts';
import type { Progress } from '../src/engine/train/trainer.ts';
import type { AnalysisApi } from './analysis-api.ts';

export function poolWorkerOf(api: Comlink.Remote<AnalysisApi>, died: Promise<Error>, terminate: () => void): PoolWorker {
  return {
    died,
    run: (job, onProgress) => api.run(job, Comlink.proxy((p: Progress) => onProgress(p))),
    pause: () => void api.pause(),
    resume: () => void api.resume(),
    cancel: () => void api.cancel(),
    terminate,
  };
}

/** Sends the context to a fresh worker; a worker that dies or refuses the context rejects with the reason. */
export async function initPoolWorker(api: Comlink.Remote<AnalysisApi>, died: Promise<Error>, terminate: () => void, ctx: AnalysisContext): Promise<PoolWorker> {
  try {
    await Promise.race([api.init(ctx), died.then((e) => Promise.reject(new Error(`the analysis worker stopped while starting (${e.message})`)))]);
  } catch (e) {
    terminate();
    throw e;
  }
  return poolWorkerOf(api, died, terminate);
}
