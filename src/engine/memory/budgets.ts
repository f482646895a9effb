/** The device budgets of the paper's target (STM32F746: 320 KB SRAM of which 256 KB for training, 1 MB Flash). */
export const DEFAULT_SRAM_BUDGET_BYTES = 256 * 1024;
export const DEFAULT_FLASH_BUDGET_BYTES = 1024 * 1024;
