/**
 * Node-only: the user's images from a folder of class subfolders or a .zip of one, decoded with the
 * pure-JS decoders pngjs and jpeg-js (the page decodes with createImageBitmap instead).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { listZipEntries, readZipEntry } from '../io/zip.ts';
import { loadImageFolder, type FileEntry, type FolderDataset } from './image-folder.ts';
import { readBinaryFile } from './node-files.ts';
import type { RawImage } from './preprocess.ts';

/** Decodes a PNG or JPEG by its signature (not its name); throws a short reason otherwise. */
export function decodeImageNode(bytes: Uint8Array): RawImage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    const png = PNG.sync.read(buf);
    return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), width: png.width, height: png.height, channels: 4 };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256 });
    return { data: img.data, width: img.width, height: img.height, channels: 4 };
  }
  throw new Error('neither a PNG nor a JPEG (unrecognised signature)');
}

function walk(root: string, dir: string, files: string[], dirs: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      dirs.push(relative(root, p).split(sep).join('/'));
      walk(root, p, files, dirs);
    } else files.push(p);
  }
}

/** A folder of class subfolders, or a .zip holding one. */
export async function loadImagesNode(path: string): Promise<FolderDataset> {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new Error(`${path}: no such file or folder`);
  }
  const entries: FileEntry[] = [];
  const dirs: string[] = [];
  if (st.isDirectory()) {
    const files: string[] = [];
    walk(path, path, files, dirs);
    for (const f of files) entries.push({ path: relative(path, f).split(sep).join('/'), bytes: readBinaryFile(f, 64 * 1024 * 1024) });
  } else {
    const bytes = readBinaryFile(path);
    for (const e of listZipEntries(bytes)) {
      if (e.name.endsWith('/')) dirs.push(e.name.slice(0, -1));
      else entries.push({ path: e.name, bytes: readZipEntry(bytes, e) });
    }
  }
  return loadImageFolder(entries, (b) => decodeImageNode(b), { dirs });
}
