/** A saved project: its document, how it was being viewed, its name. What IndexedDB and project files hold. */
import type { StudioDoc } from '../store/studio-doc.ts';
import type { GraphTab, MemoryView } from '../store/ui-slice.ts';

export interface ProjectView {
  graphTab: GraphTab;
  memoryView: MemoryView;
  selectedLayer: string | null;
  selectedKernel: string | null;
  showPruned: boolean;
  collapsedBlocks: number[];
}

export interface ProjectRecord {
  id: string;
  name: string;
  updatedAt: number;
  doc: StudioDoc;
  view: ProjectView;
}

export interface ProjectListing {
  id: string;
  name: string;
  updatedAt: number;
}

export function newProjectId(): string {
  return `p-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
