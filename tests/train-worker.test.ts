/**
 * The training worker over Node worker_threads (the same API the page's Web Worker exposes): a short
 * job reports progress and returns trained parameters; cancel through the worker; a worker that dies
 * mid-run rejects with a clear message and the caller's data is untouched.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TrainJob } from '../src/engine/train/train-job.ts';
import type { Progress } from '../src/engine/train/trainer.ts';
import { startNodeTrainWorker } from '../workers/train-client-node.ts';

const demoBytes = () => new Uint8Array(readFileSync(new URL('../public/demo/fashion-demo.bin', import.meta.url)));
const modelBytes = () => new Uint8Array(readFileSync(new URL('../public/models/tinytrain-demo.ttw', import.meta.url)));

function job(images: number): TrainJob {
  return {
    model: { kind: 'file', bytes: modelBytes(), fileName: 'tinytrain-demo.ttw' }, scheme: 'last-6', data: { kind: 'demo', bytes: demoBytes() },
    resolution: 32, split: { seed: 1, train: images, val: 50 }, options: { progressEvery: 10, epochs: 1 },
  };
}

describe('training worker (worker_threads)', () => {
  it('runs a job with progress events and returns the trained parameters', async () => {
    const w = startNodeTrainWorker();
    try {
      const events: Progress[] = [];
      const r = await w.run(job(60), (p) => events.push(p));
      expect(r.status).toBe('completed');
      expect(events.some((e) => e.phase === 'train' && e.imagesPerSecond > 0 && Number.isFinite(e.etaSeconds))).toBe(true);
      // Progress arrives on the callback's own port: it may trail the result by a moment.
      for (let i = 0; i < 40 && !events.some((e) => e.phase === 'done'); i++) await new Promise((res) => setTimeout(res, 50));
      expect(events.some((e) => e.phase === 'done')).toBe(true);
      expect(Object.keys(r.trained)).toContain('classifier.weight');
      expect(r.valAccuracy).not.toBeNull();
      // What the Train tab draws after a run, computed in the worker: the confusion matrix over the 50
      // validation images, consistent with the accuracy, and examples right and wrong with their images.
      const v = r.validation!;
      expect(v.count).toBe(50);
      expect(v.confusion.flat().reduce((a, b) => a + b, 0)).toBe(50);
      expect(v.confusion.reduce((a, row, c) => a + row[c], 0) / 50).toBeCloseTo(r.valAccuracy!, 12);
      expect(v.perClass.map((c) => c.count)).toEqual(v.confusion.map((row) => row.reduce((a, b) => a + b, 0)));
      const ex = r.examples!;
      expect(ex.right.every((e) => e.label === e.predicted && v.predictions[e.index].predicted === e.predicted)).toBe(true);
      expect(ex.wrong.every((e) => e.label !== e.predicted)).toBe(true);
      expect(ex.right.length + ex.wrong.length).toBeGreaterThan(0);
      const im = [...ex.right, ...ex.wrong][0].image;
      expect([im.width, im.height, im.data.length]).toEqual([32, 32, 32 * 32 * 3]);
      expect(r.data).toMatchObject({ images: 1000, train: 60, val: 50, splitSeed: 1 });
      expect(r.data.preprocessing).toBe('each 28x28 grayscale image: bilinear resize to 32x32, gray repeated over 3 channels, int8 = pixel − 128 (scale 2/255)');
    } finally {
      await w.terminate();
    }
  }, 120_000);

  it('cancels a run half way through the worker', async () => {
    const w = startNodeTrainWorker();
    try {
      const r = await w.run(job(200), (p) => {
        if (p.step >= 50) void w.api.cancel();
      });
      expect(r.status).toBe('cancelled');
      expect(r.steps).toBeLessThan(200);
      expect(r.message).toMatch(/cancelled after/);
    } finally {
      await w.terminate();
    }
  }, 120_000);

  it('a worker that dies rejects the run with a clear message; the job data is intact', async () => {
    const w = startNodeTrainWorker();
    const j = job(400);
    const before = j.data.kind === 'demo' ? j.data.bytes.slice() : null;
    let crashed = false;
    const run = w.run(j, (p) => {
      if (p.step >= 20 && !crashed) {
        crashed = true;
        void w.api.crash();
      }
    });
    await expect(run).rejects.toThrow(/training worker stopped unexpectedly \(exit code 70\) after \d+ of 400 images; the model and its weights are unchanged/);
    expect(j.data.kind === 'demo' && before && j.data.bytes.every((v, i) => v === before[i])).toBe(true);
    await w.terminate();
  }, 120_000);
});
