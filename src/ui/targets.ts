/** Microcontroller targets the budgets come from: total SRAM, the part of it training may use, Flash. */
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
}

const KB = 1024;

export const TARGET_PRESETS: TargetPreset[] = [
  { id: 'stm32f746', label: 'STM32F746 (Cortex-M7)', sramBytes: 320 * KB, trainBudget: 256 * KB, flashBytes: 1024 * KB },
  { id: 'stm32f412', label: 'STM32F412 (Cortex-M4)', sramBytes: 256 * KB, trainBudget: 192 * KB, flashBytes: 1024 * KB },
  { id: 'stm32h743', label: 'STM32H743 (Cortex-M7)', sramBytes: 1024 * KB, trainBudget: 512 * KB, flashBytes: 2048 * KB },
  { id: 'nrf52840', label: 'nRF52840 (Cortex-M4)', sramBytes: 256 * KB, trainBudget: 192 * KB, flashBytes: 1024 * KB },
  { id: 'rp2040', label: 'RP2040 (Cortex-M0+)', sramBytes: 264 * KB, trainBudget: 200 * KB, flashBytes: 2048 * KB },
  { id: 'mps2-an500', label: 'MPS2 AN500 (Cortex-M7, FVP)', sramBytes: 4096 * KB, trainBudget: 256 * KB, flashBytes: 4096 * KB },
];

const F746 = TARGET_PRESETS[0];
export const DEFAULT_TARGET: Target = { id: F746.id, sramBytes: F746.sramBytes, trainBudget: F746.trainBudget, flashBytes: F746.flashBytes };

export function targetPreset(id: string): TargetPreset | undefined {
  return TARGET_PRESETS.find((t) => t.id === id);
}

export function targetLabel(t: Target): string {
  return targetPreset(t.id)?.label ?? 'Custom target';
}
