/**
 * A pool of analysis workers: runs a queue of jobs on N workers at once, with progress per job and
 * overall (ETA), pause, resume and cancel. Workers are injected (a spawn function), so the same pool
 * drives the page's Web Workers, Node's worker_threads and, in tests, in-process fakes.
 *
 * A worker that dies mid-job is reported, replaced by a fresh one, and the job retried once on it;
 * a second death fails the job with a message. Cancel keeps every finished result. Ids already done
 * (a resumed analysis) are not run again.
 */
import type { Progress } from '../train/trainer.ts';
import type { AnalysisJobResult, AnalysisJobSpec } from './contribution.ts';

export interface PoolWorker {
  run(job: AnalysisJobSpec, onProgress: (p: Progress) => void): Promise<AnalysisJobResult>;
  pause(): void;
  resume(): void;
  cancel(): void;
  terminate(): void;
  /** Resolves (or rejects) when the worker dies. */
  died: Promise<Error>;
}

export interface PoolProgress {
  /** Jobs with a final result (skipped ones included). */
  done: number;
  total: number;
  /** NaN until something was measured. */
  etaSeconds: number;
}

export interface PoolEvents {
  onJobStart?(id: string, worker: number): void;
  onJobProgress?(id: string, p: Progress): void;
  onJobDone?(r: AnalysisJobResult): void;
  onWorkerDied?(id: string, err: string, retrying: boolean): void;
  onProgress?(o: PoolProgress): void;
}

const now = () => performance.now();

export class AnalysisPool {
  private paused = false;
  private pausedAt = 0;
  private pausedMs = 0;
  private cancelled = false;
  private running = false;
  private resumeWaiters: (() => void)[] = [];
  /** Every live worker, busy or not: a worker remembers a pause for its next job, so resume must reach it too. */
  private readonly live = new Set<PoolWorker>();

  constructor(
    private readonly spawn: (index: number) => Promise<PoolWorker>,
    private readonly opts: { workers: number },
    private readonly events: PoolEvents = {},
  ) {
    if (!(Number.isInteger(opts.workers) && opts.workers >= 1)) throw new Error(`the pool needs a whole number of workers of at least 1, got ${opts.workers}`);
  }

  /** Runs the queue; skips ids already completed in `done`; returns a result for every job, in job order. */
  async run(jobs: AnalysisJobSpec[], done: AnalysisJobResult[] = []): Promise<AnalysisJobResult[]> {
    if (this.running) throw new Error('the pool is already running an analysis');
    this.running = true;
    this.cancelled = false;
    const ids = new Set(jobs.map((j) => j.id));
    const results = new Map<string, AnalysisJobResult>();
    for (const r of done) if (r.status === 'completed' && ids.has(r.id)) results.set(r.id, r);
    const queue = jobs.filter((j) => !results.has(j.id));
    const running = new Map<string, number>();
    const t0 = now();
    let finished = 0;
    const progress = () => {
      let work = finished, left = queue.length;
      for (const f of running.values()) {
        work += f;
        left += 1 - f;
      }
      const elapsed = (now() - t0 - this.pausedMs - (this.paused ? now() - this.pausedAt : 0)) / 1000;
      this.events.onProgress?.({ done: results.size, total: jobs.length, etaSeconds: work > 0 ? (elapsed / work) * left : NaN });
    };
    const record = (r: AnalysisJobResult) => {
      results.set(r.id, r);
      running.delete(r.id);
      finished++;
      progress();
      this.events.onJobDone?.(r);
    };
    let spawnError: string | null = null;

    const lane = async (index: number) => {
      let worker: PoolWorker | null = null;
      let retry: AnalysisJobSpec | null = null;
      const deaths = new Map<string, number>();
      try {
        while (!this.cancelled) {
          await this.whileResumed();
          if (this.cancelled) break;
          const job: AnalysisJobSpec | undefined = retry ?? queue.shift();
          retry = null;
          if (!job) break;
          if (!worker) {
            try {
              worker = await this.spawn(index);
              this.live.add(worker);
            } catch (e) {
              spawnError = (e as Error).message;
              record({ id: job.id, status: 'failed', valAccuracy: null, seconds: 0, message: `no worker could be started: ${spawnError}` });
              break;
            }
          }
          if (this.cancelled) {
            queue.unshift(job);
            break;
          }
          const w: PoolWorker = worker;
          this.events.onJobStart?.(job.id, index);
          running.set(job.id, 0);
          if (this.paused) w.pause();
          const t = now();
          const outcome = await Promise.race([
            w.run(job, (p) => {
              running.set(job.id, p.totalSteps > 0 ? Math.min(1, p.step / p.totalSteps) : 0);
              this.events.onJobProgress?.(job.id, p);
              progress();
            }).then((r) => ({ r }), (e: unknown) => ({ failed: e as Error })),
            w.died.then((e) => ({ died: e }), (e: unknown) => ({ died: e as Error })),
          ]);
          if ('r' in outcome) record(outcome.r);
          else if ('failed' in outcome) {
            record({ id: job.id, status: 'failed', valAccuracy: null, seconds: (now() - t) / 1000, message: outcome.failed.message });
          } else {
            w.terminate();
            this.live.delete(w);
            worker = null;
            const n = (deaths.get(job.id) ?? 0) + 1;
            deaths.set(job.id, n);
            const retrying = n === 1 && !this.cancelled;
            this.events.onWorkerDied?.(job.id, outcome.died.message, retrying);
            if (retrying) {
              running.delete(job.id);
              retry = job;
            } else {
              record({
                id: job.id, status: this.cancelled ? 'cancelled' : 'failed', valAccuracy: null, seconds: (now() - t) / 1000,
                message: `the worker running it died${n === 1 ? '' : ' again, on a fresh worker'} (${outcome.died.message})`,
              });
            }
          }
        }
      } finally {
        if (worker) {
          worker.terminate();
          this.live.delete(worker);
        }
      }
    };

    try {
      progress();
      await Promise.all(Array.from({ length: Math.min(this.opts.workers, Math.max(1, queue.length)) }, (_, i) => lane(i)));
      for (const j of queue.splice(0)) {
        record(this.cancelled
          ? { id: j.id, status: 'cancelled', valAccuracy: null, seconds: 0, message: 'cancelled before it started' }
          : { id: j.id, status: 'failed', valAccuracy: null, seconds: 0, message: `no worker could be started: ${spawnError}` });
      }
      return jobs.map((j) => results.get(j.id)!);
    } finally {
      this.running = false;
      if (this.paused) this.resume();
    }
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.pausedAt = now();
    for (const w of this.live) w.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.pausedMs += now() - this.pausedAt;
    for (const w of this.live) w.resume();
    this.resumeWaiters.splice(0).forEach((f) => f());
  }

  /** Stops the running jobs (they report 'cancelled') and starts no more; finished results are kept. */
  cancel(): void {
    this.cancelled = true;
    for (const w of this.live) w.cancel();
    this.resumeWaiters.splice(0).forEach((f) => f());
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private whileResumed(): Promise<void> {
    return this.paused && !this.cancelled ? new Promise((r) => this.resumeWaiters.push(r)) : Promise.resolve();
  }
}
