/**
 * The open project: the model, where it came from, and what the engine computed about it.
 * Every action either replaces the model completely or leaves it exactly as it was.
 */
import type { StateCreator } from 'zustand';
import { keptSelection } from './selection-slice.ts';
import {
  buildProjectModel, DEFAULT_ORIGIN, DEFAULT_SHAPE,
  type ModelOrigin, type ModelShape, type ProjectModel,
} from './project-model.ts';
import type { StudioState } from './types.ts';

/** A resolution or class count the engine refused, with its message; the previous model stays open. */
export interface ShapeError {
  field: keyof ModelShape;
  value: number;
  message: string;
}

export interface ProjectSlice {
  project: ProjectModel;
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

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Increases with every file opened, so a slow read never replaces a newer model. */
let openSequence = 0;

export const createProjectSlice: StateCreator<StudioState, [], [], ProjectSlice> = (set, get) => {
  /** Installs a newly built model, keeping the selected layer if the new model has it. */
  const install = (project: ProjectModel) =>
    set((s) => ({
      project,
      shapeError: null,
      error: null,
      selectedLayer: keptSelection(s.selectedLayer, project.summary.layers),
    }));

  const rebuild = (origin: ModelOrigin, shape: ModelShape) => install(buildProjectModel(origin, shape));

  return {
    project: buildProjectModel(DEFAULT_ORIGIN, DEFAULT_SHAPE),
    shapeError: null,

    chooseZooModel: (arch) => {
      try {
        rebuild({ kind: 'zoo', arch }, get().project.shape);
      } catch (e) {
        get().showError({ title: `Could not build ${arch}`, message: messageOf(e) });
      }
    },

    setShape: (field, value) => {
      const { project } = get();
      if (project.shape[field] === value) {
        if (get().shapeError?.field === field) set({ shapeError: null });
        return;
      }
      try {
        rebuild(project.origin, { ...project.shape, [field]: value });
      } catch (e) {
        set({ shapeError: { field, value, message: messageOf(e) } });
      }
    },

    clearShapeError: () => set({ shapeError: null }),

    openModelFile: async (file) => {
      const seq = ++openSequence;
      set({ busy: `Opening ${file.name}…` });
      try {
        const bytes = new Uint8Array(await file.arrayBuffer());
        const project = buildProjectModel({ kind: 'file', fileName: file.name, bytes }, get().project.shape);
        if (seq === openSequence) install(project);
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
  };
};
