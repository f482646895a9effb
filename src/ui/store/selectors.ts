/** Reads derived from the store by lookup only (no engine figure is recomputed here). */
import { useMemo } from 'react';
import type { Graph, Node } from '../../engine/ir/graph.ts';
import type { LayerRow } from '../../engine/ir/summary.ts';
import { DEMO_MODEL_NAME, isDemoOrigin } from '../demo/demo-model.ts';
import { useStudio } from './index.ts';
import type { ModelOrigin } from './project-model.ts';
import { schemePresetName } from './scheme-edits.ts';

export interface SelectedLayer {
  row: LayerRow;
  node: Node;
  graph: Graph;
}

/** The selected layer's summary row, graph node and graph, or null when nothing is selected. */
export function useSelectedLayer(): SelectedLayer | null {
  const name = useStudio((s) => s.selectedLayer);
  const project = useStudio((s) => s.project);
  if (name === null) return null;
  const row = project.summary.layers.find((l) => l.name === name);
  const node = project.model.graph.nodes.find((n) => n.name === name);
  return row && node ? { row, node, graph: project.model.graph } : null;
}

/** What the open model is called in the UI: the demo model's name, the file name, or the zoo architecture's name. */
export function originLabel(origin: ModelOrigin): string {
  if (isDemoOrigin(origin)) return DEMO_MODEL_NAME;
  return origin.kind === 'file' ? origin.fileName : origin.arch;
}

/** Where the open model's weights come from: 'demo' (pretrained by this project), 'file' (opened by the user) or 'synthetic' (a zoo architecture). */
export type WeightsKind = 'demo' | 'file' | 'synthetic';

export function weightsKind(origin: ModelOrigin): WeightsKind {
  return isDemoOrigin(origin) ? 'demo' : origin.kind === 'file' ? 'file' : 'synthetic';
}

/** One line on the model's weights, for the properties and the status bar. */
export const WEIGHTS_TEXT: Record<WeightsKind, string> = {
  demo: 'Real int8 weights, pretrained by this project (npm run pretrain)',
  file: 'Weights read from the opened model file',
  synthetic: 'Architecture only: synthetic int8 weights (memory and firmware are real; training it teaches nothing)',
};

/** The open scheme's built-in name (`last-6`, `mcunet-5fps@49kb`), or null for a custom one; recomputed only when the scheme or model changes. */
export function useSchemeName(): string | null {
  const scheme = useStudio((s) => s.doc.scheme);
  const model = useStudio((s) => s.project.model.graph.name);
  const convs = useStudio((s) => s.project.summary.convs);
  return useMemo(() => schemePresetName(scheme, model, convs), [scheme, model, convs]);
}
