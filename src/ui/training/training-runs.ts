/**
 * The runs of this session, newest first: what trained (model, scheme, settings) and what came out
 * (the worker's result: curves, validation evaluation, examples). A finished run stays on screen
 * until another is chosen, across tabs and project switches; nothing here is recomputed.
 */
import { create } from 'zustand';
import type { JobResult, TrainJob } from '../../engine/train/train-job.ts';
import type { Progress } from '../../engine/train/trainer.ts';

export interface RunSettings {
  modelLabel: string;
  schemeLabel: string;
  resolution: number;
  epochs: number;
  lr: number;
  batch: number;
  precision: 'int8' | 'fp32';
  qas: boolean;
  rounding: 'nearest' | 'stochastic';
  dataLabel: string;
}

export interface RunRecord {
  id: number;
  projectId: string;
  settings: RunSettings;
  history: Progress[];
  result: JobResult;
  /** The job that ran (its model, scheme and data): the trained model is exported from it. */
  job: TrainJob;
  finishedAt: number;
}

interface RunsState {
  runs: RunRecord[];
  /** The run shown in the results (null: the newest of the open project). */
  shown: number | null;
  add(run: Omit<RunRecord, 'id' | 'finishedAt'>): void;
  show(id: number | null): void;
}

/** Runs kept in the session (each holds a few example images and the curves). */
const KEEP = 12;
let nextId = 1;

export const useTrainingRuns = create<RunsState>()((set) => ({
  runs: [],
  shown: null,
  add: (run) => set((s) => ({ runs: [{ ...run, id: nextId++, finishedAt: Date.now() }, ...s.runs].slice(0, KEEP), shown: null })),
  show: (shown) => set({ shown }),
}));
