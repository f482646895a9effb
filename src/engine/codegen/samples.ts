/**
 * Training samples to embed in the firmware: the first images of a dataset, preprocessed to the
 * model's int8 input exactly as the runtime's data pipeline does (data/preprocess.ts), or
 * deterministic synthetic images when no dataset is at hand. Environment-neutral.
 */
import type { ImageDataset } from '../data/idx.ts';
import { grayImageAt, imageToInput } from '../data/preprocess.ts';
import type { Graph } from '../ir/graph.ts';
import { numel } from '../ir/tensor.ts';
import { mulberry32 } from '../util/random.ts';
import type { Sample } from './c-project.ts';

/** Images `first .. first + n - 1` of a dataset, labels taken modulo the model's classes. */
export function datasetSamples(ds: ImageDataset, g: Graph, n: number, first = 0): Sample[] {
  const classes = numel(g.tensors[g.logits].shape);
  const input = g.tensors[g.input];
  return Array.from({ length: n }, (_, i) => ({
    input: imageToInput(grayImageAt(ds.images, first + i, ds.rows, ds.cols), input),
    label: ds.labels[first + i] % classes,
  }));
}

/** n uniformly random int8 images and labels from a seed. */
export function syntheticSamples(g: Graph, n: number, seed = 11): Sample[] {
  const rand = mulberry32(seed);
  const size = numel(g.tensors[g.input].shape);
  const classes = numel(g.tensors[g.logits].shape);
  return Array.from({ length: n }, () => ({
    input: Int8Array.from({ length: size }, () => Math.floor(rand() * 256) - 128),
    label: Math.floor(rand() * classes),
  }));
}
