/** Reads derived from the store by lookup only (no engine figure is recomputed here). */
import type { Graph, Node } from '../../engine/ir/graph.ts';
import type { LayerRow } from '../../engine/ir/summary.ts';
import { useStudio } from './index.ts';
import type { ModelOrigin } from './project-model.ts';

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

/** What the open model is called in the UI: the file name, or the zoo architecture's name. */
export function originLabel(origin: ModelOrigin): string {
  return origin.kind === 'file' ? origin.fileName : origin.arch;
}
