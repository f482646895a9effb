/**
 * The targets the budgets come from: the engine's one table (engine/targets.ts), with the budgets a
 * project keeps (total SRAM, the part of it training may use, Flash) and whether the export builds
 * for the chip or it is a memory-planning target.
 */
import { CHIP_TARGETS, chipTarget } from '../engine/targets.ts';

export interface Target {
  /** A preset id, or 'custom' when the budgets were edited by hand. */
  id: string;
  sramBytes: number;
  /** SRAM the training step may use (the rest is for the application, drivers and buffers). */
  trainBudget: number;
  flashBytes: number;
}

export interface TargetPreset extends Target {
  label: string;
  /** The firmware export builds a project for its core and memory map (false: planning only). */
  exports: boolean;
}

/** Flash is what the image may use: the Nano 33 BLE's bootloader keeps its first 64 KB. */
export const TARGET_PRESETS: TargetPreset[] = CHIP_TARGETS.map((t) => ({
  id: t.id, label: t.label, sramBytes: t.sramBytes, trainBudget: t.trainBudget, flashBytes: t.build?.flashRegionBytes ?? t.flashBytes, exports: t.build !== null,
}));

const F746 = chipTarget('stm32f746')!;
export const DEFAULT_TARGET: Target = { id: F746.id, sramBytes: F746.sramBytes, trainBudget: F746.trainBudget, flashBytes: F746.flashBytes };

export function targetPreset(id: string): TargetPreset | undefined {
  return TARGET_PRESETS.find((t) => t.id === id);
}

export function targetLabel(t: Target): string {
  return targetPreset(t.id)?.label ?? 'Custom target';
}
