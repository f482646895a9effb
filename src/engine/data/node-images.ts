/**
 * Node-only: the user's images from a folder of class subfolders or a .zip of one, decoded with the
 * pure-JS decoders pngjs and jpeg-js (the page decodes with createImageBitmap instead).
 *
 * A folder is walked without leaving it: a symbolic link is followed only when its target lies
 * inside the folder (a link elsewhere, a dangling link or a link loop is skipped with a note, never
 * fatal), only regular files are read (each capped, all of them together capped), and only so many.
 * A zip is read with its entries' inflated sizes bounded across the archive (io/zip.ts).
 */
import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { InputError } from '../input-error.ts';
import { fsError, readUserFile } from '../io/node-file.ts';
import { readZipFiles } from '../io/zip.ts';
import { FILE_LIMITS, formatLimit, IMAGE_LIMITS } from '../limits.ts';
import { isJpeg, isPng } from './image-header.ts';
import { loadImageFolder, type FileEntry, type FolderDataset } from './image-folder.ts';
import type { RawImage } from './preprocess.ts';
import { DatasetError } from './samples.ts';

/**
 * Decodes a PNG or JPEG by its signature (not its name); throws an InputError with a short reason
 * otherwise. The decoders' own failures on corrupt data (a TypeError deep in jpeg-js, say) are said
 * as "corrupt", not passed on.
 */
export function decodeImageNode(bytes: Uint8Array): RawImage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = isPng(bytes) ? 'PNG' : isJpeg(bytes) ? 'JPEG' : null;
  if (!kind) throw new InputError('neither a PNG nor a JPEG (unrecognised signature)');
  try {
    if (kind === 'PNG') {
      const png = PNG.sync.read(buf);
      return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), width: png.width, height: png.height, channels: 4 };
    }
    const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: IMAGE_LIMITS.pixels / 1e6, maxMemoryUsageInMB: 512 });
    return { data: img.data, width: img.width, height: img.height, channels: 4 };
  } catch (e) {
    const own = e instanceof Error && !(e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError) && /^[\x20-\x7e]{1,120}$/.test(e.message);
    throw new InputError(`the ${kind} data is corrupt${own ? ` (${(e as Error).message})` : ''}`, { cause: e });
  }
}

interface Walk {
  root: string;
  realRoot: string;
  files: { rel: string; abs: string }[];
  dirs: string[];
  skipped: FolderDataset['skipped'];
  /** Folders entered (real paths), so a link back up cannot loop. */
  seen: Set<string>;
}

const rel = (w: Walk, p: string) => relative(w.root, p).split(sep).join('/');

function walk(w: Walk, dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw fsError(e, 'list dataset folder', dir);
  }
  for (const name of names) {
    const p = join(dir, name);
    let st: Stats;
    try {
      st = lstatSync(p);
      if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(p);
        } catch {
          w.skipped.push({ path: rel(w, p), reason: 'is a symbolic link to nothing (dangling)' });
          continue;
        }
        if (target !== w.realRoot && !target.startsWith(w.realRoot + sep)) {
          w.skipped.push({ path: rel(w, p), reason: 'is a symbolic link to outside the dataset folder' });
          continue;
        }
        st = statSync(target);
      }
    } catch (e) {
      throw fsError(e, 'read dataset folder entry', p);
    }
    if (st.isDirectory()) {
      const real = realpathSync(p);
      if (w.seen.has(real)) {
        w.skipped.push({ path: rel(w, p), reason: 'is a folder already read (a link loop?)' });
        continue;
      }
      w.seen.add(real);
      w.dirs.push(rel(w, p));
      walk(w, p);
    } else if (st.isFile()) {
      if (w.files.length >= IMAGE_LIMITS.files) throw new DatasetError(`dataset folder ${w.root} has more than the ${IMAGE_LIMITS.files} files allowed`);
      w.files.push({ rel: rel(w, p), abs: p });
    } else {
      w.skipped.push({ path: rel(w, p), reason: 'is not a regular file (a device, FIFO or socket)' });
    }
  }
}

/** A folder of class subfolders, or a .zip holding one. */
export async function loadImagesNode(path: string): Promise<FolderDataset> {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    throw fsError(e, 'open dataset', path);
  }
  const entries: FileEntry[] = [];
  const dirs: string[] = [];
  const skipped: FolderDataset['skipped'] = [];
  if (st.isDirectory()) {
    const realRoot = realpathSync(path);
    const w: Walk = { root: path, realRoot, files: [], dirs, skipped, seen: new Set([realRoot]) };
    walk(w, path);
    let total = 0;
    for (const f of w.files) {
      const bytes = readUserFile(f.abs, { what: 'image file', maxBytes: FILE_LIMITS.image });
      total += bytes.length;
      if (total > FILE_LIMITS.dataset) throw new DatasetError(`dataset folder ${path} holds more than the ${formatLimit(FILE_LIMITS.dataset)} a dataset may have (at ${f.rel})`);
      entries.push({ path: f.rel, bytes });
    }
  } else {
    const bytes = readUserFile(path, { what: 'dataset zip', maxBytes: FILE_LIMITS.dataset });
    const zip = readZipFiles(bytes, { maxTotalBytes: FILE_LIMITS.dataset, maxEntryBytes: FILE_LIMITS.image });
    for (const f of zip.files) entries.push({ path: f.name, bytes: f.bytes });
    dirs.push(...zip.dirs);
  }
  return loadImageFolder(entries, (b) => decodeImageNode(b), { dirs, skipped });
}
