/**
 * The open document, what the engine computed from it, and its history. Every edit goes through
 * `commit`: the new document is compiled first, and only if the engine accepts it does it replace
 * the old one (which goes on the undo stack). A refused edit changes nothing and says why.
 */
import type { StateCreator } from 'zustand';
import { userMessage } from '../../engine/input-error.ts';
import type { TrainingProgram } from '../../engine/program/compile.ts';
import { compileDoc } from './compile-doc.ts';
import type { ProjectModel } from './project-model.ts';
import { keptSelection } from './selection-slice.ts';
import { sideEffects, type EditSubject } from './side-effects.ts';
import { defaultDoc, type StudioDoc } from './studio-doc.ts';
import type { StudioState } from './types.ts';

/** Edits kept for undo. */
const HISTORY_LIMIT = 200;

export interface CommitResult {
  ok: boolean;
  /** The engine's reason when the edit was refused. */
  error?: string;
}

export interface DocSlice {
  doc: StudioDoc;
  project: ProjectModel;
  program: TrainingProgram;
  compileMs: number;
  past: { doc: StudioDoc; label: string }[];
  future: { doc: StudioDoc; label: string }[];
  /**
   * Compiles `doc` and makes it the open document; `label` names the edit for undo ("Undo bias conv 21").
   * `subject` says what the user asked to change: whatever else changed is listed in a visible notice
   * (one undo reverts all of it).
   */
  commit(doc: StudioDoc, label: string, subject?: EditSubject): CommitResult;
  /** Replaces the document without history (opening a project); throws the engine's error. */
  loadDoc(doc: StudioDoc): void;
  undo(): void;
  redo(): void;
}

const initial = (() => {
  const doc = defaultDoc();
  return { doc, ...compileDoc(doc) };
})();

export const createDocSlice: StateCreator<StudioState, [], [], DocSlice> = (set, get) => {
  /** Installs a compiled document; keeps the selection when the new model has the layer. */
  const install = (doc: StudioDoc, history: Partial<Pick<DocSlice, 'past' | 'future'>>) => {
    const s = get();
    const compiled = compileDoc(doc, { doc: s.doc, project: s.project });
    set({
      doc,
      ...compiled,
      ...history,
      selectedLayer: keptSelection(s.selectedLayer, compiled.project.summary.layers),
      selectedKernel: compiled.program.kernels.some((k) => k.name === s.selectedKernel) ? s.selectedKernel : null,
    });
  };

  return {
    ...initial,
    past: [],
    future: [],

    commit: (doc, label, subject) => {
      const s = get();
      try {
        install(doc, { past: [...s.past, { doc: s.doc, label }].slice(-HISTORY_LIMIT), future: [] });
        const n = get();
        const changes = subject
          ? sideEffects({ doc: s.doc, project: s.project, scheme: s.program.scheme }, { doc: n.doc, project: n.project, scheme: n.program.scheme }, subject)
          : [];
        n.showEditNotice(changes.length ? { label, changes } : null);
        return { ok: true };
      } catch (e) {
        return { ok: false, error: userMessage(e) };
      }
    },

    loadDoc: (doc) => {
      install(doc, { past: [], future: [] });
      get().showEditNotice(null);
    },

    undo: () => {
      const s = get();
      const last = s.past[s.past.length - 1];
      if (!last) return;
      try {
        install(last.doc, { past: s.past.slice(0, -1), future: [{ doc: s.doc, label: last.label }, ...s.future] });
        s.showEditNotice(null);
        s.showNotice(`Undid: ${last.label}`);
      } catch (e) {
        s.showError({ title: 'Could not undo', message: userMessage(e) });
      }
    },

    redo: () => {
      const s = get();
      const next = s.future[0];
      if (!next) return;
      try {
        install(next.doc, { past: [...s.past, { doc: s.doc, label: next.label }], future: s.future.slice(1) });
        s.showEditNotice(null);
        s.showNotice(`Redid: ${next.label}`);
      } catch (e) {
        s.showError({ title: 'Could not redo', message: userMessage(e) });
      }
    },
  };
};
