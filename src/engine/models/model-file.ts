/**
 * The model files the studio opens, in one place: the paper's .pkl files, int8 .tflite models of the
 * inverted-bottleneck family and the project's own .ttw weights. The kind is read off the bytes (a
 * .ttw starts with TTW1, a .tflite has TFL3 at byte 4, a .pkl is a zip), so a renamed file still
 * opens with the right reader; the name only decides what the file picker offers.
 */
import { InputError } from '../input-error.ts';
import type { Model } from '../ir/graph.ts';
import { FILE_IDENTIFIER } from '../tflite/schema.ts';
import type { HeadKind } from './build.ts';
import { modelFromPkl } from './from-pkl.ts';
import { modelFromTflite } from './from-tflite.ts';
import { hasArch, isWeightsFile, modelFromWeights } from './weights-file.ts';

export type ModelFileKind = 'pkl' | 'tflite' | 'ttw';

/** What the file picker offers and a drop is checked against (the .ttw is the project's own, opened through projects). */
export const MODEL_FILE_EXTENSIONS = ['.pkl', '.tflite'] as const;

export function isModelFileName(fileName: string): boolean {
  const lower = fileName.toLowerCase();
  return MODEL_FILE_EXTENSIONS.some((ext) => lower.endsWith(ext)) || lower.endsWith('.ttw');
}

export function isTfliteFile(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && String.fromCharCode(...bytes.subarray(4, 8)) === FILE_IDENTIFIER;
}

/** The reader a file needs, from its first bytes. */
export function modelFileKind(bytes: Uint8Array): ModelFileKind {
  if (isWeightsFile(bytes)) return 'ttw';
  if (isTfliteFile(bytes)) return 'tflite';
  return 'pkl';
}

export interface ModelFileOptions {
  resolution?: number;
  classes?: number;
  head?: HeadKind;
}

/** Reads a model file of any kind; refusals are InputErrors naming the file and the field. */
export function modelFromFile(fileName: string, bytes: Uint8Array, opts: ModelFileOptions = {}): Model {
  if (!isModelFileName(fileName)) {
    throw new InputError(`${fileName}: TinyTrain Studio opens ${MODEL_FILE_EXTENSIONS.join(' and ')} model files (the paper's int8 models, int8 TensorFlow Lite models); this file has another type`);
  }
  const kind = modelFileKind(bytes);
  if (kind === 'ttw') return modelFromWeights(bytes, { fileName, ...opts });
  if (kind === 'tflite') return modelFromTflite(bytes, { fileName, ...opts });
  return modelFromPkl(bytes, { fileName, ...opts });
}

/**
 * A general graph's input size (height), fixed by its file; undefined for the family's models, which
 * open at any resolution. The analysis and the CLI default to it rather than to a size it refuses.
 */
export function fixedInputSize(fileName: string, bytes: Uint8Array): number | undefined {
  if (modelFileKind(bytes) !== 'tflite') return undefined;
  const g = modelFromFile(fileName, bytes).graph;
  return hasArch(g) ? undefined : g.tensors[g.input].shape[1];
}
