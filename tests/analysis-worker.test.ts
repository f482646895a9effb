/**
 * The analysis pool over real worker_threads (the code the CLI runs, the same pool and API the page's
 * Web Workers run): two workers measure a tiny analysis with the accuracies the in-process runner
 * gives; a worker that crashes mid-job is reported and its job retried on a fresh worker.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnalysisRunner, type AnalysisContext } from '../src/engine/analysis/analysis-job.ts';
import { DEFAULT_ANALYSIS_SETTINGS, planAnalysis, type AnalysisSettings } from '../src/engine/analysis/contribution.ts';
import { AnalysisPool } from '../src/engine/analysis/pool.ts';
import { startNodeAnalysisWorker, type NodeAnalysisWorker } from '../workers/analysis-client-node.ts';

const settings: AnalysisSettings = { ...DEFAULT_ANALYSIS_SETTINGS, trainImages: 40, valImages: 20, testImages: 20, seeds: 1, biasKs: [2], weightBaseK: 2, ratios: [1] };
const ctx: AnalysisContext = {
  model: { kind: 'file', bytes: new Uint8Array(readFileSync(new URL('../public/models/tinytrain-demo.ttw', import.meta.url))), fileName: 'tinytrain-demo.ttw' },
  data: { kind: 'demo', bytes: new Uint8Array(readFileSync(new URL('../public/demo/fashion-demo.bin', import.meta.url))) },
  settings,
};

describe('analysis workers (worker_threads)', () => {
  it('two workers measure every job, with the accuracies of the in-process runner', async () => {
    const local = new AnalysisRunner(ctx);
    const jobs = planAnalysis(local.model.graph, settings);
    const workersUsed = new Set<number>();
    const progressed = new Set<string>();
    const pool = new AnalysisPool(() => startNodeAnalysisWorker(ctx), { workers: 2 }, {
      onJobStart: (_id, w) => workersUsed.add(w), onJobProgress: (id) => progressed.add(id),
    });
    const results = await pool.run(jobs);
    expect(results.map((r) => r.status)).toEqual(jobs.map(() => 'completed'));
    expect(workersUsed).toEqual(new Set([0, 1]));
    expect(progressed.size).toBeGreaterThan(0);
    // Each job's CPU time, from its thread's clock (10 ms ticks): positive, and no more than its wall time.
    for (const r of results) expect(r.cpuSeconds! > 0 && r.cpuSeconds! <= r.seconds + 0.1).toBe(true);
    for (const [i, j] of jobs.entries()) expect(results[i].valAccuracy).toBe((await local.run(j)).valAccuracy);
  }, 180_000);

  it('a worker that crashes mid-job is reported and the job retried on a fresh worker', async () => {
    // Long enough (600 images) that the crash, sent at image 20, lands while the job runs.
    const long: AnalysisContext = { ...ctx, settings: { ...settings, trainImages: 300 } };
    const jobs = planAnalysis(new AnalysisRunner(long).model.graph, long.settings).slice(0, 2);
    const spawned: NodeAnalysisWorker[] = [];
    const deaths: [string, string, boolean][] = [];
    let crashed = false;
    const pool = new AnalysisPool(async () => {
      const w = await startNodeAnalysisWorker(long);
      spawned.push(w);
      return w;
    }, { workers: 1 }, {
      onJobProgress: (id, p) => {
        if (id === jobs[1].id && p.step >= 20 && !crashed) {
          crashed = true;
          void spawned[spawned.length - 1].api.crash();
        }
      },
      onWorkerDied: (id, err, retrying) => deaths.push([id, err, retrying]),
    });
    const results = await pool.run(jobs);
    expect(deaths).toEqual([[jobs[1].id, 'exit code 70', true]]);
    expect(spawned).toHaveLength(2);
    expect(results.map((r) => r.status)).toEqual(['completed', 'completed']);
  }, 180_000);

  it('a context the worker refuses fails the jobs with the reason', async () => {
    const bad: AnalysisContext = { ...ctx, settings: { ...settings, valImages: 5 } };
    const pool = new AnalysisPool(() => startNodeAnalysisWorker(bad), { workers: 1 }, {});
    const [r] = await pool.run(planAnalysis(new AnalysisRunner(ctx).model.graph, settings).slice(0, 1));
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/^no worker could be started: .*too few to measure gains/);
  }, 60_000);
});
