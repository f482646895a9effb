import type { ArchSlice } from './arch-slice.ts';
import type { DocSlice } from './doc-slice.ts';
import type { ProjectSlice } from './project-slice.ts';
import type { ProjectsSlice } from './projects-slice.ts';
import type { SchemeSlice } from './scheme-slice.ts';
import type { SelectionSlice } from './selection-slice.ts';
import type { TargetSlice } from './target-slice.ts';
import type { UiSlice } from './ui-slice.ts';

/** The whole app state: one zustand store made of slices. */
export type StudioState = DocSlice & ProjectSlice & SchemeSlice & TargetSlice & ArchSlice & ProjectsSlice & SelectionSlice & UiSlice;
