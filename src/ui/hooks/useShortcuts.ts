/**
 * Window-wide keys: Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) undo and redo, Ctrl+F finds a node, Alt+1..8
 * switch tabs, Ctrl+S exports the project, Ctrl+E opens the firmware export; with a conv selected, B toggles its bias and 0..4 set its
 * weight share. Text fields and the JSON editor keep their own keys.
 */
import { useEffect } from 'react';
import { RATIO_CHOICES } from '../store/scheme-edits.ts';
import { useStudio } from '../store/index.ts';
import type { GraphTab } from '../store/ui-slice.ts';

const TAB_KEYS: Record<string, GraphTab> = { Digit1: 'forward', Digit2: 'backward', Digit3: 'layers', Digit4: 'scheme', Digit5: 'train', Digit6: 'analysis', Digit7: 'compare', Digit8: 'step' };

function ownsKeys(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.matches('input, select, textarea') || !!target.closest('.monaco-editor');
}

export function useShortcuts(): void {
  useEffect(() => {
    // Tabs, find and export work everywhere, the JSON editor included: they listen in the capture phase.
    const onGlobalKey = (e: KeyboardEvent) => {
      const s = useStudio.getState();
      const ctrl = e.ctrlKey || e.metaKey;
      if (e.altKey && !ctrl && TAB_KEYS[e.code]) {
        e.preventDefault();
        e.stopPropagation();
        s.setGraphTab(TAB_KEYS[e.code]);
      }
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      const s = useStudio.getState();
      const ctrl = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (ctrl && key === 'f' && (s.graphTab === 'forward' || s.graphTab === 'backward')) {
        e.preventDefault();
        s.setFindOpen(true);
        return;
      }
      if (ctrl && key === 's') {
        e.preventDefault();
        s.exportProject();
        return;
      }
      if (ctrl && !e.altKey && !e.shiftKey && key === 'e') {
        e.preventDefault();
        s.setFirmwareOpen(true);
        return;
      }
      if (ownsKeys(e.target)) return;
      if (ctrl && !e.altKey && ((key === 'z' && e.shiftKey) || key === 'y')) {
        e.preventDefault();
        s.redo();
        return;
      }
      if (ctrl && !e.altKey && key === 'z') {
        e.preventDefault();
        s.undo();
        return;
      }
      if (ctrl || e.altKey) return;
      const row = s.project.summary.layers.find((l) => l.name === s.selectedLayer);
      if (!row || row.convIndex === null) return;
      const update = s.program.scheme.convs[row.convIndex];
      if (key === 'b' && update) {
        e.preventDefault();
        s.setConvBias(row.convIndex, !update.bias);
      } else if (/^[0-4]$/.test(e.key)) {
        e.preventDefault();
        s.setConvRatio(row.convIndex, RATIO_CHOICES[Number(e.key)].value);
      }
    };
    window.addEventListener('keydown', onGlobalKey, true);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onGlobalKey, true);
      window.removeEventListener('keydown', onKey);
    };
  }, []);
}
