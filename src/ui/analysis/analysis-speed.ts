/**
 * The training speed the time estimate needs (images per second of a job that trains the whole
 * network, in the engine's jobCost units), measured, never assumed: a short calibration job in one
 * worker the first time a model is analysed at a resolution, then refined from every finished run.
 * Kept in IndexedDB per model digest and resolution.
 */
import type { AnalysisContext } from '../../engine/analysis/analysis-job.ts';
import { jobCost, planAnalysis, type AnalysisJobResult, type AnalysisJobSpec, type AnalysisSettings } from '../../engine/analysis/contribution.ts';
import type { Graph } from '../../engine/ir/graph.ts';
import { backboneConvs } from '../../engine/ir/graph.ts';
import { idb } from '../persist/idb.ts';
import { startWebAnalysisWorker } from '../../../workers/analysis-client-web.ts';

const speedKey = (modelDigest: string, resolution: number) => `analysis-speed:${modelDigest}:${resolution}`;

export const loadSpeed = (modelDigest: string, resolution: number) => idb.getMeta<number>(speedKey(modelDigest, resolution));
export const saveSpeed = (modelDigest: string, resolution: number, v: number) => idb.putMeta(speedKey(modelDigest, resolution), v);

/** Speed from a run's finished jobs: their cost over the seconds their workers spent on them. */
export function speedFromResults(jobs: AnalysisJobSpec[], results: AnalysisJobResult[], s: AnalysisSettings): number | null {
  const n = Math.max(1, ...jobs.map((j) => j.k));
  const byId = new Map(jobs.map((j) => [j.id, j]));
  let cost = 0, seconds = 0;
  for (const r of results) {
    const j = byId.get(r.id);
    if (!j || r.status !== 'completed' || !(r.seconds > 0)) continue;
    cost += jobCost(j, s, n);
    seconds += r.seconds;
  }
  return seconds > 0 ? cost / seconds : null;
}

/** A small split the engine accepts: 20 validation images, at least one training image per class, one run, no held-out comparison. */
const CALIBRATION = { trainImages: 20, valImages: 20, testImages: 0, seeds: 1, finalists: 0, epochs: 1 };

/** Trains every bias of the model on a few images in one worker, twice, and times the second run. */
export async function calibrateSpeed(ctx: AnalysisContext, graph: Graph): Promise<number> {
  const settings: AnalysisSettings = { ...ctx.settings, ...CALIBRATION, biasKs: [backboneConvs(graph).length], convs: [], ratios: [], weightBaseK: 0 };
  const job = planAnalysis(graph, settings).find((j) => j.kind === 'bias');
  if (!job) throw new Error('the model has no convs to time');
  const w = await startWebAnalysisWorker({ ...ctx, settings });
  try {
    // The first run pays for compiling the kernels (JIT) and preparing the images: the second is timed.
    let r = await w.run(job, () => {});
    if (r.status === 'completed') r = await w.run(job, () => {});
    if (r.status !== 'completed') throw new Error(r.message ?? 'the timing job did not complete');
    const speed = speedFromResults([job], [r], settings);
    if (!speed) throw new Error('the timing job took no measurable time');
    return speed;
  } finally {
    w.terminate();
  }
}
