/**
 * Up/Down (and Page Up/Down, Home/End) move the layer selection while the forward graph or the layer table is shown,
 * Escape clears it; unless the keys belong to a text field or a select.
 */
import { useEffect } from 'react';
import { useStudio } from '../store/index.ts';

/** Rows a Page Up/Down moves. */
const PAGE = 10;

function ownsArrowKeys(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.matches('input, select, textarea');
}

export function useLayerKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || ownsArrowKeys(e.target)) return;
      const s = useStudio.getState();
      if (s.graphTab !== 'forward' && s.graphTab !== 'layers') return;
      const moves: Record<string, () => void> = {
        ArrowDown: () => s.moveSelection(1),
        ArrowUp: () => s.moveSelection(-1),
        PageDown: () => s.moveSelection(PAGE),
        PageUp: () => s.moveSelection(-PAGE),
        Home: () => s.selectEdge('first'),
        End: () => s.selectEdge('last'),
        Escape: () => s.selectLayer(null),
      };
      const move = moves[e.key];
      if (!move) return;
      e.preventDefault();
      move();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
