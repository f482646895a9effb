/**
 * The user's images in the page: files from a folder picker (webkitdirectory) or a dropped .zip,
 * decoded with createImageBitmap and an OffscreenCanvas, into the job's structured-cloneable form.
 */
import { loadImageFolder, type FileEntry, type FolderDataset } from '../../engine/data/image-folder.ts';
import type { RawImage } from '../../engine/data/preprocess.ts';
import { readZipFiles } from '../../engine/io/zip.ts';
import { checkFileSize, FILE_LIMITS, IMAGE_LIMITS } from '../../engine/limits.ts';
import { DatasetError } from '../../engine/data/samples.ts';
import type { JobData } from '../../engine/train/train-job.ts';

export async function decodeInBrowser(bytes: Uint8Array): Promise<RawImage> {
  const bmp = await createImageBitmap(new Blob([bytes as BlobPart]));
  try {
    const canvas = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context');
    ctx.drawImage(bmp, 0, 0);
    const data = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
    return { data, width: bmp.width, height: bmp.height, channels: 4 };
  } finally {
    bmp.close();
  }
}

/**
 * Files from <input type="file" webkitdirectory> (their webkitRelativePath) or one .zip file, within
 * the engine's limits (limits.ts): sizes are known from the File objects before anything is read.
 */
export async function filesToEntries(files: File[]): Promise<FileEntry[]> {
  if (files.length > IMAGE_LIMITS.files) throw new DatasetError(`the folder has ${files.length} files, more than the ${IMAGE_LIMITS.files} a dataset may have`);
  if (files.length === 1 && /\.zip$/i.test(files[0].name)) {
    checkFileSize(files[0].name, files[0].size, FILE_LIMITS.dataset);
    const zip = readZipFiles(new Uint8Array(await files[0].arrayBuffer()), { maxTotalBytes: FILE_LIMITS.dataset, maxEntryBytes: FILE_LIMITS.image });
    return zip.files.map((f) => ({ path: f.name, bytes: f.bytes }));
  }
  const big = files.find((f) => f.size > FILE_LIMITS.image);
  if (big) checkFileSize(big.webkitRelativePath || big.name, big.size, FILE_LIMITS.image);
  checkFileSize('the folder', files.reduce((n, f) => n + f.size, 0), FILE_LIMITS.dataset);
  return Promise.all(files.map(async (f) => ({ path: f.webkitRelativePath || f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

export async function loadUserImages(files: File[]): Promise<{ data: JobData; dataset: FolderDataset }> {
  const dataset = await loadImageFolder(await filesToEntries(files), decodeInBrowser);
  const images = Array.from({ length: dataset.count }, (_, i) => dataset.image(i));
  const labels = Array.from({ length: dataset.count }, (_, i) => dataset.label(i));
  return { data: { kind: 'images', classNames: dataset.classNames, labels, images }, dataset };
}

let demoImages: Promise<Uint8Array> | null = null;

/** The shipped demo images (public/demo/fashion-demo.bin, 785 KB), fetched once. */
export function loadDemoImages(base = import.meta.env.BASE_URL): Promise<Uint8Array> {
  demoImages ??= fetch(`${base}demo/fashion-demo.bin`).then(async (r) => {
    if (!r.ok) throw new Error(`could not load demo/fashion-demo.bin (${r.status})`);
    return new Uint8Array(await r.arrayBuffer());
  });
  demoImages.catch(() => {
    demoImages = null;
  });
  return demoImages;
}

/** The shipped demo project: the project's own pretrained weights and the demo Fashion-MNIST subset (public/). */
export async function demoJobParts(base = import.meta.env.BASE_URL): Promise<{ model: Uint8Array; data: Uint8Array }> {
  const get = async (p: string) => {
    const r = await fetch(`${base}${p}`);
    if (!r.ok) throw new Error(`could not load ${p} (${r.status})`);
    return new Uint8Array(await r.arrayBuffer());
  };
  const [model, data] = await Promise.all([get('models/tinytrain-demo.ttw'), get('demo/fashion-demo.bin')]);
  return { model, data };
}
