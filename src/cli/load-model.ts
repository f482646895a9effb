/**
 * Resolves the `--model` argument for every verb: a zoo name (synthetic weights), the shipped demo
 * model `tinytrain-demo`, the project's own weights files (.ttw), one of the paper's .pkl files, or an
 * int8 .tflite of the inverted-bottleneck family (models/from-tflite.ts).
 * A file is read once, capped and from a regular file only (io/node-file.ts); the engine's readers
 * then check every number in it.
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readUserFile } from '../engine/io/node-file.ts';
import { backboneConvs, type Model } from '../engine/ir/graph.ts';
import { FILE_LIMITS } from '../engine/limits.ts';
import type { HeadKind } from '../engine/models/build.ts';
import { isModelFileName, modelFileKind, modelFromFile } from '../engine/models/model-file.ts';
import { isWeightsFile } from '../engine/models/weights-file.ts';
import { isZooName, ZOO_NAMES } from '../engine/models/zoo.ts';
import { jobModel, type JobModel } from '../engine/train/train-job.ts';
import { intOption, UsageError, type Options } from './args.ts';

export const DEMO_MODEL = fileURLToPath(new URL('../../public/models/tinytrain-demo.ttw', import.meta.url));

/** Read `--model` files once per process: plan and export build the model twice (conv count, then head). */
const read = new Map<string, JobModel>();

/** The model as the engine (and a worker) receives it: a zoo name, or a file's bytes and kind. */
export function modelArg(spec: string): JobModel {
  if (isZooName(spec)) return { kind: 'zoo', name: spec };
  const cached = read.get(spec);
  if (cached) return cached;
  const path = spec === 'tinytrain-demo' ? DEMO_MODEL : spec;
  let bytes: Uint8Array;
  try {
    bytes = readUserFile(path, { what: 'model file', maxBytes: FILE_LIMITS.model });
  } catch (e) {
    if ((e as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') {
      throw new UsageError(`--model "${spec}" is neither a zoo model (${ZOO_NAMES.join(', ')}, tinytrain-demo) nor a readable file`);
    }
    throw e;
  }
  const fileName = basename(path);
  if (!isModelFileName(fileName)) throw new UsageError(`--model ${spec}: a model file is a .pkl (the paper's), an int8 .tflite or a .ttw (the studio's weights)`);
  if (/\.ttw$/i.test(fileName) && !isWeightsFile(bytes)) throw new UsageError(`${spec} is not a TinyTrain weights file (it does not start with TTW1)`);
  const m: JobModel = { kind: 'file', bytes, fileName };
  read.set(spec, m);
  return m;
}

export function loadModel(spec: string, resolution: number, classes: number, head: HeadKind = 'float32'): Model {
  return jobModel(modelArg(spec), resolution, classes, head);
}

/** The model's backbone conv count, for model-relative scheme names (bias-only, full, last-k). */
export function convCountOf(spec: string, resolution: number, classes: number): number {
  return backboneConvs(loadModel(spec, resolution, classes).graph).length;
}

/** The model's input as "HxW" (a general graph's may be non-square, e.g. 49x10). */
export function inputSize(g: Model['graph']): string {
  const [, h, w] = g.tensors[g.input].shape;
  return `${h}x${w}`;
}

/**
 * --resolution: a model file's own input size unless given (a .pkl's 128, a .tflite's own); the zoo's
 * architectures and .ttw weights open at any size, and default to the paper's 128. --classes: 10, or
 * `classes` (train: the dataset's).
 */
export function shapeOptions(opts: Options, spec: string, classes = 10): { resolution: number; classes: number } {
  const m = modelArg(spec);
  let resolution = 128;
  if (m.kind === 'file' && opts.resolution === undefined && modelFileKind(m.bytes) !== 'ttw') {
    const g = modelFromFile(m.fileName, m.bytes).graph;
    resolution = g.tensors[g.input].shape[1];
  }
  return {
    resolution: intOption(opts, 'resolution', resolution, 8, 1024),
    classes: intOption(opts, 'classes', classes, 2, 10000),
  };
}
