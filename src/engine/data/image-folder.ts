/**
 * The user's own images: a folder (or zip) with one subfolder per class, PNG or JPEG files inside.
 * Environment-neutral: the caller lists the files and supplies a decoder (createImageBitmap and an
 * OffscreenCanvas in the page, pngjs/jpeg-js in Node). An image that does not decode is skipped and
 * reported by name, never fatal on its own; an empty class folder or a single class is an error that
 * names the folder. Images are kept decoded and small (resized to at most `maxSide` on load).
 *
 * Before any decoder runs, each image's dimensions come from its header and its file is checked to
 * be complete (image-header.ts): an image over the per-image limits, truncated or corrupt is skipped
 * with the reason; the whole set stays within a budget of decoded and of kept pixels (limits.ts).
 */
import { formatLimit, IMAGE_LIMITS, show } from '../limits.ts';
import { checkImageComplete, readImageHeader } from './image-header.ts';
import { DatasetError, type LabeledImages } from './samples.ts';
import { resizeBilinear, type RawImage } from './preprocess.ts';

export interface FileEntry {
  /** Path relative to the dataset root, '/'-separated: `<class>/<file>` (a single top folder is allowed above). */
  path: string;
  bytes: Uint8Array;
}

export type ImageDecoder = (bytes: Uint8Array, name: string) => Promise<RawImage> | RawImage;

export interface FolderDataset extends LabeledImages {
  /** Files that were skipped, with the reason (undecodable image, not an image, outside a class folder). */
  skipped: { path: string; reason: string }[];
}

const IMAGE = /\.(png|jpe?g)$/i;
const IGNORED = /(^|\/)(\.|__MACOSX\/)|Thumbs\.db$|desktop\.ini$/i;

/**
 * Class folders: the first path component, after stripping one common top folder (a zip of a
 * folder: every path under one top folder, and some of them deeper than a class folder; a file
 * directly in the top folder, such as a readme, is then skipped as outside any class folder).
 */
export function classFolders(paths: string[], dirs: string[] = []): { classOf: (p: string) => string | null; classes: string[] } {
  const visible = [...paths, ...dirs.map((d) => d.replace(/\/?$/, '/'))].filter((p) => !IGNORED.test(p));
  const tops = new Set(visible.map((p) => p.split('/')[0]));
  const strip = tops.size === 1 && paths.some((p) => !IGNORED.test(p) && p.split('/').length >= 3) ? 1 : 0;
  const classOf = (p: string) => {
    const parts = p.split('/').slice(strip);
    return parts.length >= 2 && parts[0] ? parts[0] : null;
  };
  const classes = [...new Set(visible.map(classOf).filter((c): c is string => !!c))].sort();
  return { classOf, classes };
}

/**
 * Decodes every image. `dirs` lists folders (so an empty class folder is seen); `maxSide` bounds the
 * stored size (images are resized on load to keep memory small; the model resize happens later).
 */
export async function loadImageFolder(files: FileEntry[], decode: ImageDecoder,
  opts: { dirs?: string[]; maxSide?: number; skipped?: FolderDataset['skipped'] } = {}): Promise<FolderDataset> {
  const maxSide = opts.maxSide ?? 256;
  if (files.length > IMAGE_LIMITS.files) throw new DatasetError(`the dataset has ${files.length} files, more than the ${IMAGE_LIMITS.files} allowed`);
  const { classOf, classes } = classFolders(files.map((f) => f.path), opts.dirs);
  const skipped: FolderDataset['skipped'] = [...(opts.skipped ?? [])];
  let decodedPixels = 0, keptPixels = 0;
  const images: RawImage[] = [];
  const labels: number[] = [];
  for (const f of files) {
    if (IGNORED.test(f.path)) continue;
    const cls = classOf(f.path);
    if (!cls) {
      skipped.push({ path: f.path, reason: 'not inside a class folder' });
      continue;
    }
    if (!IMAGE.test(f.path)) {
      skipped.push({ path: f.path, reason: 'not a PNG or JPEG file' });
      continue;
    }
    // Size from the header, the limits, then (before the costlier completeness check) the dataset's budget.
    let header;
    try {
      header = readImageHeader(f.bytes);
    } catch (e) {
      skipped.push({ path: f.path, reason: `does not decode: ${(e as Error).message}` });
      continue;
    }
    const { width: w, height: h } = header;
    const L = IMAGE_LIMITS;
    if (w > L.side || h > L.side || w * h > L.pixels) {
      skipped.push({ path: f.path, reason: `is ${w} x ${h} pixels, more than the ${L.side} per side and ${L.pixels.toLocaleString('en-US')} pixels an image may have` });
      continue;
    }
    decodedPixels += w * h;
    const kept = keptSize(w, h, maxSide);
    keptPixels += kept.w * kept.h;
    if (decodedPixels > L.datasetPixels || keptPixels > L.datasetKeptPixels) {
      throw new DatasetError(`the images up to ${show(f.path)} have more than the ${decodedPixels > L.datasetPixels
        ? `${L.datasetPixels.toLocaleString('en-US')} pixels a dataset may decode`
        : `${L.datasetKeptPixels.toLocaleString('en-US')} pixels (${formatLimit(3 * L.datasetKeptPixels)}) a dataset may keep`}`);
    }
    try {
      checkImageComplete(f.bytes, header);
    } catch (e) {
      skipped.push({ path: f.path, reason: `does not decode: ${(e as Error).message}` });
      continue;
    }
    try {
      const img = await decode(f.bytes, f.path);
      if (img.width !== header.width || img.height !== header.height) {
        throw new Error(`the decoder read ${img.width} x ${img.height} pixels, the header says ${header.width} x ${header.height}`);
      }
      images.push(shrink(img, maxSide));
      labels.push(classes.indexOf(cls));
    } catch (e) {
      skipped.push({ path: f.path, reason: `does not decode: ${(e as Error).message}` });
    }
  }
  if (classes.length === 0) throw new DatasetError('no class folders found: put the images in one subfolder per class (e.g. cats/1.png, dogs/2.jpg)');
  if (classes.length === 1) throw new DatasetError(`only one class folder (${show(classes[0])}): training a classifier needs at least two`);
  const counts = classes.map((_, c) => labels.filter((l) => l === c).length);
  const empty = classes.filter((_, c) => counts[c] === 0);
  if (empty.length) {
    const why = skipped.length ? ` (${skipped.length} file${skipped.length > 1 ? 's' : ''} skipped: ${skipped.slice(0, 3).map((s) => `${show(s.path)} ${s.reason}`).join('; ')})` : '';
    throw new DatasetError(`class folder ${empty.map((c) => show(c)).join(', ')} has no usable images${why}`);
  }
  return { count: images.length, classNames: classes, image: (i) => images[i], label: (i) => labels[i], skipped };
}

/** The size an image is kept at: its larger side at most maxSide. */
function keptSize(width: number, height: number, maxSide: number): { w: number; h: number } {
  const f = Math.min(1, maxSide / Math.max(width, height));
  return { w: Math.max(1, Math.round(width * f)), h: Math.max(1, Math.round(height * f)) };
}

/** Downsizes an image whose larger side exceeds maxSide (bilinear), keeping 8-bit HWC. */
function shrink(img: RawImage, maxSide: number): RawImage {
  const side = Math.max(img.width, img.height);
  if (side <= maxSide && (img.layout ?? 'hwc') === 'hwc' && img.channels !== 4) return img;
  const { w, h } = keptSize(img.width, img.height, maxSide);
  const planes = resizeBilinear(img, h, w);
  const ch = Math.min(img.channels, 3);
  const data = new Uint8Array(w * h * ch);
  for (let c = 0; c < ch; c++) for (let p = 0; p < w * h; p++) data[p * ch + c] = Math.max(0, Math.min(255, Math.round(planes[c * w * h + p])));
  return { data, width: w, height: h, channels: ch, layout: 'hwc' };
}
