/**
 * The one place the app reads model files: everything about file formats stays in the engine.
 * Kept apart so that the rest of the UI does not depend on which readers exist.
 */
import { InputError } from '../engine/input-error.ts';
import type { Model } from '../engine/ir/graph.ts';
import { checkFileSize, FILE_LIMITS } from '../engine/limits.ts';
import { modelFromPkl } from '../engine/models/from-pkl.ts';
import { modelFromWeights } from '../engine/models/weights-file.ts';

/** What the file picker offers (`accept`) and what a drop is checked against. */
export const MODEL_FILE_EXTENSIONS = ['.pkl'] as const;

export function isModelFileName(fileName: string): boolean {
  const lower = fileName.toLowerCase();
  return MODEL_FILE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

export interface LoadOptions {
  resolution?: number;
  classes?: number;
  head?: 'float32' | 'int8';
}

/** A picked or dropped model file's bytes, refused by size before anything is read. */
export async function readModelFile(file: File): Promise<Uint8Array> {
  checkFileSize(file.name, file.size, FILE_LIMITS.model);
  return new Uint8Array(await file.arrayBuffer());
}

/** Reads a model file; throws an InputError whose message can be shown to the user as is. */
export function loadModelFile(fileName: string, bytes: Uint8Array, opts: LoadOptions = {}): Model {
  // The project's own weights (the shipped demo model): not offered by the picker, but the Analysis
  // tab opens it when it applies a scheme it measured on that model.
  if (fileName.toLowerCase().endsWith('.ttw')) return modelFromWeights(bytes, { fileName, ...opts });
  if (!isModelFileName(fileName)) {
    throw new InputError(`TinyTrain Studio opens ${MODEL_FILE_EXTENSIONS.join(', ')} model files (the paper's int8 models); this file has another type`);
  }
  return modelFromPkl(bytes, { fileName, ...opts });
}
