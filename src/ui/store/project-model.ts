/**
 * Builds what the project shows from a model origin: the engine's graph and params, its summary and
 * its parameter bytes. Pure; throws the engine's error (bad resolution, bad file) unchanged.
 */
import type { Model } from '../../engine/ir/graph.ts';
import { paramBytes, type ParamBytes } from '../../engine/ir/param-bytes.ts';
import { summarize, type GraphSummary } from '../../engine/ir/summary.ts';
import type { ArchSpec } from '../../engine/models/arch.ts';
import { buildGraph, type HeadKind } from '../../engine/models/build.ts';
import { syntheticParams } from '../../engine/models/synthetic.ts';
import { withArch } from '../../engine/models/weights-file.ts';
import { zooArch } from '../../engine/models/zoo.ts';
import { loadModelFile } from '../load-model-file.ts';

/**
 * Where the open model comes from. A file keeps its bytes so it can be rebuilt at another resolution;
 * a zoo architecture edited in the app carries its edited spec.
 */
export type ModelOrigin =
  | { kind: 'zoo'; arch: string; spec?: ArchSpec }
  | { kind: 'file'; fileName: string; bytes: Uint8Array };

export interface ModelShape {
  resolution: number;
  classes: number;
}

/** The open model and what the engine computed about it. */
export interface ProjectModel {
  origin: ModelOrigin;
  shape: ModelShape;
  model: Model;
  summary: GraphSummary;
  paramBytes: ParamBytes;
  /** The classifier head the graph was built with (the scheme decides it). */
  head: HeadKind;
}

export const SYNTHETIC_SOURCE = 'synthetic weights';

export function buildProjectModel(origin: ModelOrigin, shape: ModelShape, head: HeadKind = 'float32'): ProjectModel {
  let model: Model;
  if (origin.kind === 'zoo') {
    const arch = origin.spec ?? zooArch(origin.arch);
    // With its architecture, so the model saves as a .ttw (the board's weights loaded into it).
    const graph = withArch(buildGraph(arch, { ...shape, head }), arch);
    model = { graph, params: syntheticParams(graph), source: SYNTHETIC_SOURCE };
  } else {
    model = loadModelFile(origin.fileName, origin.bytes, { ...shape, head });
  }
  const summary = summarize(model.graph);
  return {
    origin,
    // What was actually built (a file may fix its own input size).
    shape: { resolution: summary.inputShape[1], classes: summary.classes },
    model,
    summary,
    paramBytes: paramBytes(model.graph),
    head,
  };
}

/** The input size a zoo architecture opens at: the paper's 128x128. */
export const ZOO_RESOLUTION = 128;
