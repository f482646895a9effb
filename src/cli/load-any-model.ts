/**
 * `--model` for the train and grad verbs: also the project's own weights files (.ttw) and the demo
 * model by name (`tinytrain-demo`, public/models/tinytrain-demo.ttw); everything else goes to
 * load-model.ts. (Suggested to move into load-model.ts so every verb accepts them.)
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backboneConvs, type Model } from '../engine/ir/graph.ts';
import type { HeadKind } from '../engine/models/build.ts';
import { readBinaryFile } from '../engine/data/node-files.ts';
import { isWeightsFile, modelFromWeights, withArch } from '../engine/models/weights-file.ts';
import { ZOO } from '../engine/models/zoo.ts';
import { loadModel } from './load-model.ts';
import { zooConvCount } from './load-scheme.ts';

export const DEMO_MODEL = fileURLToPath(new URL('../../public/models/tinytrain-demo.ttw', import.meta.url));

function weightsPath(spec: string): string | null {
  if (spec === 'tinytrain-demo') return DEMO_MODEL;
  if (spec.endsWith('.ttw') && existsSync(spec)) return spec;
  return null;
}

export function loadAnyModel(spec: string, resolution: number, classes: number, head: HeadKind = 'float32'): Model {
  const path = weightsPath(spec);
  if (!path) {
    const m = loadModel(spec, resolution, classes, head);
    // Zoo models carry their architecture so trained weights can be saved as .ttw.
    return ZOO[spec] ? { ...m, graph: withArch(m.graph, ZOO[spec]) } : m;
  }
  const bytes = readBinaryFile(path);
  if (!isWeightsFile(bytes)) throw new Error(`${path} is not a TinyTrain weights file`);
  return modelFromWeights(bytes, { resolution, classes, head, fileName: basename(path) });
}

/** The backbone conv count, for model-relative scheme names. */
export function convCountOf(spec: string, resolution: number, classes: number): number {
  return zooConvCount(spec) ?? backboneConvs(loadAnyModel(spec, resolution, classes).graph).length;
}
