/**
 * The Step view's connection to the step-through worker (workers/step.worker.ts): open a step, then
 * ask for the snapshot after any kernel. Requests never pile up: while one is answered, only the last
 * index asked for waits (a dragged scrubber asks for many).
 */
import * as Comlink from 'comlink';
import { useCallback, useEffect, useRef, useState } from 'react';
import { userMessage } from '../../engine/input-error.ts';
import type { StepSnapshot } from '../../engine/runtime/stepper.ts';
import type { StepApi, StepJob, StepOpened } from '../../../workers/step-api.ts';

export interface StepWorkerState {
  opened: StepOpened | null;
  snapshot: StepSnapshot | null;
  /** The kernel asked for last (the snapshot may still be on its way). */
  wanted: number;
  error: string | null;
  busy: boolean;
}

export function useStepWorker(job: StepJob | null) {
  const [state, setState] = useState<StepWorkerState>({ opened: null, snapshot: null, wanted: 0, error: null, busy: false });
  const api = useRef<Comlink.Remote<StepApi> | null>(null);
  const inFlight = useRef(false);
  const pending = useRef<number | null>(null);
  // Bumped by every open and every teardown: answers to an older one are dropped.
  const generation = useRef({ n: 0 });

  const pump = useCallback(async (gen: number) => {
    if (inFlight.current || pending.current === null || !api.current) return;
    const index = pending.current;
    pending.current = null;
    inFlight.current = true;
    try {
      const snapshot = await api.current.seek(index);
      if (gen === generation.current.n) setState((s) => ({ ...s, snapshot, busy: pending.current !== null }));
    } catch (e) {
      if (gen === generation.current.n) setState((s) => ({ ...s, error: userMessage(e), busy: false }));
    } finally {
      inFlight.current = false;
    }
    if (gen === generation.current.n) void pump(gen);
  }, []);

  useEffect(() => {
    if (!job) return;
    const gens = generation.current;
    const gen = ++gens.n;
    const w = new Worker(new URL('../../../workers/step.worker.ts', import.meta.url), { type: 'module' });
    const remote = Comlink.wrap<StepApi>(w);
    api.current = remote;
    inFlight.current = false;
    pending.current = null;
    setState({ opened: null, snapshot: null, wanted: 0, error: null, busy: true });
    w.addEventListener('error', (e) => {
      if (gen === generation.current.n) setState((s) => ({ ...s, error: `the step worker stopped (${e.message || 'no message'})`, busy: false }));
    });
    remote.open(job).then(
      (opened) => {
        if (gen !== generation.current.n) return;
        setState((s) => ({ ...s, opened }));
        pending.current = 0;
        void pump(gen);
      },
      (e: unknown) => gen === generation.current.n && setState((s) => ({ ...s, error: userMessage(e), busy: false })),
    );
    return () => {
      gens.n++;
      api.current = null;
      w.terminate();
    };
  }, [job, pump]);

  const seek = useCallback((index: number) => {
    pending.current = index;
    setState((s) => ({ ...s, wanted: index, busy: true }));
    void pump(generation.current.n);
  }, [pump]);

  return { ...state, seek };
}
