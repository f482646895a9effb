/**
 * Model actions: choose a zoo architecture, rebuild at another resolution or class count, open a
 * model file. Each is an edit of the document (undoable); one the engine refuses changes nothing.
 */
import type { StateCreator } from 'zustand';
import { backboneConvs } from '../../engine/ir/graph.ts';
import { DEMO_SHAPE, demoOrigin, demoScheme, isDemoOrigin } from '../demo/demo-model.ts';
import { userMessage } from '../../engine/input-error.ts';
import { loadModelFile, readModelFile } from '../load-model-file.ts';
import { safeName } from '../../engine/codegen/c-format.ts';
import { importWeightsRecord } from '../../engine/firmware/import-record.ts';
import { MAX_RECORD_BYTES } from '../../engine/firmware/weights-record.ts';
import { checkFileSize } from '../../engine/limits.ts';
import { buildProjectModel, ZOO_RESOLUTION, type ModelShape } from './project-model.ts';
import { defaultScheme } from './scheme-edits.ts';
import type { StudioState } from './types.ts';

export interface ProjectSlice {
  /**
   * Opens a zoo architecture (synthetic weights) with the paper's first scheme for it, at the current
   * resolution when the open model is a zoo one too, else at the paper's 128x128.
   */
  chooseZooModel(arch: string): void;
  /** Opens the shipped demo model (this project's pretrained weights) at its resolution and classes, with the demo run's scheme. */
  chooseDemoModel(): void;
  /** Rebuilds the open model at another resolution or class count; returns the engine's reason when it refuses (nothing changes then). */
  setShape(field: keyof ModelShape, value: number): string | null;
  /** Reads a model file and replaces the model, at the file's own input size; a bad file shows one error and changes nothing. */
  openModelFile(file: File): Promise<void>;
  /**
   * Loads the parameters an exported firmware trained on the board (its output, holding a weights
   * record) into the project: the model becomes a .ttw with them (an undoable edit). A record of
   * another model or scheme, corrupt or truncated, shows one error and changes nothing. Returns the
   * engine's note, or null when refused.
   */
  importBoardWeights(file: File): Promise<string | null>;
  /** The same from a binary record the board sent over the serial link (the Device panel). */
  importBoardRecord(record: Uint8Array, source: string): Promise<string | null>;
}

/** Increases with every file opened, so a slow read never replaces a newer model. */
let openSequence = 0;

export const createProjectSlice: StateCreator<StudioState, [], [], ProjectSlice> = (set, get) => ({
  chooseZooModel: (arch) => {
    const { doc, commit, showError } = get();
    if (doc.origin.kind === 'zoo' && doc.origin.arch === arch && !doc.origin.spec) return;
    try {
      const shape = doc.origin.kind === 'zoo' ? doc.shape : { ...doc.shape, resolution: ZOO_RESOLUTION };
      const built = buildProjectModel({ kind: 'zoo', arch }, shape);
      const scheme = defaultScheme(arch, built.summary.convs);
      const r = commit({ ...doc, origin: { kind: 'zoo', arch }, shape, scheme }, `model ${arch}`, { kind: 'model' });
      if (!r.ok) throw new Error(r.error);
      set({ error: null });
    } catch (e) {
      showError({ title: `Could not build ${arch}`, message: userMessage(e) });
    }
  },

  chooseDemoModel: () => {
    const { doc, commit, showError } = get();
    if (isDemoOrigin(doc.origin)) return;
    try {
      const origin = demoOrigin();
      const scheme = demoScheme(buildProjectModel(origin, DEMO_SHAPE).summary.convs);
      const r = commit({ ...doc, origin, shape: DEMO_SHAPE, scheme }, 'model tinytrain-demo', { kind: 'model' });
      if (!r.ok) throw new Error(r.error);
      set({ error: null });
    } catch (e) {
      showError({ title: 'Could not open the demo model', message: userMessage(e) });
    }
  },

  setShape: (field, value) => {
    const { doc, commit } = get();
    if (!Number.isFinite(value)) return `${field} must be a number`;
    if (doc.shape[field] === value) return null;
    const r = commit({ ...doc, shape: { ...doc.shape, [field]: value } }, `${field} ${value}`, { kind: field });
    if (r.ok) set({ error: null });
    return r.ok ? null : r.error ?? 'refused';
  },

  importBoardRecord: async (record, source) => {
    try {
      const { doc, project, commit } = get();
      const imported = importWeightsRecord(record, source, project.model, doc.scheme, 'the project\'s scheme', 'binary');
      const origin = { kind: 'file' as const, fileName: `${safeName(project.model.graph.name)}-board.ttw`, bytes: imported.ttw };
      const r = commit({ ...doc, origin }, `weights from the board (${source})`, { kind: 'model' });
      if (!r.ok) throw new Error(r.error);
      set({ error: null });
      return imported.note;
    } catch (e) {
      get().showError({ title: 'Could not load the board\'s weights', message: userMessage(e) });
      return null;
    }
  },

  importBoardWeights: async (file) => {
    set({ busy: `Reading ${file.name}…` });
    try {
      checkFileSize(file.name, file.size, 2 * MAX_RECORD_BYTES);
      const bytes = new Uint8Array(await file.arrayBuffer());
      const { doc, project, commit } = get();
      const imported = importWeightsRecord(bytes, file.name, project.model, doc.scheme, 'the project\'s scheme');
      const origin = { kind: 'file' as const, fileName: `${safeName(project.model.graph.name)}-board.ttw`, bytes: imported.ttw };
      const r = commit({ ...doc, origin }, `weights from the board (${file.name})`, { kind: 'model' });
      if (!r.ok) throw new Error(r.error);
      set({ error: null });
      return imported.note;
    } catch (e) {
      const raw = userMessage(e);
      get().showError({ title: `Could not load the board's weights from “${file.name}”`, message: raw.startsWith(`${file.name}: `) ? raw.slice(file.name.length + 2) : raw });
      return null;
    } finally {
      set({ busy: null });
    }
  },

  openModelFile: async (file) => {
    const seq = ++openSequence;
    set({ busy: `Opening ${file.name}…` });
    try {
      const bytes = await readModelFile(file);
      const origin = { kind: 'file' as const, fileName: file.name, bytes };
      const { doc } = get();
      // A file opens at its own input size (128x128 for the paper's models); the notice says if that changed the resolution.
      const native = loadModelFile(file.name, bytes, { classes: doc.shape.classes }).graph;
      const probe = buildProjectModel(origin, { resolution: native.tensors[native.input].shape[1], classes: doc.shape.classes });
      const scheme = defaultScheme(probe.model.graph.name, backboneConvs(probe.model.graph).length);
      if (seq !== openSequence) return;
      const r = get().commit({ ...doc, origin, shape: probe.shape, scheme }, `open ${file.name}`, { kind: 'model' });
      if (!r.ok) throw new Error(r.error);
      set({ error: null });
    } catch (e) {
      if (seq === openSequence) {
        // The title names the file; engine messages may start with it too.
        const raw = userMessage(e);
        const message = raw.startsWith(`${file.name}: `) ? raw.slice(file.name.length + 2) : raw;
        get().showError({ title: `Could not open “${file.name}”`, message });
      }
    } finally {
      if (seq === openSequence) set({ busy: null });
    }
  },
});
