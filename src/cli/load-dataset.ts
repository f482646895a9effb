/** Resolves the `--dataset` argument: mnist, fashion-mnist, demo (the shipped set), or a folder / .zip of class subfolders. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, loadFashionMnist, loadMnist } from '../engine/data/datasets.ts';
import { loadDemoDataset } from '../engine/data/demo-dataset.ts';
import { loadImagesNode } from '../engine/data/node-images.ts';
import { readBinaryFile } from '../engine/data/node-files.ts';
import { checkTrainable, fromIdx, type LabeledImages } from '../engine/data/samples.ts';
import { UsageError } from './args.ts';
import { term } from './output.ts';

export const DEMO_DATA = fileURLToPath(new URL('../../public/demo/fashion-demo.bin', import.meta.url));

export async function loadDataset(spec: string): Promise<{ set: LabeledImages; note: string }> {
  let set: LabeledImages;
  let note = '';
  if (spec === 'mnist') set = fromIdx(loadMnist('train'));
  else if (spec === 'fashion-mnist' || spec === 'fashion') {
    if (!existsSync(FASHION_MNIST_DIR)) throw new UsageError(`Fashion-MNIST is not installed at ${FASHION_MNIST_DIR} (Debian package dataset-fashion-mnist)`);
    set = fromIdx(loadFashionMnist(undefined, 'train'), FASHION_MNIST_CLASSES);
  } else if (spec === 'demo') set = loadDemoDataset(readBinaryFile(DEMO_DATA));
  else if (existsSync(spec)) {
    const f = await loadImagesNode(spec);
    if (f.skipped.length) note = `${f.skipped.length} file(s) skipped: ${f.skipped.slice(0, 5).map((s) => `${term(s.path)} (${s.reason})`).join('; ')}`;
    set = f;
  } else throw new UsageError(`--dataset "${spec}" is not mnist, fashion-mnist, demo, or an existing folder or .zip of class subfolders`);
  checkTrainable(set);
  return { set, note };
}
