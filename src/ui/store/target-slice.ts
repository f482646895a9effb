/** Target actions: pick a microcontroller, or edit the budgets by hand (a custom target). */
import type { StateCreator } from 'zustand';
import { formatBytes } from '../format.ts';
import { targetPreset, type Target } from '../targets.ts';
import type { StudioState } from './types.ts';

export interface TargetSlice {
  chooseTarget(id: string): void;
  /** Sets one budget in bytes; the target becomes custom. */
  setBudget(field: 'trainBudget' | 'sramBytes' | 'flashBytes', bytes: number): void;
}

const FIELD_LABEL = { trainBudget: 'training budget', sramBytes: 'SRAM', flashBytes: 'Flash budget' };

export const createTargetSlice: StateCreator<StudioState, [], [], TargetSlice> = (_set, get) => ({
  chooseTarget: (id) => {
    const preset = targetPreset(id);
    const { doc, commit } = get();
    if (!preset || doc.target.id === id) return;
    const target: Target = { id, sramBytes: preset.sramBytes, trainBudget: preset.trainBudget, flashBytes: preset.flashBytes };
    commit({ ...doc, target }, `target ${preset.label}`);
  },
  setBudget: (field, bytes) => {
    const { doc, commit } = get();
    if (!Number.isFinite(bytes) || bytes <= 0 || doc.target[field] === bytes) return;
    const target: Target = { ...doc.target, [field]: Math.round(bytes), id: 'custom' };
    commit({ ...doc, target }, `${FIELD_LABEL[field]} ${formatBytes(Math.round(bytes))}`);
  },
});
