/** Scheme actions: a conv's bias and weight ratio, a preset, or a whole scheme (from the JSON tab). */
import type { StateCreator } from 'zustand';
import { builtinScheme } from '../../engine/train/builtin-schemes.ts';
import type { Scheme } from '../../engine/train/scheme.ts';
import type { CommitResult } from './doc-slice.ts';
import { withBias, withRatio, type SchemeEdit } from './scheme-edits.ts';
import type { StudioState } from './types.ts';

export interface SchemeSlice {
  setConvRatio(convIndex: number, ratio: number): void;
  setConvBias(convIndex: number, on: boolean): void;
  /** Applies a preset by its built-in name (`mcunet-5fps@99kb`, `bias-only`, …). */
  choosePreset(name: string): void;
  /** Applies a whole scheme; refused (and nothing changes) when the engine cannot compile it. */
  applyScheme(scheme: Scheme, label: string): CommitResult;
}

const ratioText = (r: number) => (r === 0 ? 'bias only' : r === 1 ? 'full weight' : `weight 1/${Math.round(1 / r)}`);

export const createSchemeSlice: StateCreator<StudioState, [], [], SchemeSlice> = (_set, get) => {
  const applyEdit = (edit: SchemeEdit, label: string) => {
    const r = get().applyScheme(edit.scheme, label);
    if (!r.ok) get().showError({ title: `Could not ${label}`, message: r.error! });
    else if (edit.note) get().showNotice(edit.note);
  };
  const convCount = () => get().project.summary.convs;

  return {
    setConvRatio: (i, ratio) =>
      applyEdit(withRatio(get().doc.scheme, i, ratio, convCount()), `set conv ${i} to ${ratioText(ratio)}`),

    setConvBias: (i, on) =>
      applyEdit(withBias(get().doc.scheme, i, on, convCount()), `turn ${on ? 'on' : 'off'} the bias of conv ${i}`),

    choosePreset: (name) => {
      const scheme = builtinScheme(name, convCount());
      if (!scheme) {
        get().showError({ title: 'Unknown scheme', message: `“${name}” is not a built-in scheme` });
        return;
      }
      applyEdit({ scheme, note: null }, `use scheme ${name}`);
    },

    applyScheme: (scheme, label) => get().commit({ ...get().doc, scheme }, label),
  };
};
