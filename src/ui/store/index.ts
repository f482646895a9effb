/**
 * The app's one store, split in slices: the document and what the engine compiled from it, with its
 * history (doc); model, scheme, target and architecture edits; projects; selection; view state.
 * Components read it with selectors and call its actions; they never compute engine figures.
 */
import { create } from 'zustand';
import { createArchSlice } from './arch-slice.ts';
import { createDocSlice } from './doc-slice.ts';
import { createProjectSlice } from './project-slice.ts';
import { createProjectsSlice } from './projects-slice.ts';
import { createSchemeSlice } from './scheme-slice.ts';
import { createSelectionSlice } from './selection-slice.ts';
import { createTargetSlice } from './target-slice.ts';
import type { StudioState } from './types.ts';
import { createUiSlice } from './ui-slice.ts';

export const useStudio = create<StudioState>()((...a) => ({
  ...createUiSlice(...a),
  ...createSelectionSlice(...a),
  ...createDocSlice(...a),
  ...createProjectSlice(...a),
  ...createSchemeSlice(...a),
  ...createTargetSlice(...a),
  ...createArchSlice(...a),
  ...createProjectsSlice(...a),
}));

export type { StudioState } from './types.ts';
