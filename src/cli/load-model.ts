/** Resolves the `--model` argument: a zoo name, or a path to one of the paper's .pkl model files. */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Model } from '../engine/ir/graph.ts';
import { buildGraph, type HeadKind } from '../engine/models/build.ts';
import { modelFromPkl } from '../engine/models/from-pkl.ts';
import { syntheticParams } from '../engine/models/synthetic.ts';
import { ZOO, ZOO_NAMES } from '../engine/models/zoo.ts';
import { UsageError } from './args.ts';

const MAX_MODEL_FILE = 64 * 1024 * 1024;

export function loadModel(spec: string, resolution: number, classes: number, head: HeadKind = 'float32'): Model {
  if (ZOO[spec]) {
    const graph = buildGraph(ZOO[spec], { resolution, classes, head });
    return { graph, params: syntheticParams(graph), source: `${spec} (synthetic weights)` };
  }
  let size: number;
  try {
    size = statSync(spec).size;
  } catch {
    throw new UsageError(`--model "${spec}" is neither a zoo model (${ZOO_NAMES.join(', ')}) nor a readable file`);
  }
  if (size > MAX_MODEL_FILE) throw new UsageError(`model file "${spec}" is ${size} bytes, more than the 64 MB a model file may have`);
  return modelFromPkl(new Uint8Array(readFileSync(spec)), { fileName: basename(spec), resolution, classes, head });
}
