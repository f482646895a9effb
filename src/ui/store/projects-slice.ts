/**
 * Several projects, saved in IndexedDB: the open one autosaves (persist/autosave.ts), others can be
 * opened, created, renamed, deleted, exported to a file and imported from one. Importing compiles the
 * file's document first: a file the engine refuses leaves the open project exactly as it was.
 */
import type { StateCreator } from 'zustand';
import { idb } from '../persist/idb.ts';
import { projectFromFile, projectToFile, PROJECT_EXTENSION, readProjectFile } from '../persist/project-file.ts';
import { newProjectId, type ProjectListing, type ProjectRecord, type ProjectView } from '../persist/project-record.ts';
import type { FileSharedProject } from '../persist/share-link.ts';
import { compileDoc } from './compile-doc.ts';
import { userMessage } from '../../engine/input-error.ts';
import { defaultDoc, type StudioDoc } from './studio-doc.ts';
import type { StudioState } from './types.ts';

export interface ProjectsSlice {
  projectId: string;
  projectName: string;
  projects: ProjectListing[];
  /** False until the saved session was read (the autosave waits for it). */
  restored: boolean;
  /** True while a change of the open project is waiting to be written to IndexedDB. */
  saving: boolean;
  /** The record of the open project as it is now. */
  currentRecord(): ProjectRecord;
  /** Opens a record (document and view); throws when the engine refuses its document. */
  openRecord(record: ProjectRecord): void;
  refreshProjects(): Promise<void>;
  newProject(): Promise<void>;
  switchProject(id: string): Promise<void>;
  renameProject(name: string): void;
  deleteProject(id: string): Promise<void>;
  exportProject(): void;
  importProjectFile(file: File): Promise<void>;
  /**
   * Opens a shared project as a new project beside the others (the open one is saved first and never
   * overwritten); a document the engine refuses opens nothing and says why.
   */
  openSharedProject(doc: StudioDoc, name: string): Promise<void>;
  /** A received link that needs a model file only its sender had: waits for the user to open their copy. */
  pendingShare: FileSharedProject | null;
  setPendingShare(shared: ProjectsSlice['pendingShare']): void;
  setRestored(): void;
}

export function viewOf(s: StudioState): ProjectView {
  return {
    graphTab: s.graphTab, memoryView: s.memoryView, selectedLayer: s.selectedLayer, selectedKernel: s.selectedKernel,
    showPruned: s.showPruned, collapsedBlocks: s.collapsedBlocks,
  };
}

function fileNameFor(name: string): string {
  return `${name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'project'}${PROJECT_EXTENSION}`;
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function uniqueName(base: string, taken: ProjectListing[]): string {
  const names = new Set(taken.map((p) => p.name));
  if (!names.has(base)) return base;
  for (let i = 2; ; i++) if (!names.has(`${base} (${i})`)) return `${base} (${i})`;
}

export const createProjectsSlice: StateCreator<StudioState, [], [], ProjectsSlice> = (set, get) => {
  const saveNow = async () => {
    if (!get().restored) return;
    await idb.put(get().currentRecord());
  };

  return {
    projectId: newProjectId(),
    projectName: 'Untitled project',
    projects: [],
    restored: false,
    saving: false,

    currentRecord: () => {
      const s = get();
      return { id: s.projectId, name: s.projectName, updatedAt: Date.now(), doc: s.doc, view: viewOf(s) };
    },

    openRecord: (record) => {
      get().loadDoc(record.doc);
      const v = record.view;
      set({
        projectId: record.id, projectName: record.name,
        graphTab: v.graphTab, memoryView: v.memoryView, showPruned: v.showPruned, collapsedBlocks: v.collapsedBlocks,
        selectedLayer: v.selectedLayer !== null && get().project.summary.layers.some((l) => l.name === v.selectedLayer) ? v.selectedLayer : null,
        selectedKernel: v.selectedKernel !== null && get().program.kernels.some((k) => k.name === v.selectedKernel) ? v.selectedKernel : null,
        error: null,
      });
    },

    refreshProjects: async () => {
      const all = await idb.getAll<ProjectRecord>();
      set({ projects: all.map(({ id, name, updatedAt }) => ({ id, name, updatedAt })).sort((a, b) => b.updatedAt - a.updatedAt) });
    },

    newProject: async () => {
      await saveNow();
      const doc: StudioDoc = defaultDoc();
      const record: ProjectRecord = {
        id: newProjectId(), name: uniqueName('Untitled project', get().projects), updatedAt: Date.now(), doc,
        view: { graphTab: 'forward', memoryView: 'timeline', selectedLayer: null, selectedKernel: null, showPruned: false, collapsedBlocks: [] },
      };
      get().openRecord(record);
      await idb.put(record);
      await idb.putMeta('current', record.id);
      await get().refreshProjects();
      get().showNotice(`Created “${record.name}”`);
    },

    switchProject: async (id) => {
      if (id === get().projectId) return;
      await saveNow();
      const record = await idb.get<ProjectRecord>(id);
      if (!record) return;
      try {
        get().openRecord(record);
        await idb.putMeta('current', id);
        get().showNotice(`Opened “${record.name}”`);
      } catch (e) {
        get().showError({ title: `Could not open “${record.name}”`, message: userMessage(e) });
      }
      await get().refreshProjects();
    },

    renameProject: (name) => {
      const trimmed = name.trim();
      if (!trimmed || trimmed === get().projectName) return;
      set({ projectName: trimmed });
      void saveNow().then(() => get().refreshProjects());
    },

    deleteProject: async (id) => {
      await idb.delete(id);
      await get().refreshProjects();
      if (id === get().projectId) {
        const next = get().projects[0];
        if (next) {
          const record = await idb.get<ProjectRecord>(next.id);
          if (record) get().openRecord(record);
          await idb.putMeta('current', next.id);
        } else {
          await get().newProject();
        }
      }
    },

    exportProject: () => {
      const r = get().currentRecord();
      download(fileNameFor(r.name), projectToFile(r));
      get().showNotice(`Exported “${r.name}” as ${fileNameFor(r.name)}`);
    },

    importProjectFile: async (file) => {
      try {
        const parsed = projectFromFile(await readProjectFile(file));
        compileDoc(parsed.doc); // refuses a document the engine cannot compile, before anything changes
        await saveNow();
        const record: ProjectRecord = { id: newProjectId(), name: uniqueName(parsed.name, get().projects), updatedAt: Date.now(), doc: parsed.doc, view: parsed.view };
        get().openRecord(record);
        await idb.put(record);
        await idb.putMeta('current', record.id);
        await get().refreshProjects();
        get().showNotice(`Imported “${record.name}” from ${file.name}`);
      } catch (e) {
        get().showError({ title: `Could not import “${file.name}”`, message: userMessage(e) });
      }
    },

    openSharedProject: async (doc, name) => {
      try {
        compileDoc(doc); // refuses a document the engine cannot compile, before anything changes
        await saveNow();
        const record: ProjectRecord = {
          id: newProjectId(), name: uniqueName(name, get().projects), updatedAt: Date.now(), doc,
          view: { graphTab: 'forward', memoryView: 'timeline', selectedLayer: null, selectedKernel: null, showPruned: false, collapsedBlocks: [] },
        };
        get().openRecord(record);
        set({ pendingShare: null });
        await idb.put(record);
        await idb.putMeta('current', record.id);
        await get().refreshProjects();
        get().showNotice(`Opened the shared link as a new project, “${record.name}”; your other projects are unchanged`);
      } catch (e) {
        get().showError({ title: 'The shared link could not be opened', message: userMessage(e) });
      }
    },

    pendingShare: null,
    setPendingShare: (pendingShare) => set({ pendingShare }),

    setRestored: () => set({ restored: true }),
  };
};
