/** Resolves the `--scheme` argument: a built-in name or a scheme file (JSON, at most 1 MB, a BOM accepted). */
import { within } from '../engine/input-error.ts';
import { readUserText } from '../engine/io/node-file.ts';
import { FILE_LIMITS } from '../engine/limits.ts';
import { isZooName } from '../engine/models/zoo.ts';
import { builtinScheme, builtinSchemeNames } from '../engine/train/builtin-schemes.ts';
import { parseScheme, type Scheme } from '../engine/train/scheme.ts';
import { UsageError } from './args.ts';

/**
 * `convs` is the model's backbone conv count, for model-relative names (bias-only, full, last-k):
 * the model is resolved first, so a missing model file is blamed on --model, not on the scheme.
 */
export function loadScheme(spec: string, modelName: string, convs: number): Scheme {
  const paperModel = /^(.+)@\d+kb$/.exec(spec)?.[1];
  if (paperModel && isZooName(modelName) && paperModel !== modelName) {
    throw new UsageError(`--scheme "${spec}" was found for ${paperModel}, not ${modelName}; try ${builtinSchemeNames(modelName).join(', ')}`);
  }
  const builtin = builtinScheme(spec, convs);
  if (builtin) return builtin;
  if (/^[\w.-]+@\d+kb$|^last-\d+$|^(bias-only|head-only|full)$/.test(spec)) {
    throw new UsageError(`--scheme "${spec}" is not a built-in scheme for ${modelName}; try ${builtinSchemeNames(modelName).join(', ')}`);
  }
  let text: string;
  try {
    text = readUserText(spec, { what: 'scheme file', maxBytes: FILE_LIMITS.scheme });
  } catch (e) {
    if ((e as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') {
      throw new UsageError(`--scheme "${spec}" is neither a built-in scheme nor a readable JSON file`);
    }
    throw e;
  }
  return within(`scheme file ${spec}`, () => parseScheme(text));
}
