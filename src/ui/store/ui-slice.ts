/** View state: tabs, graph view options, the error banner, notices, the drop overlay, busy state, the firmware dialog. */
import type { StateCreator } from 'zustand';
import type { ForwardArrangement } from '../graph/forward-layout.ts';
import type { ColourBy } from '../graph/node-colour.ts';
import type { StudioState } from './types.ts';

export type GraphTab = 'forward' | 'backward' | 'layers' | 'scheme' | 'compare' | 'train' | 'analysis' | 'step';
export type MemoryView = 'timeline' | 'arena';

/** One error the user must see (at most one at a time; a new one replaces it). */
export interface ErrorNotice {
  title: string;
  message: string;
}

/** An edit that changed more than it was asked to: its undo label and the other changes, in words. */
export interface EditNotice {
  label: string;
  changes: string[];
  seq: number;
}

export interface UiSlice {
  graphTab: GraphTab;
  memoryView: MemoryView;
  /** Backward graph: show the ops the scheme prunes, greyed. */
  showPruned: boolean;
  /** Forward graph: blocks drawn as one node. */
  collapsedBlocks: number[];
  /** Forward graph: blocks as columns, or stacked (compact, one row per op). A preference kept in this browser. */
  arrangement: ForwardArrangement;
  /** Forward graph: what the nodes' colour shows. */
  colourBy: ColourBy;
  /** The memory panel shows only its summary line (more room for the views on a small screen). A preference kept in this browser. */
  memoryCollapsed: boolean;
  findOpen: boolean;
  error: ErrorNotice | null;
  /** A short message about what an edit did ("Undid: …"); replaced by the next one. */
  notice: { text: string; seq: number } | null;
  /** The last edit's side effects (what else it changed), shown until dismissed or the next edit. */
  editNotice: EditNotice | null;
  /** True while files are dragged over the window. */
  dropActive: boolean;
  /** What the app is busy with, for the status bar ("Opening mcunet-5fps.pkl…"); null when idle. */
  busy: string | null;
  /** The "Export firmware" dialog is open. */
  firmwareOpen: boolean;
  /** The glossary is open, at a term (its id) or at the top (''). */
  glossary: string | null;
  /** The first-visit tour's stop, or null when it is not running. */
  tourStep: number | null;
  setGraphTab(tab: GraphTab): void;
  setMemoryView(view: MemoryView): void;
  setShowPruned(show: boolean): void;
  toggleBlock(block: number): void;
  setCollapsedBlocks(blocks: number[]): void;
  setArrangement(a: ForwardArrangement): void;
  setColourBy(c: ColourBy): void;
  setMemoryCollapsed(collapsed: boolean): void;
  setFindOpen(open: boolean): void;
  showError(error: ErrorNotice): void;
  dismissError(): void;
  showNotice(text: string): void;
  showEditNotice(notice: Omit<EditNotice, 'seq'> | null): void;
  setDropActive(active: boolean): void;
  setFirmwareOpen(open: boolean): void;
  openGlossary(term: string | null): void;
  setTourStep(step: number | null): void;
}

let noticeSeq = 0;

const ARRANGEMENT_KEY = 'tinytrain.arrangement';
const MEMORY_KEY = 'tinytrain.memory-collapsed';

/** A view preference kept in this browser (not in the project). */
function pref(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}
function setPref(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // private mode: the preference lasts the session
  }
}

export const createUiSlice: StateCreator<StudioState, [], [], UiSlice> = (set) => ({
  graphTab: 'forward',
  memoryView: 'timeline',
  showPruned: false,
  collapsedBlocks: [],
  arrangement: pref(ARRANGEMENT_KEY) === 'vertical' ? 'vertical' : 'columns',
  memoryCollapsed: pref(MEMORY_KEY) === 'true',
  colourBy: 'role',
  findOpen: false,
  error: null,
  notice: null,
  editNotice: null,
  dropActive: false,
  busy: null,
  firmwareOpen: false,
  glossary: null,
  tourStep: null,
  setGraphTab: (graphTab) => set({ graphTab }),
  setMemoryView: (memoryView) => set({ memoryView }),
  setShowPruned: (showPruned) => set({ showPruned }),
  toggleBlock: (block) =>
    set((s) => ({
      collapsedBlocks: s.collapsedBlocks.includes(block)
        ? s.collapsedBlocks.filter((b) => b !== block)
        : [...s.collapsedBlocks, block].sort((a, b) => a - b),
    })),
  setCollapsedBlocks: (collapsedBlocks) => set({ collapsedBlocks }),
  setArrangement: (arrangement) => {
    setPref(ARRANGEMENT_KEY, arrangement);
    set({ arrangement });
  },
  setMemoryCollapsed: (memoryCollapsed) => {
    setPref(MEMORY_KEY, String(memoryCollapsed));
    set({ memoryCollapsed });
  },
  setColourBy: (colourBy) => set({ colourBy }),
  setFindOpen: (findOpen) => set({ findOpen }),
  showError: (error) => set({ error }),
  dismissError: () => set({ error: null }),
  showNotice: (text) => set({ notice: { text, seq: ++noticeSeq } }),
  showEditNotice: (n) => set({ editNotice: n ? { ...n, seq: ++noticeSeq } : null }),
  setDropActive: (dropActive) => set({ dropActive }),
  setFirmwareOpen: (firmwareOpen) => set({ firmwareOpen }),
  openGlossary: (glossary) => set({ glossary }),
  setTourStep: (tourStep) => set({ tourStep }),
});
