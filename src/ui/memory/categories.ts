/** How memory categories read and which colour they have (the same in bars, timeline and arena). */
import type { SramCategory } from '../../engine/memory/report.ts';
import type { MemoryReport } from '../../engine/memory/report.ts';

export const SRAM_LABEL: Record<SramCategory, string> = {
  input: 'input', activation: 'activations', saved: 'saved inputs', mask: 'masks', gradient: 'gradients', scratch: 'scratch',
  fragmentation: 'fragmentation', trainable: 'trained params', optimizer: 'optimizer', stack: 'stack',
};

/** The bars' label of a category: a streamed image counts only its row ring (and the label) as input. */
export function sramLabel(c: SramCategory, report: MemoryReport): string {
  if (c === 'input') return report.input.streamed ? 'input rows & label' : 'input & label';
  return SRAM_LABEL[c];
}

export const SRAM_COLOR: Record<SramCategory, string> = {
  input: '#7ccf8a', activation: '#4c9bff', saved: '#f0a35e', mask: '#b18cf2', gradient: '#ff7b72', scratch: '#4fc6b3',
  fragmentation: '#5b606b', trainable: '#e6bd5c', optimizer: '#c792ea', stack: '#8a909b',
};

export type FlashCategory = keyof MemoryReport['flashBreakdown'];
export const FLASH_CATEGORIES: FlashCategory[] = ['frozenWeights', 'scales', 'frozenBiases', 'trainedInitialValues', 'code'];
export const FLASH_LABEL: Record<FlashCategory, string> = {
  frozenWeights: 'frozen weights', scales: 'scales', frozenBiases: 'frozen biases', trainedInitialValues: 'trained (initial values)', code: 'code (estimate)',
};
export const FLASH_COLOR: Record<FlashCategory, string> = {
  frozenWeights: '#4c9bff', scales: '#4fc6b3', frozenBiases: '#b18cf2', trainedInitialValues: '#e6bd5c', code: '#8a909b',
};
