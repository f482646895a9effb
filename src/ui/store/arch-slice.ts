/** Architecture actions (zoo models only): each rebuilds the graph; an edit the engine refuses changes nothing. */
import type { StateCreator } from 'zustand';
import { convCount, type ArchSpec } from '../../engine/models/arch.ts';
import { zooArch } from '../../engine/models/zoo.ts';
import { userMessage } from '../../engine/input-error.ts';
import { editConv, firstConvOfBlock, insertBlock, removeBlock, shiftScheme, type ArchEdit } from './arch-edits.ts';
import type { StudioDoc } from './studio-doc.ts';
import type { StudioState } from './types.ts';

export interface ArchSlice {
  /** The spec of the open zoo model (edited or not); null for a model file. */
  editConvField(edit: ArchEdit, label: string): boolean;
  insertBlockAfter(block: number): void;
  removeBlockAt(block: number): void;
}

export function specOf(doc: StudioDoc): ArchSpec | null {
  return doc.origin.kind === 'zoo' ? doc.origin.spec ?? zooArch(doc.origin.arch) : null;
}

export const createArchSlice: StateCreator<StudioState, [], [], ArchSlice> = (_set, get) => {
  /** Applies an edit of the spec (and optionally the scheme); refusals go to the error banner. */
  const apply = (label: string, edit: (spec: ArchSpec, doc: StudioDoc) => { spec: ArchSpec; scheme?: StudioDoc['scheme'] }): boolean => {
    const { doc, commit, showError } = get();
    const spec = specOf(doc);
    if (!spec || doc.origin.kind !== 'zoo') {
      showError({ title: `Refused: ${label}`, message: 'architecture edits apply to zoo models; a model file fixes its own architecture' });
      return false;
    }
    try {
      const next = edit(spec, doc);
      const r = commit({ ...doc, origin: { kind: 'zoo', arch: doc.origin.arch, spec: next.spec }, scheme: next.scheme ?? doc.scheme }, label, { kind: 'arch' });
      if (!r.ok) throw new Error(r.error);
      return true;
    } catch (e) {
      showError({ title: `Refused: ${label}`, message: userMessage(e) });
      return false;
    }
  };

  return {
    editConvField: (edit, label) => apply(label, (spec) => ({ spec: editConv(spec, edit) })),

    insertBlockAfter: (block) =>
      void apply(`insert a block after ${block < 0 ? 'the stem' : `block ${block}`}`, (spec, doc) => {
        const next = insertBlock(spec, block);
        const at = firstConvOfBlock(next, block + 1);
        return { spec: next, scheme: shiftScheme(doc.scheme, convCount(spec), at, convCount(next) - convCount(spec)) };
      }),

    removeBlockAt: (block) =>
      void apply(`remove block ${block}`, (spec, doc) => {
        const next = removeBlock(spec, block);
        const at = firstConvOfBlock(spec, block);
        return { spec: next, scheme: shiftScheme(doc.scheme, convCount(spec), at, convCount(next) - convCount(spec)) };
      }),
  };
};
