/**
 * The first-visit tour: a few stops over the window, ending when the user has toggled a layer and
 * watched the memory bars move. Shown once per browser (skippable at every stop); the glossary
 * starts it again.
 */
import { useStudio } from '../store/index.ts';

const DONE_KEY = 'tinytrain.tour';

export interface TourStop {
  /** CSS selector of what the stop points at. */
  target: string;
  title: string;
  text: string;
}

export const TOUR: TourStop[] = [
  {
    target: '.select-model', title: 'A model with real weights',
    text: 'The project opens on tinytrain-demo, a small int8 network this project pretrained. The graph you edit is the model the Train tab trains, the Analysis tab measures and the firmware export builds. The paper’s architectures are here too, with synthetic weights.',
  },
  {
    target: '[data-testid="forward-graph"] .graph-canvas', title: 'The forward graph',
    text: 'One node per op, a block per column. On each conv, b turns its bias update on or off, and 0 ⅛ ¼ ½ 1 set how much of its weight trains. A green stripe on a node: its weight trains; amber: only its bias.',
  },
  {
    target: '.budget-bars', title: 'What it costs, live',
    text: 'Peak SRAM is everything the training step needs at its worst moment, against the target’s budget; beside it, the paper’s analytic figure, which its scheme labels name. The timeline shows every step.',
  },
  {
    target: '.tabs', title: 'Train, analyse, compare',
    text: 'Train trains this model in a worker and shows what it learned; Analysis measures what each layer is worth; Compare puts schemes side by side. Every “?” explains a term.',
  },
  {
    // The target is the conv tourConv() picks (Tour.tsx).
    target: '', title: 'Your turn: toggle a layer',
    text: 'Click b (or a ratio) on the highlighted conv and watch the Peak SRAM bar and the timeline move.',
  },
];

export function tourDone(): boolean {
  try {
    return localStorage.getItem(DONE_KEY) === 'done';
  } catch {
    return true;
  }
}

export function finishTour(): void {
  try {
    localStorage.setItem(DONE_KEY, 'done');
  } catch {
    // private mode: the tour may show again next time
  }
  useStudio.getState().setTourStep(null);
}

export function restartTour(): void {
  const s = useStudio.getState();
  s.setGraphTab('forward');
  s.setTourStep(0);
}

/** Starts the tour on a first visit. */
export function startTourIfNew(): void {
  if (!tourDone()) useStudio.getState().setTourStep(0);
}

/** The conv the last stop asks to toggle: the last one that trains nothing, else the first conv. */
export function tourConv(): number {
  const convs = useStudio.getState().program.scheme.convs;
  const frozen = convs.filter((c) => !c.bias && c.channels === 0);
  return frozen.length ? frozen[frozen.length - 1].convIndex : 0;
}
