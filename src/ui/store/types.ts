import type { ProjectSlice } from './project-slice.ts';
import type { SelectionSlice } from './selection-slice.ts';
import type { UiSlice } from './ui-slice.ts';

/** The whole app state: one zustand store made of three slices. */
export type StudioState = ProjectSlice & SelectionSlice & UiSlice;
