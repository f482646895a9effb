/**
 * The schemes pinned for comparison, per project (two to four), and the short training runs that
 * measured them. The figures themselves are the engine's (compiled on demand in the view, trained
 * in the worker); this only remembers what was asked and what came back.
 */
import { create } from 'zustand';
import type { Scheme } from '../../engine/train/scheme.ts';

export interface Pin {
  id: number;
  /** `last-6`, `mcunet-5fps@99kb`, or "custom 1" for an edited scheme pinned from the project. */
  name: string;
  scheme: Scheme;
}

export interface ShortRun {
  status: 'queued' | 'running' | 'done' | 'error';
  valAccuracy?: number;
  /** Validation images the accuracy was measured on. */
  valImages?: number;
  message?: string;
}

export const MAX_PINS = 4;

interface CompareState {
  pins: Record<string, Pin[]>;
  runs: Record<string, ShortRun>;
  pin(projectId: string, name: string, scheme: Scheme): string | null;
  unpin(projectId: string, id: number): void;
  setRun(key: string, run: ShortRun): void;
}

let nextId = 1;

export const useCompare = create<CompareState>()((set, get) => ({
  pins: {},
  runs: {},
  pin: (projectId, name, scheme) => {
    const list = get().pins[projectId] ?? [];
    if (list.length >= MAX_PINS) return `at most ${MAX_PINS} schemes side by side: unpin one first`;
    const json = JSON.stringify(scheme);
    const same = list.find((p) => JSON.stringify(p.scheme) === json);
    if (same) return `${same.name} is pinned already`;
    set((s) => ({ pins: { ...s.pins, [projectId]: [...list, { id: nextId++, name, scheme }] } }));
    return null;
  },
  unpin: (projectId, id) => set((s) => ({ pins: { ...s.pins, [projectId]: (s.pins[projectId] ?? []).filter((p) => p.id !== id) } })),
  setRun: (key, run) => set((s) => ({ runs: { ...s.runs, [key]: run } })),
}));
