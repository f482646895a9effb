/** The budgets the IDE keeps come from the engine's target table, and a board's memory map bounds them. */
import { describe, expect, it } from 'vitest';
import { targetPreset, TARGET_PRESETS } from '../targets.ts';
import { budgetError } from './target-slice.ts';

describe('target budgets', () => {
  it('every buildable board is in the menu as one, with the Flash its image may use', () => {
    expect(TARGET_PRESETS.filter((t) => t.exports).map((t) => t.id)).toEqual(expect.arrayContaining(['stm32h743', 'nrf52840', 'stm32f411', 'stm32f412', 'rp2350', 'alif-e3-he']));
    expect(TARGET_PRESETS.filter((t) => !t.exports).map((t) => t.id)).toEqual(['rp2040']);
    // The Nano 33 BLE's bootloader keeps the first 64 KB.
    expect(targetPreset('nrf52840')!.flashBytes).toBe(960 * 1024);
  });

  it('the STM32H743\'s training budget cannot exceed its AXI SRAM block, the one its firmware links into', () => {
    const h = targetPreset('stm32h743')!;
    expect(budgetError(h, 'trainBudget', 512 * 1024)).toBeNull();
    expect(budgetError(h, 'trainBudget', 600 * 1024)).toBe('the training budget cannot exceed the STM32H743 (Cortex-M7)\'s AXI SRAM (512 KB), the block its firmware links into');
    expect(budgetError(targetPreset('stm32f746')!, 'trainBudget', 300 * 1024)).toBeNull();
  });
});
