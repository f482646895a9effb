/** Page side of the analysis worker: a module Web Worker as a PoolWorker (for the Analysis tab's pool). */
import * as Comlink from 'comlink';
import type { AnalysisContext } from '../src/engine/analysis/analysis-job.ts';
import type { PoolWorker } from '../src/engine/analysis/pool.ts';
import type { AnalysisApi } from './analysis-api.ts';
import { initPoolWorker } from './analysis-pool-worker.ts';

export function startWebAnalysisWorker(ctx: AnalysisContext): Promise<PoolWorker> {
  const worker = new Worker(new URL('./analysis.worker.ts', import.meta.url), { type: 'module' });
  const died = new Promise<Error>((resolve) => {
    worker.addEventListener('error', (e) => resolve(new Error(e.message || 'the analysis worker failed')));
    worker.addEventListener('messageerror', () => resolve(new Error('the analysis worker sent a message that could not be read')));
  });
  return initPoolWorker(Comlink.wrap<AnalysisApi>(worker), died, () => worker.terminate(), ctx);
}
