import { describe, expect, it } from 'vitest';
import type { Progress } from '../train/trainer.ts';
import type { AnalysisJobResult, AnalysisJobSpec } from './contribution.ts';
import { AnalysisPool, type PoolProgress, type PoolWorker } from './pool.ts';

const job = (i: number): AnalysisJobSpec => ({ id: `bias:${i}`, kind: 'bias', k: i, seed: 1, scheme: { nBias: i, weights: {}, head: 'float32', momentum: false } });
const jobs = (n: number) => Array.from({ length: n }, (_, i) => job(i + 1));
const tick = () => new Promise((r) => setTimeout(r, 1));

interface FakeOptions {
  steps?: number;
  /** A worker dies when it reaches this step of the job with this id, the first `times` times (default once). */
  dieOn?: { id: string; step: number; times?: number };
}

/** An in-process worker: each job takes `steps` ticks, honours pause and cancel, and can die mid-job. */
function fakeSpawner(opts: FakeOptions = {}) {
  const log = { spawned: 0, terminated: 0, started: [] as string[], concurrent: 0, maxConcurrent: 0, deaths: 0 };
  const spawn = async (): Promise<PoolWorker> => {
    log.spawned++;
    let paused = false, cancelled = false;
    let die!: (e: Error) => void;
    const died = new Promise<Error>((r) => (die = r));
    return {
      died,
      pause: () => void (paused = true),
      resume: () => void (paused = false),
      cancel: () => void (cancelled = true),
      terminate: () => void log.terminated++,
      async run(j: AnalysisJobSpec, onProgress: (p: Progress) => void): Promise<AnalysisJobResult> {
        log.started.push(j.id);
        log.maxConcurrent = Math.max(log.maxConcurrent, ++log.concurrent);
        try {
          const steps = opts.steps ?? 5;
          for (let s = 1; s <= steps; s++) {
            do await tick(); while (paused && !cancelled);
            if (cancelled) return { id: j.id, status: 'cancelled', valAccuracy: null, seconds: 0, message: `cancelled after ${s} steps` };
            if (opts.dieOn?.id === j.id && opts.dieOn.step === s && log.deaths < (opts.dieOn.times ?? 1)) {
              log.deaths++;
              die(new Error('exit code 70'));
              return new Promise<never>(() => undefined); // a dead worker never answers
            }
            onProgress({ phase: 'train', step: s, totalSteps: steps, epoch: 0, loss: 1, trainAccuracy: 0, lr: 0, imagesPerSecond: 1, etaSeconds: 0, kernels: 'typescript' });
          }
          return { id: j.id, status: 'completed', valAccuracy: j.k / 100, seconds: 0.01 };
        } finally {
          log.concurrent--;
        }
      },
    };
  };
  return { spawn, log };
}

describe('analysis pool', () => {
  it('runs every job on N workers at once, with progress per job and overall', async () => {
    const { spawn, log } = fakeSpawner();
    const overall: PoolProgress[] = [];
    const perJob = new Set<string>();
    const pool = new AnalysisPool(spawn, { workers: 3 }, { onProgress: (o) => overall.push(o), onJobProgress: (id) => perJob.add(id) });
    const r = await pool.run(jobs(7));
    expect(r.map((x) => x.id)).toEqual(jobs(7).map((j) => j.id));
    expect(r.every((x) => x.status === 'completed')).toBe(true);
    expect(log.maxConcurrent).toBe(3);
    expect(log.spawned).toBe(3);
    expect(log.terminated).toBe(3);
    expect(perJob.size).toBe(7);
    expect(overall[overall.length - 1]).toMatchObject({ done: 7, total: 7, etaSeconds: 0 });
    expect(overall.some((o) => o.done < 7 && o.etaSeconds > 0 && Number.isFinite(o.etaSeconds))).toBe(true);
  });

  it('skips the ids already completed (resume) and reruns failed ones', async () => {
    const { spawn, log } = fakeSpawner();
    const done: AnalysisJobResult[] = [
      { id: 'bias:1', status: 'completed', valAccuracy: 0.9, seconds: 1 }, { id: 'bias:2', status: 'failed', valAccuracy: null, seconds: 1 },
    ];
    const r = await new AnalysisPool(spawn, { workers: 2 }, {}).run(jobs(4), done);
    expect(log.started.sort()).toEqual(['bias:2', 'bias:3', 'bias:4']);
    expect(r[0]).toBe(done[0]);
    expect(r[1].status).toBe('completed');
  });

  it('reports a worker that dies and retries its job once on a fresh worker', async () => {
    const { spawn, log } = fakeSpawner({ dieOn: { id: 'bias:2', step: 3 } });
    const deaths: [string, string, boolean][] = [];
    const r = await new AnalysisPool(spawn, { workers: 2 }, { onWorkerDied: (id, err, retrying) => deaths.push([id, err, retrying]) }).run(jobs(4));
    expect(deaths).toEqual([['bias:2', 'exit code 70', true]]);
    expect(r.every((x) => x.status === 'completed')).toBe(true);
    expect(log.spawned).toBe(3);
    expect(log.started.filter((id) => id === 'bias:2')).toHaveLength(2);
  });

  it('fails a job whose worker dies twice, with a message, and goes on with the rest', async () => {
    const { spawn } = fakeSpawner({ dieOn: { id: 'bias:1', step: 2, times: 2 } });
    const deaths: boolean[] = [];
    const r = await new AnalysisPool(spawn, { workers: 1 }, { onWorkerDied: (_id, _e, retrying) => deaths.push(retrying) }).run(jobs(3));
    expect(deaths).toEqual([true, false]);
    expect(r[0]).toMatchObject({ status: 'failed', valAccuracy: null, message: 'the worker running it died again, on a fresh worker (exit code 70)' });
    expect(r.slice(1).every((x) => x.status === 'completed')).toBe(true);
  });

  it('pauses and resumes: nothing progresses while paused', async () => {
    const { spawn, log } = fakeSpawner({ steps: 20 });
    let events = 0;
    const pool = new AnalysisPool(spawn, { workers: 2 }, { onJobProgress: () => events++ });
    const run = pool.run(jobs(3));
    while (events < 3) await tick();
    pool.pause();
    await new Promise((r) => setTimeout(r, 20));
    const frozen = events;
    await new Promise((r) => setTimeout(r, 40));
    expect(events).toBe(frozen);
    expect(log.started).toHaveLength(2);
    pool.resume();
    expect((await run).every((x) => x.status === 'completed')).toBe(true);
  });

  it('paused before it starts: no job starts until resumed', async () => {
    const { spawn, log } = fakeSpawner();
    const pool = new AnalysisPool(spawn, { workers: 2 }, {});
    pool.pause();
    const run = pool.run(jobs(3));
    await new Promise((r) => setTimeout(r, 30));
    expect(log.started).toEqual([]);
    pool.resume();
    expect((await run).every((x) => x.status === 'completed')).toBe(true);
  });

  it('cancels: keeps what finished, the running job is cancelled, the rest never start', async () => {
    const { spawn, log } = fakeSpawner({ steps: 10 });
    let finished = 0;
    const pool: AnalysisPool = new AnalysisPool(spawn, { workers: 1 }, {
      onJobDone: () => finished++,
      onJobProgress: (id, p) => id === 'bias:2' && p.step === 4 && pool.cancel(),
    });
    const r = await pool.run(jobs(4));
    expect(finished).toBe(4);
    expect(r.map((x) => x.status)).toEqual(['completed', 'cancelled', 'cancelled', 'cancelled']);
    expect(r[3].message).toBe('cancelled before it started');
    expect(log.started).toEqual(['bias:1', 'bias:2']);
  });

  it('fails the jobs with the reason when no worker can be started', async () => {
    const pool = new AnalysisPool(() => Promise.reject(new Error('out of memory')), { workers: 2 }, {});
    const r = await pool.run(jobs(3));
    expect(r.every((x) => x.status === 'failed' && x.message === 'no worker could be started: out of memory')).toBe(true);
  });
});
