/**
 * The one place the app reads model files: everything about file formats stays in the engine
 * (models/model-file.ts). Kept apart so that the rest of the UI does not depend on which readers exist.
 */
import type { Model } from '../engine/ir/graph.ts';
import { checkFileSize, FILE_LIMITS } from '../engine/limits.ts';
import { modelFromFile, type ModelFileOptions } from '../engine/models/model-file.ts';

export { isModelFileName, MODEL_FILE_EXTENSIONS } from '../engine/models/model-file.ts';

export type LoadOptions = ModelFileOptions;

/** A picked or dropped model file's bytes, refused by size before anything is read. */
export async function readModelFile(file: File): Promise<Uint8Array> {
  checkFileSize(file.name, file.size, FILE_LIMITS.model);
  return new Uint8Array(await file.arrayBuffer());
}

/** Reads a model file; throws an InputError whose message can be shown to the user as is. */
export function loadModelFile(fileName: string, bytes: Uint8Array, opts: LoadOptions = {}): Model {
  return modelFromFile(fileName, bytes, opts);
}
