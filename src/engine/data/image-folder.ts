/**
 * The user's own images: a folder (or zip) with one subfolder per class, PNG or JPEG files inside.
 * Environment-neutral: the caller lists the files and supplies a decoder (createImageBitmap and an
 * OffscreenCanvas in the page, pngjs/jpeg-js in Node). An image that does not decode is skipped and
 * reported by name, never fatal on its own; an empty class folder or a single class is an error that
 * names the folder. Images are kept decoded and small (resized to at most `maxSide` on load).
 */
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

/** Class folders: the first path component, after stripping one common top folder (a zip of a folder). */
export function classFolders(paths: string[], dirs: string[] = []): { classOf: (p: string) => string | null; classes: string[] } {
  const visible = [...paths, ...dirs.map((d) => d.replace(/\/?$/, '/'))].filter((p) => !IGNORED.test(p));
  const tops = new Set(visible.map((p) => p.split('/')[0]));
  const strip = tops.size === 1 && visible.every((p) => p.split('/').length >= 3 || (p.endsWith('/') && p.split('/').length >= 2)) ? 1 : 0;
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
export async function loadImageFolder(files: FileEntry[], decode: ImageDecoder, opts: { dirs?: string[]; maxSide?: number } = {}): Promise<FolderDataset> {
  const maxSide = opts.maxSide ?? 256;
  const { classOf, classes } = classFolders(files.map((f) => f.path), opts.dirs);
  const skipped: FolderDataset['skipped'] = [];
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
    try {
      const img = await decode(f.bytes, f.path);
      if (!(img.width > 0 && img.height > 0)) throw new Error('the image is empty');
      images.push(shrink(img, maxSide));
      labels.push(classes.indexOf(cls));
    } catch (e) {
      skipped.push({ path: f.path, reason: `does not decode: ${(e as Error).message}` });
    }
  }
  if (classes.length === 0) throw new DatasetError('no class folders found: put the images in one subfolder per class (e.g. cats/1.png, dogs/2.jpg)');
  if (classes.length === 1) throw new DatasetError(`only one class folder ("${classes[0]}"): training a classifier needs at least two`);
  const counts = classes.map((_, c) => labels.filter((l) => l === c).length);
  const empty = classes.filter((_, c) => counts[c] === 0);
  if (empty.length) {
    const why = skipped.length ? ` (${skipped.length} file${skipped.length > 1 ? 's' : ''} skipped: ${skipped.slice(0, 3).map((s) => `${s.path} ${s.reason}`).join('; ')})` : '';
    throw new DatasetError(`class folder ${empty.map((c) => `"${c}"`).join(', ')} has no usable images${why}`);
  }
  return { count: images.length, classNames: classes, image: (i) => images[i], label: (i) => labels[i], skipped };
}

/** Downsizes an image whose larger side exceeds maxSide (bilinear), keeping 8-bit HWC. */
function shrink(img: RawImage, maxSide: number): RawImage {
  const side = Math.max(img.width, img.height);
  if (side <= maxSide && (img.layout ?? 'hwc') === 'hwc' && img.channels !== 4) return img;
  const f = Math.min(1, maxSide / side);
  const w = Math.max(1, Math.round(img.width * f)), h = Math.max(1, Math.round(img.height * f));
  const planes = resizeBilinear(img, h, w);
  const ch = Math.min(img.channels, 3);
  const data = new Uint8Array(w * h * ch);
  for (let c = 0; c < ch; c++) for (let p = 0; p < w * h; p++) data[p * ch + c] = Math.max(0, Math.min(255, Math.round(planes[c * w * h + p])));
  return { data, width: w, height: h, channels: ch, layout: 'hwc' };
}
