/**
 * The training panel's connection to the training Web Worker (workers/train.worker.ts, Comlink):
 * start a job, pause, resume, cancel, and the live progress history. The worker runs the whole loop,
 * so the page never blocks. A worker that dies (crash, out of memory) becomes an error message; the
 * project's model is never handed to the worker by reference, so nothing is lost, and the next start
 * creates a fresh worker.
 */
import * as Comlink from 'comlink';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobResult, TrainJob } from '../../engine/train/train-job.ts';
import type { Progress } from '../../engine/train/trainer.ts';
import type { TrainApi } from '../../../workers/train-api.ts';
import { userMessage } from '../../engine/input-error.ts';

export type TrainingStatus = 'idle' | 'running' | 'paused' | 'completed' | 'cancelled' | 'diverged' | 'error';

export interface TrainingState {
  status: TrainingStatus;
  history: Progress[];
  latest: Progress | null;
  result: JobResult | null;
  message: string | null;
}

const IDLE: TrainingState = { status: 'idle', history: [], latest: null, result: null, message: null };

export function useTrainingWorker() {
  const [state, setState] = useState<TrainingState>(IDLE);
  const worker = useRef<{ w: Worker; api: Comlink.Remote<TrainApi> } | null>(null);

  const drop = useCallback(() => {
    worker.current?.w.terminate();
    worker.current = null;
  }, []);
  useEffect(() => drop, [drop]);

  const start = useCallback(async (job: TrainJob) => {
    drop();
    const w = new Worker(new URL('../../../workers/train.worker.ts', import.meta.url), { type: 'module' });
    const api = Comlink.wrap<TrainApi>(w);
    worker.current = { w, api };
    setState({ ...IDLE, status: 'running' });
    const died = new Promise<never>((_, reject) => {
      w.addEventListener('error', (e) => reject(new Error(`the training worker stopped unexpectedly (${e.message || 'no message'}); the model and its weights are unchanged`)));
    });
    try {
      const onProgress = Comlink.proxy((p: Progress) => setState((s) => ({ ...s, latest: p, history: [...s.history, p] })));
      const result = await Promise.race([api.start(job, onProgress), died]);
      setState((s) => ({ ...s, status: result.status, result, message: result.message }));
      return result;
    } catch (e) {
      setState((s) => ({ ...s, status: 'error', message: userMessage(e) }));
      drop();
      return null;
    }
  }, [drop]);

  const pause = useCallback(() => {
    void worker.current?.api.pause();
    setState((s) => (s.status === 'running' ? { ...s, status: 'paused' } : s));
  }, []);
  const resume = useCallback(() => {
    void worker.current?.api.resume();
    setState((s) => (s.status === 'paused' ? { ...s, status: 'running' } : s));
  }, []);
  const cancel = useCallback(() => void worker.current?.api.cancel(), []);
  const reset = useCallback(() => setState(IDLE), []);

  return { state, start, pause, resume, cancel, reset };
}
