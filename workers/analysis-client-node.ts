/**
 * Node side of the analysis worker: a worker_threads worker (bootstrapped by analysis.node-worker.mjs
 * through tsx) as a PoolWorker, so the CLI and the bench run the page's pool with the same code.
 */
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { Worker } from 'node:worker_threads';
import type { AnalysisContext } from '../src/engine/analysis/analysis-job.ts';
import type { PoolWorker } from '../src/engine/analysis/pool.ts';
import type { AnalysisApi } from './analysis-api.ts';
import { initPoolWorker } from './analysis-pool-worker.ts';

export interface NodeAnalysisWorker extends PoolWorker {
  api: Comlink.Remote<AnalysisApi>;
}

export async function startNodeAnalysisWorker(ctx: AnalysisContext): Promise<NodeAnalysisWorker> {
  const worker = new Worker(new URL('./analysis.node-worker.mjs', import.meta.url));
  const died = new Promise<Error>((resolve) => {
    worker.once('error', (e) => resolve(new Error(e.message)));
    worker.once('exit', (code) => resolve(new Error(`exit code ${code}`)));
  });
  const api = Comlink.wrap<AnalysisApi>(nodeEndpoint(worker));
  const pw = await initPoolWorker(api, died, () => void worker.terminate(), ctx);
  return Object.assign(pw, { api });
}
