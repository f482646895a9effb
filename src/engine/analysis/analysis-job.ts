/**
 * Runs contribution-analysis jobs by real fine-tuning: the project's model and dataset (as plain,
 * structured-cloneable data, so a worker gets them by postMessage), the train split for training and
 * the validation split for accuracy, with the trainer the Train tab uses. A final job (final.ts) is
 * scored on the held-out test split as well, which nothing else reads.
 *
 * The frozen front: a job trains nothing in front of its first trained layer, so it starts from the
 * activation at the last cut point before that layer (models/slice.ts). That activation is computed
 * once per image per cut point and kept for every later job in this runner that cuts there; the
 * trainer then runs the suffix graph from it, which is the same arithmetic as the whole graph
 * (tests: analysis-job.test.ts compares the trained parameters and accuracy).
 */
import { checkTrainable, DatasetError, sampleSource, splitBySeed, type LabeledImages } from '../data/samples.ts';
import { isConv, type Model } from '../ir/graph.ts';
import { cutPoints, suffixGraph } from '../models/slice.ts';
import { runForward } from '../runtime/reference.ts';
import { resolveScheme, type Scheme } from '../train/scheme.ts';
import { jobDataset, jobModel, type JobData, type JobModel } from '../train/train-job.ts';
import { Trainer, zeroFloatHead, type Progress, type SampleSource, type TrainControl, type TrainResult } from '../train/trainer.ts';
import { checkAnalysisSettings, type AnalysisJobResult, type AnalysisJobSpec, type AnalysisSettings } from './contribution.ts';

export interface AnalysisContext {
  model: JobModel;
  data: JobData;
  settings: AnalysisSettings;
}

export interface RunHooks {
  onProgress?: (p: Progress) => void;
  control?: TrainControl;
}

/** Fewer validation images than this and one image moves the accuracy by more than 5 points. */
export const MIN_VAL_IMAGES = 20;

export class AnalysisRunner {
  readonly model: Model;
  readonly classNames: string[];
  readonly split: { train: number[]; val: number[]; test: number[] };
  private readonly set: LabeledImages;
  private readonly full: { train: SampleSource; val: SampleSource; test: SampleSource };
  /** Activations at a cut point, per image of each split (the test split's only once a final job needs them). */
  private readonly fronts = new Map<string, { train: Int8Array[]; val: Int8Array[]; test?: Int8Array[] }>();
  /** Images whose front was computed (for tests and the bench: each image once per cut point). */
  frontImages = 0;

  constructor(readonly ctx: AnalysisContext) {
    const s = ctx.settings;
    checkAnalysisSettings(s);
    this.set = jobDataset(ctx.data);
    checkTrainable(this.set);
    this.classNames = this.set.classNames;
    const classes = this.set.classNames.length;
    this.split = splitBySeed(this.set, { seed: s.seed, train: s.trainImages, val: s.valImages, test: s.testImages });
    const { train, val, test } = this.split;
    const needTest = s.finalists > 0 ? MIN_VAL_IMAGES : 0;
    if (val.length < MIN_VAL_IMAGES || train.length < classes || test.length < needTest) {
      throw new DatasetError(`the dataset has ${this.set.count} images, too few to measure gains: contribution analysis needs at least ` +
        `${MIN_VAL_IMAGES} validation images, ${needTest ? `${needTest} held-out test images for the final comparison, ` : ''}and one training image per class (${classes}); ` +
        `this split gives ${train.length} training, ${val.length} validation and ${test.length} test images`);
    }
    this.model = zeroFloatHead(jobModel(ctx.model, s.resolution, classes, 'float32'));
    const g = this.model.graph;
    this.full = { train: sampleSource(this.set, train, g), val: sampleSource(this.set, val, g), test: sampleSource(this.set, test, g) };
  }

  /** The last cut point in front of the first layer the scheme trains; null when that is the first layer. */
  cutFor(scheme: Scheme): string | null {
    const g = this.model.graph;
    const r = resolveScheme(scheme, g);
    // The suffix keeps the pooling in front of the head (the memory report reads its output), so a
    // head-only job cuts at the last block output.
    const first = g.nodes.findIndex((n) => (r.firstTrained === null ? n.op === 'avgpool' : isConv(n) && n.attrs.convIndex === r.firstTrained));
    let cut: string | null = null;
    for (const c of cutPoints(g)) if (g.nodes.findIndex((n) => n.outputs.includes(c)) < first) cut = c;
    return cut;
  }

  private front(cut: string, withTest: boolean): { train: Int8Array[]; val: Int8Array[]; test?: Int8Array[] } {
    const g = this.model.graph;
    // The nodes up to the cut only: runForward runs whatever nodes the graph lists.
    const prefix: Model = { ...this.model, graph: { ...g, nodes: g.nodes.slice(0, g.nodes.findIndex((n) => n.outputs.includes(cut)) + 1) } };
    const of = (src: SampleSource) => Array.from({ length: src.length }, (_, i) => {
      this.frontImages++;
      return runForward(prefix, src.get(i).input)[cut] as Int8Array;
    });
    let f = this.fronts.get(cut);
    if (!f) this.fronts.set(cut, (f = { train: of(this.full.train), val: of(this.full.val) }));
    if (withTest) f.test ??= of(this.full.test);
    return f;
  }

  /**
   * Fine-tunes the model with a scheme on the train split (from the cached front) and evaluates on
   * val, and with `test` on the held-out test split too. `trainSeed` (default: the settings' seed)
   * changes the image order and rounding, not the split.
   */
  async fineTune(scheme: Scheme, hooks: RunHooks = {}, trainSeed = this.ctx.settings.seed, test = false): Promise<{ result: TrainResult; trainedNames: string[]; testAccuracy: number | null }> {
    const s = this.ctx.settings;
    const cut = this.cutFor(scheme);
    let model = this.model, data = this.full;
    if (cut) {
      const sub = suffixGraph(this.model.graph, cut, this.model.params);
      model = { graph: { ...sub.graph, name: this.model.graph.name }, params: sub.params, source: this.model.source };
      const f = this.front(cut, test);
      const src = (acts: Int8Array[] | undefined, full: SampleSource): SampleSource => ({ length: acts?.length ?? 0, get: (i) => ({ input: acts![i], label: full.get(i).label }) });
      data = { train: src(f.train, this.full.train), val: src(f.val, this.full.val), test: src(f.test, this.full.test) };
    }
    const trainer = new Trainer(model, scheme, { epochs: s.epochs, lr: s.lr, seed: trainSeed, evalEachEpoch: false, progressEvery: 20 });
    const result = await trainer.run({ train: data.train, val: data.val }, hooks);
    let testAccuracy: number | null = null;
    if (test && result.status === 'completed') {
      const ev = await trainer.evaluate(data.test, hooks.control);
      if (!hooks.control?.cancelled) testAccuracy = ev.accuracy;
    }
    return { result, trainedNames: trainer.trainedNames, testAccuracy };
  }

  /** Runs one job; a run that diverges or throws is a failed job with the reason, never an exception. */
  async run(job: AnalysisJobSpec, hooks: RunHooks = {}): Promise<AnalysisJobResult> {
    const t0 = performance.now();
    try {
      const final = job.kind === 'final';
      const { result, testAccuracy } = await this.fineTune(job.scheme, hooks, job.seed, final);
      const seconds = (performance.now() - t0) / 1000;
      if (final && result.status === 'completed' && testAccuracy === null) return { id: job.id, status: 'cancelled', valAccuracy: null, seconds, message: 'cancelled while scoring the held-out images' };
      if (result.status === 'completed') return { id: job.id, status: 'completed', valAccuracy: result.valAccuracy, ...(final ? { testAccuracy } : {}), seconds };
      return { id: job.id, status: result.status === 'cancelled' ? 'cancelled' : 'failed', valAccuracy: null, seconds, message: result.message };
    } catch (e) {
      return { id: job.id, status: 'failed', valAccuracy: null, seconds: (performance.now() - t0) / 1000, message: (e as Error).message };
    }
  }
}
