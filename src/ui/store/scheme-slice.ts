/** Scheme actions: a conv's bias and weight ratio, a preset, or a whole scheme (from the JSON tab). */
import type { StateCreator } from 'zustand';
import { builtinScheme } from '../../engine/train/builtin-schemes.ts';
import type { Scheme } from '../../engine/train/scheme.ts';
import type { CommitResult } from './doc-slice.ts';
import type { EditSubject } from './side-effects.ts';
import { withBias, withRatio } from './scheme-edits.ts';
import type { StudioState } from './types.ts';

export interface SchemeSlice {
  setConvRatio(convIndex: number, ratio: number): void;
  setConvBias(convIndex: number, on: boolean): void;
  /** Applies a preset by its built-in name (`mcunet-5fps@99kb`, `bias-only`, …). */
  choosePreset(name: string): void;
  /** Applies a whole scheme; refused (and nothing changes) when the engine cannot compile it. */
  applyScheme(scheme: Scheme, label: string, subject?: EditSubject): CommitResult;
}

const ratioText = (r: number) => (r === 0 ? 'bias only' : r === 1 ? 'full weight' : `weight 1/${Math.round(1 / r)}`);

export const createSchemeSlice: StateCreator<StudioState, [], [], SchemeSlice> = (_set, get) => {
  const applyEdit = (scheme: Scheme, label: string, subject: EditSubject) => {
    const r = get().applyScheme(scheme, label, subject);
    if (!r.ok) get().showError({ title: `Could not ${label}`, message: r.error! });
  };
  const convCount = () => get().project.summary.convs;

  return {
    setConvRatio: (i, ratio) =>
      applyEdit(withRatio(get().doc.scheme, i, ratio, convCount()), `set conv ${i} to ${ratioText(ratio)}`, { kind: 'conv', index: i, part: 'weight' }),

    setConvBias: (i, on) =>
      applyEdit(withBias(get().doc.scheme, i, on, convCount()), `turn ${on ? 'on' : 'off'} the bias of conv ${i}`, { kind: 'conv', index: i, part: 'bias' }),

    choosePreset: (name) => {
      const scheme = builtinScheme(name, convCount());
      if (!scheme) {
        get().showError({ title: 'Unknown scheme', message: `“${name}” is not a built-in scheme` });
        return;
      }
      applyEdit(scheme, `use scheme ${name}`, { kind: 'scheme' });
    },

    applyScheme: (scheme, label, subject = { kind: 'scheme' }) => get().commit({ ...get().doc, scheme }, label, subject),
  };
};
