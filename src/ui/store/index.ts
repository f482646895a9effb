/**
 * The app's one store, split in slices: project (the model and what the engine computed),
 * selection (the selected layer) and ui (tabs, error banner, drop overlay, busy state).
 * Components read it with selectors and call its actions; they never compute engine figures.
 */
import { create } from 'zustand';
import { createProjectSlice } from './project-slice.ts';
import { createSelectionSlice } from './selection-slice.ts';
import type { StudioState } from './types.ts';
import { createUiSlice } from './ui-slice.ts';

export const useStudio = create<StudioState>()((...a) => ({
  ...createUiSlice(...a),
  ...createSelectionSlice(...a),
  ...createProjectSlice(...a),
}));

export type { StudioState } from './types.ts';
