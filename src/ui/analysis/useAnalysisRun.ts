/**
 * One analysis run in the page: the engine's AnalysisPool over Web Workers, its events turned into
 * per-job and overall state, and every finished result written to IndexedDB as it arrives (so a
 * closed tab loses only the jobs in flight). Start also resumes: ids already finished are skipped.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AnalysisContext } from '../../engine/analysis/analysis-job.ts';
import type { AnalysisJobResult, AnalysisJobSpec } from '../../engine/analysis/contribution.ts';
import { AnalysisPool, type PoolProgress } from '../../engine/analysis/pool.ts';
import { keptResults, recordWriter, type AnalysisRecord } from './analysis-store.ts';
import { startWebAnalysisWorker } from '../../../workers/analysis-client-web.ts';
import { userMessage } from '../../engine/input-error.ts';

export type RunStatus = 'idle' | 'running' | 'paused' | 'cancelling' | 'done' | 'cancelled';

export interface LiveJob {
  status: 'running' | 'retrying' | 'failed' | 'cancelled';
  fraction: number;
  worker?: number;
  note?: string;
}

export interface RunState {
  status: RunStatus;
  live: Record<string, LiveJob>;
  overall: PoolProgress | null;
  /** Jobs whose worker died during this run, with what the page saw (kept after the retry). */
  deaths: Record<string, string>;
  /** What the last run ended with, or why it could not start. */
  message: string | null;
}

const IDLE: RunState = { status: 'idle', live: {}, overall: null, message: null, deaths: {} };

function endMessage(results: AnalysisJobResult[], jobs: AnalysisJobSpec[], cancelled: boolean): string | null {
  const completed = results.filter((r) => r.status === 'completed').length;
  const failed = results.filter((r) => r.status === 'failed');
  if (cancelled) {
    return `Cancelled. ${completed} of ${jobs.length} jobs are measured and kept; the job${jobs.length - completed === 1 ? '' : 's'} in flight measured nothing. Resume runs the rest.`;
  }
  if (!failed.length) return null;
  const reasons = [...new Set(failed.map((f) => f.message ?? 'no reason given'))];
  return `${failed.length} of ${jobs.length} jobs failed: ${reasons.slice(0, 2).join('; ')}${reasons.length > 2 ? '; …' : ''}`;
}

export function useAnalysisRun(onRecord: (r: AnalysisRecord) => void) {
  const [state, setState] = useState<RunState>(IDLE);
  const pool = useRef<AnalysisPool | null>(null);
  const onRecordRef = useRef(onRecord);
  useEffect(() => {
    onRecordRef.current = onRecord;
  });
  // Leaving the tab's project (or the page) stops the workers; what they finished is already saved.
  useEffect(() => () => pool.current?.cancel(), []);

  // Progress travels on its own message port, so a late progress event can follow a job's result: ignored.
  const ended = useRef(new Set<string>());
  const live = (id: string, patch: Partial<LiveJob>) => {
    if (ended.current.has(id)) return;
    setState((s) => ({ ...s, live: { ...s.live, [id]: { ...(s.live[id] ?? { status: 'running', fraction: 0 }), ...patch } } }));
  };

  /**
   * Runs the jobs (the record's measurements, or the held-out comparison's runs) not yet completed;
   * every result goes into the record; resolves with the record as the run left it.
   */
  const start = useCallback(async (ctx: AnalysisContext, start: AnalysisRecord, workers: number, jobs: AnalysisJobSpec[] = start.jobs): Promise<AnalysisRecord | null> => {
    if (pool.current) return null;
    let record: AnalysisRecord = { ...start, results: keptResults(start.results) };
    const writer = recordWriter((e) => setState((s) => ({ ...s, message: `Results are not being saved in this browser: ${(e as Error).message ?? e}` })));
    setState({ ...IDLE, status: 'running' });
    onRecordRef.current(record);
    void writer.write(record);
    const p = new AnalysisPool(() => startWebAnalysisWorker(ctx), { workers }, {
      onJobStart: (id, worker) => {
        ended.current.delete(id);
        live(id, { status: 'running', worker, fraction: 0 });
      },
      onJobProgress: (id, pr) => live(id, { fraction: pr.totalSteps > 0 ? Math.min(1, pr.step / pr.totalSteps) : 0 }),
      onWorkerDied: (id, err, retrying) => {
        const note = retrying ? `its worker died (${err}); retried on a fresh worker` : `its worker died again (${err})`;
        setState((s) => ({ ...s, deaths: { ...s.deaths, [id]: note } }));
        live(id, { status: retrying ? 'retrying' : 'failed', fraction: 0 });
      },
      onJobDone: (r) => {
        if (r.status === 'cancelled') live(r.id, { status: 'cancelled', note: r.message });
        ended.current.add(r.id);
        if (r.status !== 'cancelled') setState((s) => {
          const { [r.id]: _done, ...rest } = s.live;
          void _done;
          return { ...s, live: rest };
        });
        record = { ...record, results: keptResults([...record.results, r]) };
        onRecordRef.current(record);
        void writer.write(record);
      },
      onProgress: (overall) => setState((s) => ({ ...s, overall })),
    });
    pool.current = p;
    let cancelled = false;
    try {
      const results = await p.run(jobs, record.results);
      cancelled = results.some((r) => r.status === 'cancelled');
      await writer.flush();
      setState((s) => ({ ...s, status: cancelled ? 'cancelled' : 'done', message: endMessage(results, jobs, cancelled) }));
    } catch (e) {
      setState((s) => ({ ...s, status: 'done', message: userMessage(e) }));
    } finally {
      pool.current = null;
    }
    return record;
  }, []);

  const pause = useCallback(() => {
    pool.current?.pause();
    setState((s) => (s.status === 'running' ? { ...s, status: 'paused' } : s));
  }, []);
  const resume = useCallback(() => {
    pool.current?.resume();
    setState((s) => (s.status === 'paused' ? { ...s, status: 'running' } : s));
  }, []);
  const cancel = useCallback(() => {
    pool.current?.cancel();
    setState((s) => (s.status === 'running' || s.status === 'paused' ? { ...s, status: 'cancelling' } : s));
  }, []);
  const reset = useCallback(() => setState(IDLE), []);

  return { state, start, pause, resume, cancel, reset };
}
