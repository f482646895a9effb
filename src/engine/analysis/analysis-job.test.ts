import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../ir/graph.ts';
import { sampleSource } from '../data/samples.ts';
import { jobDataset, runTrainJob } from '../train/train-job.ts';
import { Trainer, TrainControl } from '../train/trainer.ts';
import { AnalysisRunner, type AnalysisContext } from './analysis-job.ts';
import { DEFAULT_ANALYSIS_SETTINGS, planAnalysis, type AnalysisSettings } from './contribution.ts';

const demo = new Uint8Array(readFileSync(new URL('../../../public/demo/fashion-demo.bin', import.meta.url)));
const ttw = new Uint8Array(readFileSync(new URL('../../../public/models/tinytrain-demo.ttw', import.meta.url)));
const settings: AnalysisSettings = { ...DEFAULT_ANALYSIS_SETTINGS, trainImages: 40, valImages: 30, testImages: 30, seeds: 1, biasKs: [2, 6], weightBaseK: 6, ratios: [0.5] };
const ctx = (s: AnalysisSettings = settings): AnalysisContext => ({ model: { kind: 'file', bytes: ttw, fileName: 'tinytrain-demo.ttw' }, data: { kind: 'demo', bytes: demo }, settings: s });

describe('analysis runner', () => {
  it('trains from the cached front exactly as the whole graph trains (same parameters, same accuracy)', async () => {
    const runner = new AnalysisRunner(ctx());
    const n = backboneConvs(runner.model.graph).length;
    for (const scheme of [{ nBias: 6, weights: { [n - 2]: 0.5 }, head: 'float32' as const, momentum: false }, { nBias: 0, weights: {}, head: 'float32' as const, momentum: false }]) {
      expect(runner.cutFor(scheme)).not.toBeNull();
      const sliced = await runner.fineTune(scheme);
      const whole = await runTrainJob({
        model: ctx().model, data: ctx().data, scheme, resolution: settings.resolution, split: { seed: settings.seed, train: settings.trainImages, val: settings.valImages, test: settings.testImages },
        options: { epochs: settings.epochs, lr: settings.lr, seed: settings.seed, evalEachEpoch: false },
      });
      expect(sliced.result.status).toBe('completed');
      expect(sliced.result.valAccuracy).toBe(whole.valAccuracy);
      expect(sliced.trainedNames.sort()).toEqual(Object.keys(whole.trained).sort());
      for (const name of sliced.trainedNames) expect(Array.from(sliced.result.params[name])).toEqual(Array.from(whole.trained[name]));
      // The trained parameters moved: the comparison is not between two untouched copies.
      expect(sliced.trainedNames.some((p) => sliced.result.params[p].some((v, i) => v !== runner.model.params[p][i]))).toBe(true);
    }
  }, 120_000);

  it('computes the frozen front once per image per cut point, shared by the jobs that cut there', async () => {
    const runner = new AnalysisRunner(ctx());
    const jobs = planAnalysis(runner.model.graph, settings);
    const images = settings.trainImages + settings.valImages;
    const weightJobs = jobs.filter((j) => j.kind === 'weight');
    const cut = runner.cutFor(weightJobs[0].scheme);
    const same = weightJobs.filter((j) => runner.cutFor(j.scheme) === cut);
    expect(same.length).toBeGreaterThan(1);
    for (const j of same) expect((await runner.run(j)).status).toBe('completed');
    expect(runner.frontImages).toBe(images);
    const other = jobs.find((j) => runner.cutFor(j.scheme) !== cut && runner.cutFor(j.scheme) !== null)!;
    const r = await runner.run(other);
    expect(r.status).toBe('completed');
    expect(r.valAccuracy).toBeGreaterThanOrEqual(0);
    expect(runner.frontImages).toBe(2 * images);
  }, 120_000);

  it('scores a final job on the held-out test split as well, images no measurement trains or validates on', async () => {
    const runner = new AnalysisRunner(ctx());
    const { train, val, test } = runner.split;
    expect([train.length, val.length, test.length]).toEqual([40, 30, 30]);
    expect(new Set([...train, ...val, ...test]).size).toBe(100);
    const n = backboneConvs(runner.model.graph).length;
    const scheme = { nBias: 6, weights: { [n - 1]: 1 }, head: 'float32' as const, momentum: false };
    const measured = await runner.run({ id: 'm@1', kind: 'weight', k: 6, conv: n - 1, ratio: 1, seed: 1, scheme });
    expect(measured.testAccuracy).toBeUndefined();
    expect(runner.frontImages).toBe(70);
    const final = await runner.run({ id: 'final:x@1', kind: 'final', k: 6, seed: 1, scheme });
    expect(final.status).toBe('completed');
    // The same training (same seed), so the same validation accuracy; the test images' front is computed once, now.
    expect(final.valAccuracy).toBe(measured.valAccuracy);
    expect(runner.frontImages).toBe(100);
    // Its test accuracy is what the trained parameters score on those images, evaluated from raw pixels over the whole model.
    const { result } = await runner.fineTune(scheme, {}, 1);
    const whole = new Trainer({ ...runner.model, params: { ...runner.model.params, ...result.params } }, scheme, { evalEachEpoch: false });
    const heldOut = sampleSource(jobDataset(ctx().data), test, runner.model.graph);
    expect(final.testAccuracy).toBe((await whole.evaluate(heldOut)).accuracy);
    // Another training seed trains differently.
    const other = await runner.run({ id: 'final:x@2', kind: 'final', k: 6, seed: 2, scheme });
    expect(other.testAccuracy === final.testAccuracy && other.valAccuracy === final.valAccuracy).toBe(false);
  }, 120_000);

  it('cancels a job through its control', async () => {
    const runner = new AnalysisRunner(ctx());
    const control = new TrainControl();
    const job = planAnalysis(runner.model.graph, settings)[1];
    const r = await runner.run(job, { control, onProgress: (p) => p.step >= 20 && control.cancel() });
    expect(r.status).toBe('cancelled');
    expect(r.valAccuracy).toBeNull();
    expect(r.message).toMatch(/cancelled after/);
  }, 60_000);

  it('refuses a dataset too small to measure anything, saying what it has and needs', () => {
    const images = Array.from({ length: 12 }, (_, i) => ({ data: new Uint8Array(28 * 28).fill(i * 20), width: 28, height: 28, channels: 1 }));
    const small: AnalysisContext = { ...ctx(), data: { kind: 'images', classNames: ['a', 'b'], labels: images.map((_, i) => i % 2), images } };
    expect(() => new AnalysisRunner(small)).toThrow(/the dataset has 12 images, too few to measure gains: .*at least 20 validation images, 20 held-out test images.*gives \d+ training, \d+ validation and \d+ test images/);
  });
});
