/** Resolves the `--scheme` argument: a built-in name or a scheme file (JSON). */
import { readFileSync } from 'node:fs';
import { builtinScheme, builtinSchemeNames } from '../engine/train/builtin-schemes.ts';
import { parseScheme, type Scheme } from '../engine/train/scheme.ts';
import { ZOO } from '../engine/models/zoo.ts';
import { UsageError } from './args.ts';

/** `convs` is the model's backbone conv count, for model-relative names (bias-only, full, last-k). */
export function loadScheme(spec: string, modelName: string, convs: number): Scheme {
  const paperModel = /^(.+)@\d+kb$/.exec(spec)?.[1];
  if (paperModel && ZOO[modelName] && paperModel !== modelName) {
    throw new UsageError(`--scheme "${spec}" was found for ${paperModel}, not ${modelName}; try ${builtinSchemeNames(modelName).join(', ')}`);
  }
  const builtin = builtinScheme(spec, convs);
  if (builtin) return builtin;
  if (/^[\w.-]+@\d+kb$|^last-\d+$|^(bias-only|head-only|full)$/.test(spec)) {
    throw new UsageError(`--scheme "${spec}" is not a built-in scheme for ${modelName}; try ${builtinSchemeNames(modelName).join(', ')}`);
  }
  let text: string;
  try {
    text = readFileSync(spec, 'utf8');
  } catch {
    throw new UsageError(`--scheme "${spec}" is neither a built-in scheme nor a readable JSON file`);
  }
  return parseScheme(text);
}
