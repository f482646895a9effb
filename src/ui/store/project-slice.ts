/**
 * Model actions: choose a zoo architecture, rebuild at another resolution or class count, open a
 * model file. Each is an edit of the document (undoable); one the engine refuses changes nothing.
 */
import type { StateCreator } from 'zustand';
import { backboneConvs } from '../../engine/ir/graph.ts';
import { messageOf } from './doc-slice.ts';
import { readModelFile } from '../load-model-file.ts';
import { buildProjectModel, type ModelShape } from './project-model.ts';
import { defaultScheme } from './scheme-edits.ts';
import type { StudioState } from './types.ts';

/** A resolution or class count the engine refused, with its message; the previous model stays open. */
export interface ShapeError {
  field: keyof ModelShape;
  value: number;
  message: string;
}

export interface ProjectSlice {
  shapeError: ShapeError | null;
  /** Opens a zoo architecture (synthetic weights) at the current resolution and class count. */
  chooseZooModel(arch: string): void;
  /** Rebuilds the open model at another resolution or class count. */
  setShape(field: keyof ModelShape, value: number): void;
  /** Clears the message of a refused resolution or class count (the field went back to its value). */
  clearShapeError(): void;
  /** Reads a model file and replaces the model; a bad file shows one error and changes nothing. */
  openModelFile(file: File): Promise<void>;
}

/** Increases with every file opened, so a slow read never replaces a newer model. */
let openSequence = 0;

export const createProjectSlice: StateCreator<StudioState, [], [], ProjectSlice> = (set, get) => ({
  shapeError: null,

  chooseZooModel: (arch) => {
    const { doc, commit, showError } = get();
    if (doc.origin.kind === 'zoo' && doc.origin.arch === arch && !doc.origin.spec) return;
    try {
      const built = buildProjectModel({ kind: 'zoo', arch }, doc.shape);
      const scheme = defaultScheme(arch, built.summary.convs);
      const r = commit({ ...doc, origin: { kind: 'zoo', arch }, scheme }, `model ${arch}`);
      if (!r.ok) throw new Error(r.error);
      set({ shapeError: null, error: null });
    } catch (e) {
      showError({ title: `Could not build ${arch}`, message: messageOf(e) });
    }
  },

  setShape: (field, value) => {
    const { doc, commit } = get();
    if (doc.shape[field] === value) {
      if (get().shapeError?.field === field) set({ shapeError: null });
      return;
    }
    const r = commit({ ...doc, shape: { ...doc.shape, [field]: value } }, `${field} ${value}`);
    set({ shapeError: r.ok ? null : { field, value, message: r.error! } });
    if (r.ok) set({ error: null });
  },

  clearShapeError: () => set({ shapeError: null }),

  openModelFile: async (file) => {
    const seq = ++openSequence;
    set({ busy: `Opening ${file.name}…` });
    try {
      const bytes = await readModelFile(file);
      const origin = { kind: 'file' as const, fileName: file.name, bytes };
      const { doc } = get();
      const probe = buildProjectModel(origin, doc.shape);
      const scheme = defaultScheme(probe.model.graph.name, backboneConvs(probe.model.graph).length);
      if (seq !== openSequence) return;
      const r = get().commit({ ...doc, origin, shape: probe.shape, scheme }, `open ${file.name}`);
      if (!r.ok) throw new Error(r.error);
      set({ error: null, shapeError: null });
    } catch (e) {
      if (seq === openSequence) {
        // The title names the file; engine messages may start with it too.
        const raw = messageOf(e);
        const message = raw.startsWith(`${file.name}: `) ? raw.slice(file.name.length + 2) : raw;
        get().showError({ title: `Could not open “${file.name}”`, message });
      }
    } finally {
      if (seq === openSequence) set({ busy: null });
    }
  },
});
