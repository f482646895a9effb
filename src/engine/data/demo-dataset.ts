/**
 * The small demo dataset shipped in public/demo: a compact binary of 28x28 grayscale images with
 * labels and class names (written by scripts/pretrain.ts from Fashion-MNIST, MIT licence).
 * Layout (little-endian): "TTDS" magic, uint32 version 1, uint32 count, uint16 rows, uint16 cols,
 * uint32 length of a UTF-8 JSON array of class names, the JSON, count label bytes, count*rows*cols pixels.
 */
import { parseJsonText } from '../io/json.ts';
import { ARCH_LIMITS } from '../limits.ts';
import { DatasetError, type LabeledImages } from './samples.ts';

const MAGIC = 0x53445454; // "TTDS"

export function encodeDemoDataset(images: Uint8Array, labels: Uint8Array, rows: number, cols: number, classNames: string[]): Uint8Array {
  const names = new TextEncoder().encode(JSON.stringify(classNames));
  const n = labels.length;
  const out = new Uint8Array(20 + names.length + n + n * rows * cols);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, 1, true);
  dv.setUint32(8, n, true);
  dv.setUint16(12, rows, true);
  dv.setUint16(14, cols, true);
  dv.setUint32(16, names.length, true);
  out.set(names, 20);
  out.set(labels, 20 + names.length);
  out.set(images.subarray(0, n * rows * cols), 20 + names.length + n);
  return out;
}

export function loadDemoDataset(bytes: Uint8Array): LabeledImages {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 20 || dv.getUint32(0, true) !== MAGIC) throw new DatasetError('the demo dataset file is not a TinyTrain dataset (bad magic)');
  const n = dv.getUint32(8, true), rows = dv.getUint16(12, true), cols = dv.getUint16(14, true), nl = dv.getUint32(16, true);
  if (20 + nl + n + n * rows * cols > bytes.length) throw new DatasetError('the demo dataset file is truncated');
  if (rows < 1 || cols < 1) throw new DatasetError(`the demo dataset's images are ${rows} x ${cols}`);
  const classNames = parseJsonText(new TextDecoder().decode(bytes.subarray(20, 20 + nl)), 'the demo dataset\'s class names');
  if (!Array.isArray(classNames) || classNames.length > ARCH_LIMITS.classes.max || !classNames.every((c) => typeof c === 'string')) {
    throw new DatasetError('the demo dataset\'s class names must be a list of texts');
  }
  const labels = bytes.subarray(20 + nl, 20 + nl + n);
  const bad = labels.findIndex((l) => l >= classNames.length);
  if (bad >= 0) throw new DatasetError(`the demo dataset's image ${bad} has label ${labels[bad]}, but there are ${classNames.length} classes`);
  const px = bytes.subarray(20 + nl + n);
  const size = rows * cols;
  return {
    count: n, classNames,
    image: (i) => ({ data: px.subarray(i * size, (i + 1) * size), width: cols, height: rows, channels: 1 }),
    label: (i) => labels[i],
  };
}
