/**
 * From labelled images to what the trainer reads: a deterministic train/validation(/test) split by seed,
 * checks that the set can train at all (at least two classes, none empty), and a SampleSource that
 * preprocesses each image to the model's int8 input once and caches it. Environment-neutral.
 */
import { show } from '../limits.ts';
import type { Graph } from '../ir/graph.ts';
import { InputError } from '../input-error.ts';
import type { Sample, SampleSource } from '../train/trainer.ts';
import { mulberry32 } from '../util/random.ts';
import type { ImageDataset } from './idx.ts';
import { grayImageAt, imageToInput, type RawImage } from './preprocess.ts';

/** A labelled image set of any origin (IDX files, a folder or zip of class subfolders, the shipped demo set). */
export interface LabeledImages {
  readonly count: number;
  readonly classNames: string[];
  image(i: number): RawImage;
  label(i: number): number;
}

export class DatasetError extends InputError {
  override name = 'DatasetError';
}

export function fromIdx(d: ImageDataset, classNames?: readonly string[]): LabeledImages {
  return {
    count: d.count,
    classNames: classNames ? [...classNames] : Array.from({ length: d.classes }, (_, i) => String(i)),
    image: (i) => grayImageAt(d.images, i, d.rows, d.cols),
    label: (i) => d.labels[i],
  };
}

/** Refuses a set that cannot train: fewer than two classes, or a class without images. */
export function checkTrainable(set: LabeledImages): void {
  const counts = new Array<number>(set.classNames.length).fill(0);
  for (let i = 0; i < set.count; i++) counts[set.label(i)]++;
  if (set.classNames.length < 2) {
    throw new DatasetError(`the dataset has ${set.classNames.length === 1 ? `only one class (${show(set.classNames[0])})` : 'no classes'}; training a classifier needs at least two`);
  }
  const empty = set.classNames.filter((_, c) => counts[c] === 0);
  if (empty.length) throw new DatasetError(`class ${empty.map((n) => show(n)).join(', ')} has no images`);
}

/**
 * A deterministic split: the indices are shuffled by `seed` within each class, and each class gives
 * its share to validation, test and train, so every split is balanced as the set is. `train`/`val`/
 * `test` are counts (capped by the set); by default 80% / 20% / none. Asking for a test split leaves
 * validation and train as they were without one only when the set has images to spare: the test
 * images come after the validation ones and before the training ones.
 */
export function splitBySeed(set: LabeledImages, opts: { seed: number; train?: number; val?: number; test?: number }): { train: number[]; val: number[]; test: number[] } {
  const rand = mulberry32(opts.seed);
  const byClass: number[][] = set.classNames.map(() => []);
  for (let i = 0; i < set.count; i++) byClass[set.label(i)].push(i);
  for (const list of byClass) {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
  }
  const nVal = Math.min(opts.val ?? Math.round(set.count * 0.2), set.count);
  const nTest = Math.min(opts.test ?? 0, set.count - nVal);
  const nTrain = Math.min(opts.train ?? set.count - nVal - nTest, set.count - nVal - nTest);
  // Interleave classes (round robin) so any prefix is balanced, then cut.
  const order: number[] = [];
  for (let r = 0; order.length < set.count; r++) for (const list of byClass) if (r < list.length) order.push(list[r]);
  return { val: order.slice(0, nVal), test: order.slice(nVal, nVal + nTest), train: order.slice(nVal + nTest, nVal + nTest + nTrain) };
}

/** The images at `indices`, preprocessed for the graph's input on first use and cached. */
export function sampleSource(set: LabeledImages, indices: number[], graph: Graph): SampleSource {
  const spec = graph.tensors[graph.input];
  const cache: (Sample | undefined)[] = new Array(indices.length);
  return {
    length: indices.length,
    get(i) {
      let s = cache[i];
      if (!s) cache[i] = s = { input: imageToInput(set.image(indices[i]), spec), label: set.label(indices[i]) };
      return s;
    },
  };
}
