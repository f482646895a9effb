/**
 * Resolves the `--model` argument for every verb: a zoo name (synthetic weights), the shipped demo
 * model `tinytrain-demo`, the project's own weights files (.ttw), or one of the paper's .pkl files.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backboneConvs, type Model } from '../engine/ir/graph.ts';
import { buildGraph, type HeadKind } from '../engine/models/build.ts';
import { modelFromPkl } from '../engine/models/from-pkl.ts';
import { syntheticParams } from '../engine/models/synthetic.ts';
import { isWeightsFile, modelFromWeights, withArch } from '../engine/models/weights-file.ts';
import { ZOO, ZOO_NAMES } from '../engine/models/zoo.ts';
import { convCount } from '../engine/models/arch.ts';
import { UsageError } from './args.ts';

const MAX_MODEL_FILE = 64 * 1024 * 1024;
export const DEMO_MODEL = fileURLToPath(new URL('../../public/models/tinytrain-demo.ttw', import.meta.url));

export function loadModel(spec: string, resolution: number, classes: number, head: HeadKind = 'float32'): Model {
  if (ZOO[spec]) {
    // Zoo models carry their architecture so trained weights can be saved as .ttw.
    const graph = withArch(buildGraph(ZOO[spec], { resolution, classes, head }), ZOO[spec]);
    return { graph, params: syntheticParams(graph), source: `${spec} (synthetic weights)` };
  }
  const path = spec === 'tinytrain-demo' ? DEMO_MODEL : spec;
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UsageError(`--model "${spec}" is neither a zoo model (${ZOO_NAMES.join(', ')}, tinytrain-demo) nor a readable file`);
  }
  if (size > MAX_MODEL_FILE) throw new UsageError(`model file "${spec}" is ${size} bytes, more than the 64 MB a model file may have`);
  const bytes = new Uint8Array(readFileSync(path));
  if (isWeightsFile(bytes)) return modelFromWeights(bytes, { resolution, classes, head, fileName: basename(path) });
  if (path.endsWith('.ttw')) throw new UsageError(`${path} is not a TinyTrain weights file`);
  return modelFromPkl(bytes, { fileName: basename(path), resolution, classes, head });
}

/** The model's backbone conv count, for model-relative scheme names (bias-only, full, last-k). */
export function convCountOf(spec: string, resolution: number, classes: number): number {
  if (ZOO[spec]) return convCount(ZOO[spec]);
  return existsSync(spec) || spec === 'tinytrain-demo' ? backboneConvs(loadModel(spec, resolution, classes).graph).length : 0;
}
