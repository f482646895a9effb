/**
 * How memory categories read and which colour they have (the same in bars, timeline and arena). The
 * engine decides the categories: one it adds later reads as its own name and gets a colour of the
 * spare palette, so nothing it reports goes missing here.
 */
import type { MemoryReport } from '../../engine/memory/report.ts';

const KNOWN_LABEL: Record<string, string> = {
  input: 'input', activation: 'activations', saved: 'saved inputs', mask: 'masks', gradient: 'gradients', scratch: 'scratch',
  fragmentation: 'fragmentation', trainable: 'trained params', optimizer: 'optimizer', workspace: 'small workspaces', runtime: 'runtime data', stack: 'stack',
};

const KNOWN_COLOR: Record<string, string> = {
  input: '#7ccf8a', activation: '#4c9bff', saved: '#f0a35e', mask: '#b18cf2', gradient: '#ff7b72', scratch: '#4fc6b3',
  fragmentation: '#5b606b', trainable: '#e6bd5c', optimizer: '#c792ea', workspace: '#70d6ff', runtime: '#d4a373', stack: '#8a909b',
};
const SPARE = ['#f78fb3', '#9be15d', '#ffd166', '#70d6ff', '#c3a6ff', '#ff9f68', '#a0e7e5', '#d4a373'];
const spare = new Map<string, string>();

/** "workspaceBytes" -> "workspace bytes": how an unknown category reads. */
const words = (c: string) => c.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();

/** How a memory category the engine reports reads. */
export function categoryLabel(c: string): string {
  return KNOWN_LABEL[c] ?? words(c);
}

/** A category's colour: fixed for the known ones, the next spare one for a new one (stable for the session). */
export function categoryColor(c: string): string {
  let color = KNOWN_COLOR[c] ?? spare.get(c);
  if (!color) spare.set(c, (color = SPARE[spare.size % SPARE.length]));
  return color;
}

/** The bars' label of a category: a streamed image counts only its row ring (and the label) as input. */
export function sramLabel(c: string, report: MemoryReport): string {
  if (c === 'input') return report.input.streamed ? 'input rows & label' : 'input & label';
  return categoryLabel(c);
}

export type FlashCategory = keyof MemoryReport['flashBreakdown'];
export const FLASH_CATEGORIES: FlashCategory[] = ['frozenWeights', 'scales', 'frozenBiases', 'trainedInitialValues', 'tables', 'samples', 'code'];
export const FLASH_LABEL: Record<FlashCategory, string> = {
  frozenWeights: 'frozen weights', scales: 'scales', frozenBiases: 'frozen biases', trainedInitialValues: 'initial values of RAM data',
  tables: 'tables', samples: 'embedded samples', code: 'code (estimate)',
};
export const FLASH_COLOR: Record<FlashCategory, string> = {
  frozenWeights: '#4c9bff', scales: '#4fc6b3', frozenBiases: '#b18cf2', trainedInitialValues: '#e6bd5c', tables: '#c792ea', samples: '#7ccf8a', code: '#8a909b',
};
