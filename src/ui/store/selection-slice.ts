/** What is selected: a layer (forward node, by name) and a kernel of the program (a step). */
import type { StateCreator } from 'zustand';
import type { LayerRow } from '../../engine/ir/summary.ts';
import type { StudioState } from './types.ts';

export interface SelectionSlice {
  selectedLayer: string | null;
  /** A kernel of the training program (backward graph, timeline, arena), by name. */
  selectedKernel: string | null;
  selectLayer(name: string | null): void;
  /** Selects a kernel and the forward node it comes from. */
  selectKernel(name: string | null): void;
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
  selectedKernel: null,
  selectLayer: (name) => set({ selectedLayer: name, selectedKernel: null }),
  selectKernel: (name) => {
    const k = name === null ? undefined : get().program.kernels.find((x) => x.name === name);
    const layers = get().project.summary.layers;
    set({
      selectedKernel: k ? k.name : null,
      selectedLayer: k && layers.some((l) => l.name === k.node) ? k.node : get().selectedLayer,
    });
  },
  moveSelection: (delta) => {
    const layers = get().project.summary.layers;
    if (layers.length === 0) return;
    const at = layers.findIndex((l) => l.name === get().selectedLayer);
    const next = at < 0 ? (delta > 0 ? 0 : layers.length - 1) : Math.max(0, Math.min(layers.length - 1, at + delta));
    set({ selectedLayer: layers[next].name, selectedKernel: null });
  },
  selectEdge: (edge) => {
    const layers = get().project.summary.layers;
    if (layers.length > 0) set({ selectedLayer: layers[edge === 'first' ? 0 : layers.length - 1].name, selectedKernel: null });
  },
});
