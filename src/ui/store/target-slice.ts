/**
 * Target actions: pick a microcontroller, or edit the budgets by hand (a custom target). A budget
 * is bounded by the target's memory: the training budget never exceeds the SRAM (lowering the SRAM
 * below it lowers it too, and the notice says so); a value out of bounds is refused with the reason.
 */
import type { StateCreator } from 'zustand';
import { chipTarget } from '../../engine/targets.ts';
import { formatBytes } from '../format.ts';
import { targetPreset, type Target } from '../targets.ts';
import type { StudioState } from './types.ts';

export type BudgetField = 'trainBudget' | 'sramBytes' | 'flashBytes';

export interface TargetSlice {
  chooseTarget(id: string): void;
  /** Sets one budget in bytes; the target becomes custom. Returns why a value was refused, or null. */
  setBudget(field: BudgetField, bytes: number): string | null;
}

const FIELD_LABEL: Record<BudgetField, string> = { trainBudget: 'training budget', sramBytes: 'SRAM', flashBytes: 'Flash budget' };
/** No microcontroller this app targets has more (bounds a typing slip such as 25600000 KB). */
const MAX_BYTES: Record<BudgetField, number> = { trainBudget: 16 * 1024 * 1024, sramBytes: 16 * 1024 * 1024, flashBytes: 64 * 1024 * 1024 };
const MIN_BYTES = 1024;

/** Why `bytes` cannot be the target's `field`, or null when it can. */
export function budgetError(target: Target, field: BudgetField, bytes: number): string | null {
  const label = FIELD_LABEL[field];
  if (!Number.isFinite(bytes)) return `the ${label} must be a number of KB`;
  if (bytes < MIN_BYTES) return `the ${label} must be at least 1 KB`;
  if (bytes > MAX_BYTES[field]) return `the ${label} must be at most ${formatBytes(MAX_BYTES[field])}`;
  if (field === 'trainBudget' && bytes > target.sramBytes) {
    return `the training budget cannot exceed the target's SRAM (${formatBytes(target.sramBytes)}): raise the SRAM first`;
  }
  // A chip whose SRAM is in blocks (the STM32H743): the exported step links into one of them.
  const chip = chipTarget(target.id);
  if (field === 'trainBudget' && chip?.build?.ramBlock && bytes > chip.build.ramBlock.bytes) {
    return `the training budget cannot exceed the ${chip.label}'s ${chip.build.ramBlock.name} (${formatBytes(chip.build.ramBlock.bytes)}), the block its firmware links into`;
  }
  return null;
}

export const createTargetSlice: StateCreator<StudioState, [], [], TargetSlice> = (_set, get) => ({
  chooseTarget: (id) => {
    const preset = targetPreset(id);
    const { doc, commit } = get();
    if (!preset || doc.target.id === id) return;
    const target: Target = { id, sramBytes: preset.sramBytes, trainBudget: preset.trainBudget, flashBytes: preset.flashBytes };
    commit({ ...doc, target }, `target ${preset.label}`, { kind: 'target' });
  },
  setBudget: (field, raw) => {
    const { doc, commit } = get();
    const bytes = Math.round(raw);
    const error = budgetError(doc.target, field, bytes);
    if (error) return error;
    if (doc.target[field] === bytes) return null;
    const target: Target = { ...doc.target, [field]: bytes, id: 'custom' };
    if (field === 'sramBytes' && target.trainBudget > bytes) target.trainBudget = bytes;
    const r = commit({ ...doc, target }, `${FIELD_LABEL[field]} ${formatBytes(bytes)}`, { kind: 'budget', field });
    return r.ok ? null : r.error ?? 'refused';
  },
});
