/** View state: the graph area's tab, the error banner, the drop overlay and what is in progress. */
import type { StateCreator } from 'zustand';
import type { StudioState } from './types.ts';

export type GraphTab = 'forward' | 'backward' | 'scheme';

/** One error the user must see (at most one at a time; a new one replaces it). */
export interface ErrorNotice {
  title: string;
  message: string;
}

export interface UiSlice {
  graphTab: GraphTab;
  error: ErrorNotice | null;
  /** True while files are dragged over the window. */
  dropActive: boolean;
  /** What the app is busy with, for the status bar ("Opening mcunet-5fps.pkl…"); null when idle. */
  busy: string | null;
  setGraphTab(tab: GraphTab): void;
  showError(error: ErrorNotice): void;
  dismissError(): void;
  setDropActive(active: boolean): void;
}

export const createUiSlice: StateCreator<StudioState, [], [], UiSlice> = (set) => ({
  graphTab: 'forward',
  error: null,
  dropActive: false,
  busy: null,
  setGraphTab: (graphTab) => set({ graphTab }),
  showError: (error) => set({ error }),
  dismissError: () => set({ error: null }),
  setDropActive: (dropActive) => set({ dropActive }),
});
