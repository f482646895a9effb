/**
 * A training job as plain, structured-cloneable data (what the page posts to the training worker):
 * the model file's bytes, the scheme, the images, the split and the options. `runTrainJob` turns it
 * into a Trainer run; the worker (page or Node worker_threads) and tests call the same function.
 */
import type { Model } from '../ir/graph.ts';
import { loadDemoDataset } from '../data/demo-dataset.ts';
import type { RawImage } from '../data/preprocess.ts';
import { checkTrainable, DatasetError, sampleSource, splitBySeed, type LabeledImages } from '../data/samples.ts';
import { show } from '../limits.ts';
import { backboneConvs } from '../ir/graph.ts';
import { buildGraph } from '../models/build.ts';
import { modelFromPkl } from '../models/from-pkl.ts';
import { syntheticParams } from '../models/synthetic.ts';
import { modelFromWeights, withArch } from '../models/weights-file.ts';
import { zooArch } from '../models/zoo.ts';
import { builtinScheme } from './builtin-schemes.ts';
import { parseScheme, SchemeError, type Scheme } from './scheme.ts';
import { Trainer, zeroFloatHead, type Progress, type TrainControl, type TrainOptions, type TrainResult } from './trainer.ts';

export type JobModel =
  | { kind: 'pkl' | 'ttw'; bytes: Uint8Array; fileName: string }
  | { kind: 'zoo'; name: string };

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

export interface JobResult extends Omit<TrainResult, 'params'> {
  /** Only the trained parameters (the rest is the model the caller already has). */
  trained: Record<string, Int8Array | Int32Array | Float32Array>;
  classNames: string[];
}

export function jobDataset(d: JobData): LabeledImages {
  if (d.kind === 'demo') return loadDemoDataset(d.bytes);
  if (d.labels.length !== d.images.length) throw new DatasetError(`${d.images.length} images but ${d.labels.length} labels`);
  return { count: d.images.length, classNames: d.classNames, image: (i) => d.images[i], label: (i) => d.labels[i] };
}

export function jobModel(m: JobModel, resolution: number, classes: number, head: 'float32' | 'int8'): Model {
  if (m.kind === 'zoo') {
    const arch = zooArch(m.name);
    const graph = withArch(buildGraph(arch, { resolution, classes, head }), arch);
    return { graph, params: syntheticParams(graph), source: `${m.name} (synthetic weights)` };
  }
  if (m.kind === 'pkl') return modelFromPkl(m.bytes, { fileName: m.fileName, resolution, classes, head });
  return modelFromWeights(m.bytes, { fileName: m.fileName, resolution, classes, head });
}

function resolveJobScheme(s: string | Scheme, convs: number): Scheme {
  if (typeof s !== 'string') return parseScheme(s);
  const b = builtinScheme(s, convs);
  if (!b) throw new SchemeError(`${show(s)} is not a built-in scheme for this model`);
  return b;
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
  const r = await trainer.run({ train: sampleSource(set, split.train, model.graph), val: sampleSource(set, split.val, model.graph) }, hooks);
  const trained: JobResult['trained'] = {};
  for (const n of trainer.trainedNames) {
    const v = r.params[n];
    if (v instanceof Int8Array || v instanceof Int32Array || v instanceof Float32Array) trained[n] = v;
  }
  const { params: _params, ...rest } = r;
  void _params;
  return { ...rest, trained, classNames: set.classNames };
}
