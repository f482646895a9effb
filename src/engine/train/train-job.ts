/**
 * A training job as plain, structured-cloneable data (what the page posts to the training worker):
 * the model file's bytes, the scheme, the images, the split and the options. `runTrainJob` turns it
 * into a Trainer run; the worker (page or Node worker_threads) and tests call the same function.
 */
import type { Model } from '../ir/graph.ts';
import { loadDemoDataset } from '../data/demo-dataset.ts';
import { PAPER_INPUT_QUANT, type InputSpec, type RawImage } from '../data/preprocess.ts';
import { checkTrainable, DatasetError, sampleSource, splitBySeed, type LabeledImages } from '../data/samples.ts';
import { show } from '../limits.ts';
import { backboneConvs } from '../ir/graph.ts';
import { buildGraph } from '../models/build.ts';
import { modelFromFile } from '../models/model-file.ts';
import { syntheticParams } from '../models/synthetic.ts';
import { withArch } from '../models/weights-file.ts';
import type { ArchSpec } from '../models/arch.ts';
import { zooArch } from '../models/zoo.ts';
import { safeName } from '../codegen/c-format.ts';
import { InputError } from '../input-error.ts';
import { exportTflite, type TfliteFile } from '../tflite/from-graph.ts';
import { builtinScheme } from './builtin-schemes.ts';
import { inputPreview, pickExamples, type Prediction } from './evaluation.ts';
import { parseScheme, SchemeError, type Scheme } from './scheme.ts';
import { Trainer, zeroFloatHead, type Progress, type TrainControl, type TrainOptions, type TrainResult } from './trainer.ts';

export type JobModel =
  /** A model file's bytes (.pkl, .tflite, .ttw: models/model-file.ts reads the kind off the bytes). */
  | { kind: 'file'; bytes: Uint8Array; fileName: string }
  /** A zoo architecture with its deterministic synthetic weights; `spec` when its architecture was edited. */
  | { kind: 'zoo'; name: string; spec?: ArchSpec };

export type JobData =
  | { kind: 'demo'; bytes: Uint8Array }
  | { kind: 'images'; classNames: string[]; labels: number[]; images: RawImage[] };

export interface TrainJob {
  model: JobModel;
  /** A built-in scheme name or a scheme object (JSON form). */
  scheme: string | Scheme;
  data: JobData;
  resolution: number;
  /** `test`: images held out of both (they shift the training images, as in contribution analysis's split). */
  split: { seed: number; train?: number; val?: number; test?: number };
  options: Partial<TrainOptions>;
}

/** A validation image with its prediction and the image the model saw (8-bit, at the model's resolution). */
export interface ValidationExample extends Prediction {
  image: RawImage;
}

/** The data of a job in words and numbers: where the images come from, the split, the preprocessing. */
export interface DataSummary {
  images: number;
  classNames: string[];
  train: number;
  val: number;
  splitSeed: number;
  /** "each 28x28 grayscale image: bilinear resize to 32x32, gray repeated over 3 channels, int8 = pixel - 128 (scale 2/255)". */
  preprocessing: string;
}

export interface JobResult extends Omit<TrainResult, 'params'> {
  /** Only the trained parameters (the rest is the model the caller already has). */
  trained: Record<string, Int8Array | Int32Array | Float32Array>;
  classNames: string[];
  /** Validation images the model got right and wrong (null when nothing was evaluated). */
  examples: { right: ValidationExample[]; wrong: ValidationExample[] } | null;
  data: DataSummary;
}

export function jobDataset(d: JobData): LabeledImages {
  if (d.kind === 'demo') return loadDemoDataset(d.bytes);
  if (d.labels.length !== d.images.length) throw new DatasetError(`${d.images.length} images but ${d.labels.length} labels`);
  return { count: d.images.length, classNames: d.classNames, image: (i) => d.images[i], label: (i) => d.labels[i] };
}

export function jobModel(m: JobModel, resolution: number, classes: number, head: 'float32' | 'int8'): Model {
  if (m.kind === 'zoo') {
    const base = zooArch(m.name); // the name is checked even when the architecture was edited
    const arch = m.spec ?? base;
    const graph = withArch(buildGraph(arch, { resolution, classes, head }), arch);
    return { graph, params: syntheticParams(graph), source: `${m.name} (synthetic weights)` };
  }
  return modelFromFile(m.fileName, m.bytes, { resolution, classes, head });
}

function resolveJobScheme(s: string | Scheme, convs: number): Scheme {
  if (typeof s !== 'string') return parseScheme(s);
  const b = builtinScheme(s, convs);
  if (!b) throw new SchemeError(`${show(s)} is not a built-in scheme for this model`);
  return b;
}

const fmtInt = (n: number) => n.toLocaleString('en-US');

function describeImages(set: LabeledImages): string {
  const sizes = new Set<string>();
  let channels = 0;
  for (let i = 0; i < set.count && sizes.size < 3; i++) {
    const im = set.image(i);
    sizes.add(`${im.width}x${im.height}`);
    channels = Math.max(channels, im.channels);
  }
  const kind = channels === 1 ? 'grayscale' : 'colour';
  return sizes.size === 1 ? `each ${[...sizes][0]} ${kind} image` : `each ${kind} image (sizes vary, e.g. ${[...sizes].slice(0, 2).join(', ')})`;
}

/** How the images become the model's int8 input, in one sentence (see data/preprocess.ts). */
export function preprocessingText(set: LabeledImages, input: InputSpec): string {
  const [c, h, w] = input.shape;
  const q = input.q ?? PAPER_INPUT_QUANT;
  const paper = Math.abs(q.scale * 255 - 2) < 1e-9 && q.zeroPoint === 0;
  const first = set.count ? set.image(0) : null;
  const mapping = !first ? '' : first.channels === 1 ? (c === 1 ? '' : `, gray repeated over ${c} channels`) : c === 1 ? ', luma of RGB' : '';
  const quant = paper ? 'int8 = pixel − 128 (scale 2/255)' : `int8 at scale ${q.scale.toPrecision(4)}, zero point ${q.zeroPoint}`;
  return `${describeImages(set)}: bilinear resize to ${w}x${h}${mapping}, ${quant}`;
}

/** The job's data in numbers and words, as the run will use it (same split, same preprocessing). */
export function describeJobData(data: JobData, split: TrainJob['split'], input: InputSpec): DataSummary {
  const set = jobDataset(data);
  const s = splitBySeed(set, split);
  return { images: set.count, classNames: set.classNames, train: s.train.length, val: s.val.length, splitSeed: split.seed, preprocessing: preprocessingText(set, input) };
}

/** "1,000 images, 10 classes; 800 training / 200 validation (split seed 1, balanced by class)". */
export function dataSummaryText(d: DataSummary): string {
  return `${fmtInt(d.images)} images, ${d.classNames.length} classes; ${fmtInt(d.train)} training / ${fmtInt(d.val)} validation (split seed ${d.splitSeed}, balanced by class)`;
}

export async function runTrainJob(job: TrainJob, hooks: { onProgress?: (p: Progress) => void; control?: TrainControl } = {}): Promise<JobResult> {
  const set = jobDataset(job.data);
  checkTrainable(set);
  const classes = set.classNames.length;
  const probe = jobModel(job.model, job.resolution, classes, 'float32');
  const scheme = resolveJobScheme(job.scheme, backboneConvs(probe.graph).length);
  const model = zeroFloatHead(scheme.head === 'float32' ? probe : jobModel(job.model, job.resolution, classes, scheme.head));
  const split = splitBySeed(set, job.split);
  const trainer = new Trainer(model, scheme, job.options);
  const val = sampleSource(set, split.val, model.graph);
  const r = await trainer.run({ train: sampleSource(set, split.train, model.graph), val }, hooks);
  const trained: JobResult['trained'] = {};
  for (const n of trainer.trainedNames) {
    const v = r.params[n];
    if (v instanceof Int8Array || v instanceof Int32Array || v instanceof Float32Array) trained[n] = v;
  }
  const input = model.graph.tensors[model.graph.input];
  const withImage = (p: Prediction): ValidationExample => ({ ...p, image: inputPreview(val.get(p.index).input, input) });
  const picked = r.validation ? pickExamples(r.validation) : null;
  const examples = picked ? { right: picked.right.map(withImage), wrong: picked.wrong.map(withImage) } : null;
  const data: DataSummary = {
    images: set.count, classNames: set.classNames, train: split.train.length, val: split.val.length, splitSeed: job.split.seed,
    preprocessing: preprocessingText(set, input),
  };
  const { params: _params, ...rest } = r;
  void _params;
  return { ...rest, trained, classNames: set.classNames, examples, data };
}

/**
 * The job's model as an int8 .tflite: with a run's trained parameters in place (`trained`, the model
 * as the run started it: a float32 head from zero), or the project's current weights (`null`). A
 * float32 head is quantized on the job's training images (tflite/from-graph.ts says how).
 */
export function jobTflite(job: TrainJob, trained: JobResult['trained'] | null): TfliteFile {
  if (trained && job.options.precision === 'fp32') throw new InputError('a run trained in float32 (fp32) has no int8 weights to write; export a run trained in int8');
  const set = jobDataset(job.data);
  const classes = set.classNames.length;
  const probe = jobModel(job.model, job.resolution, classes, 'float32');
  const scheme = resolveJobScheme(job.scheme, backboneConvs(probe.graph).length);
  const base = scheme.head === 'float32' ? probe : jobModel(job.model, job.resolution, classes, scheme.head);
  const model = trained ? zeroFloatHead(base) : base;
  const params = trained ? { ...model.params, ...trained } : model.params;
  const train = sampleSource(set, splitBySeed(set, job.split).train, model.graph);
  const name = safeName(model.graph.name);
  return exportTflite({ ...model, params }, train, `${name}-${trained ? 'trained' : 'current'}.tflite`);
}
