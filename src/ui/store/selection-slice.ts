/** Which layer the properties panel shows, by node name (null: the model overview). */
import type { StateCreator } from 'zustand';
import type { LayerRow } from '../../engine/ir/summary.ts';
import type { StudioState } from './types.ts';

export interface SelectionSlice {
  selectedLayer: string | null;
  selectLayer(name: string | null): void;
  /** Moves the selection by `delta` rows of the layer table, clamped; from nothing, starts at an end. */
  moveSelection(delta: number): void;
  /** Selects the first (`'first'`) or last layer. */
  selectEdge(edge: 'first' | 'last'): void;
}

/** The selection to keep when the model changes: the same layer name if the new model has it. */
export function keptSelection(selected: string | null, layers: readonly LayerRow[]): string | null {
  return selected !== null && layers.some((l) => l.name === selected) ? selected : null;
}

export const createSelectionSlice: StateCreator<StudioState, [], [], SelectionSlice> = (set, get) => ({
  selectedLayer: null,
  selectLayer: (name) => set({ selectedLayer: name }),
  moveSelection: (delta) => {
    const layers = get().project.summary.layers;
    if (layers.length === 0) return;
    const at = layers.findIndex((l) => l.name === get().selectedLayer);
    const next = at < 0 ? (delta > 0 ? 0 : layers.length - 1) : Math.max(0, Math.min(layers.length - 1, at + delta));
    set({ selectedLayer: layers[next].name });
  },
  selectEdge: (edge) => {
    const layers = get().project.summary.layers;
    if (layers.length > 0) set({ selectedLayer: layers[edge === 'first' ? 0 : layers.length - 1].name });
  },
});
