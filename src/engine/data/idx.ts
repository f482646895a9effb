/**
 * IDX files (the MNIST format), plain or gzip-compressed. Environment-neutral: bytes in, typed
 * arrays out, no file system, so the same parser serves the browser (file picker) and Node.
 *
 * Layout (all integers big-endian): two zero bytes, a type byte (0x08 = unsigned byte, the only type
 * used by MNIST-like data sets and the only one read here), a byte with the number of dimensions,
 * then one uint32 per dimension, then the values in row-major order. Images are magic 0x00000803
 * ([n, rows, cols] uint8), labels 0x00000801 ([n] uint8).
 *
 * Every problem is an IdxError whose message names the file and what is wrong with it.
 */
import { gunzipSync } from 'fflate';
import { InputError } from '../input-error.ts';
import { crc32 } from '../io/zip.ts';

export class IdxError extends InputError {
  override name = 'IdxError';
}

/** Default limit of the decompressed size of a gzip-compressed IDX file (MNIST's train images are 47 MB). */
export const DEFAULT_MAX_IDX_BYTES = 256 * 1024 * 1024;

/** Deflate cannot expand data by more than about 1032:1; a larger claim is a forged size. */
const MAX_DEFLATE_RATIO = 1032;

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double',
};

export interface IdxArray {
  /** Dimensions, outermost first. */
  dims: number[];
  /** The values (type 0x08, unsigned bytes), a view into the (decompressed) file. */
  data: Uint8Array;
}

export interface IdxImages {
  images: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** A labelled set of grayscale images, as loaded from a pair of IDX files. */
export interface ImageDataset extends IdxImages {
  /** Image i is `images.subarray(i * rows * cols, (i + 1) * rows * cols)`, row-major, 0 = black. */
  labels: Uint8Array;
  classes: number;
}

export interface IdxOptions {
  /** Upper bound of the decompressed size of a gzip file (default 256 MB). */
  maxBytes?: number;
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses a gzip file into a buffer of exactly its declared size (the footer's ISIZE), refusing
 * a declared size above `maxBytes` before allocating anything, and checks the footer's CRC-32, so a
 * truncated, corrupt or lying file is an error rather than silently short data.
 */
export function gunzipBounded(bytes: Uint8Array, fileName: string, maxBytes = DEFAULT_MAX_IDX_BYTES): Uint8Array {
  if (!isGzip(bytes)) throw new IdxError(`${fileName}: not a gzip file (no 1f 8b signature)`);
  if (bytes.length < 18) throw new IdxError(`${fileName}: gzip file of ${bytes.length} bytes is truncated (a gzip file has at least 18)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const crc = dv.getUint32(bytes.length - 8, true);
  const size = dv.getUint32(bytes.length - 4, true);
  if (size > bytes.length * MAX_DEFLATE_RATIO) {
    throw new IdxError(`${fileName}: gzip file claims ${size} bytes from ${bytes.length} compressed bytes, impossible for deflate (truncated or corrupt)`);
  }
  if (size > maxBytes) {
    throw new IdxError(`${fileName}: gzip file declares ${size} decompressed bytes, more than the ${maxBytes}-byte limit`);
  }
  // One spare byte: fflate never grows a caller-provided buffer, so a filled spare byte means the
  // stream holds more data than the footer declares.
  let out: Uint8Array;
  try {
    out = gunzipSync(bytes, { out: new Uint8Array(size + 1) });
  } catch (e) {
    throw new IdxError(`${fileName}: cannot decompress (truncated or corrupt gzip data): ${(e as Error).message}`, { cause: e });
  }
  if (out.length !== size) {
    const got = out.length > size ? `more than ${size}` : `${out.length}`;
    throw new IdxError(`${fileName}: gzip data decompresses to ${got} bytes but the footer declares ${size} (truncated or corrupt)`);
  }
  const actual = crc32(out);
  if (actual !== crc) throw new IdxError(`${fileName}: gzip CRC mismatch, computed ${hex(actual)}, footer says ${hex(crc)} (corrupt file)`);
  return out;
}

/** Parses an IDX file of unsigned bytes (gzip-compressed or not) into its dimensions and values. */
export function parseIdx(bytes: Uint8Array, fileName = 'IDX file', opts: IdxOptions = {}): IdxArray {
  return parseRaw(isGzip(bytes) ? gunzipBounded(bytes, fileName, opts.maxBytes) : bytes, fileName);
}

/** The IDX structure of uncompressed bytes. */
function parseRaw(raw: Uint8Array, fileName: string): IdxArray {
  if (raw.length < 4) throw new IdxError(`${fileName}: ${raw.length} bytes is too short for an IDX header (truncated or empty file)`);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = dv.getUint32(0, false);
  const type = raw[2], ndim = raw[3];
  if (raw[0] !== 0 || raw[1] !== 0) throw new IdxError(`${fileName}: bad magic number ${hex(magic)}: not an IDX file (it must start with two zero bytes)`);
  if (type !== 0x08) {
    const what = TYPE_NAMES[type] ? `${TYPE_NAMES[type]} (0x${type.toString(16).padStart(2, '0')})` : `unknown (0x${type.toString(16).padStart(2, '0')})`;
    throw new IdxError(`${fileName}: magic ${hex(magic)}: data type ${what} is not supported, only unsigned bytes (0x08)`);
  }
  if (ndim < 1) throw new IdxError(`${fileName}: magic ${hex(magic)} declares 0 dimensions`);
  const header = 4 + 4 * ndim;
  if (raw.length < header) throw new IdxError(`${fileName}: truncated header: ${ndim} dimensions need ${header} bytes, the file has ${raw.length}`);
  const dims: number[] = [];
  let n = 1;
  for (let i = 0; i < ndim; i++) {
    const d = dv.getUint32(4 + 4 * i, false);
    dims.push(d);
    n *= d;
  }
  const available = raw.length - header;
  if (n > available) {
    throw new IdxError(`${fileName}: declares ${dims.join(' x ')} = ${n} values but only ${available} bytes follow the header (truncated file or wrong count)`);
  }
  if (n < available) {
    throw new IdxError(`${fileName}: declares ${dims.join(' x ')} = ${n} values but ${available} bytes follow the header (${available - n} extra bytes)`);
  }
  return { dims, data: raw.subarray(header, header + n) };
}

function wrongMagic(fileName: string, got: number, magic: number, what: string): string {
  const hint = got === IDX_IMAGES_MAGIC ? ' (that is an image file)' : got === IDX_LABELS_MAGIC ? ' (that is a label file)'
    : got >>> 16 !== 0 ? ' (not an IDX file)' : '';
  return `${fileName}: wrong magic number ${hex(got)}${hint}, expected ${hex(magic)} for ${what}`;
}

function parseIdxAs(bytes: Uint8Array, fileName: string, magic: number, what: string, opts: IdxOptions): IdxArray {
  const raw = isGzip(bytes) ? gunzipBounded(bytes, fileName, opts.maxBytes) : bytes;
  if (raw.length >= 4) {
    const m = new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0, false);
    if (m !== magic) throw new IdxError(wrongMagic(fileName, m, magic, what));
  }
  return parseRaw(raw, fileName);
}

/** An IDX image file: magic 0x00000803, uint8 [count, rows, cols]. */
export function parseIdxImages(bytes: Uint8Array, fileName = 'IDX image file', opts: IdxOptions = {}): IdxImages {
  const { dims, data } = parseIdxAs(bytes, fileName, IDX_IMAGES_MAGIC, 'uint8 images [n, rows, cols]', opts);
  const [count, rows, cols] = dims;
  if (rows < 1 || cols < 1) throw new IdxError(`${fileName}: images of ${rows} x ${cols} pixels are empty`);
  return { images: data, count, rows, cols };
}

/** An IDX label file: magic 0x00000801, uint8 [count]. */
export function parseIdxLabels(bytes: Uint8Array, fileName = 'IDX label file', opts: IdxOptions = {}): Uint8Array {
  return parseIdxAs(bytes, fileName, IDX_LABELS_MAGIC, 'uint8 labels [n]', opts).data;
}

export interface DatasetNames {
  imagesName?: string;
  labelsName?: string;
  /** Number of classes; every label must be below it (default 10). */
  classes?: number;
  maxBytes?: number;
}

/** Pairs an image file with its label file, checking that the counts agree and the labels are in range. */
export function datasetFromIdx(imageBytes: Uint8Array, labelBytes: Uint8Array, names: DatasetNames = {}): ImageDataset {
  const imagesName = names.imagesName ?? 'IDX image file', labelsName = names.labelsName ?? 'IDX label file';
  const classes = names.classes ?? 10;
  const img = parseIdxImages(imageBytes, imagesName, { maxBytes: names.maxBytes });
  const labels = parseIdxLabels(labelBytes, labelsName, { maxBytes: names.maxBytes });
  if (labels.length !== img.count) {
    throw new IdxError(`${labelsName}: has ${labels.length} labels but ${imagesName} has ${img.count} images`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes) throw new IdxError(`${labelsName}: label ${labels[i]} of item ${i} is not below the ${classes} classes`);
  }
  return { ...img, labels, classes };
}
