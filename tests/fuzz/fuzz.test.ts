/**
 * The fuzz suite: mutated model files (.pkl, .ttw), schemes, project files, PNGs, JPEGs, dataset
 * zips (image folders), .npy and IDX files through the engine's real readers. Every case must end in
 * a valid result (checked independently, formats.ts) or a refusal that is an InputError with one
 * clean sentence, within a CPU-time bound and a memory bound, without hanging or crashing.
 *
 * Cases run in a forked process (child.ts), so a hang or a runaway allocation is caught from outside:
 * the parent kills the process when a case runs past HANG_MS of wall time or its resident memory
 * passes RSS_KILL_BYTES, records that case as a failure, and carries on in a fresh process. Memory
 * per case is the peak resident set above the resident set before it (Linux /proc VmHWM, reset per
 * case), so ArrayBuffers count as much as the JS heap.
 *
 * Deterministic: case i of a format is a function of (format, FUZZ_SEED, i) only (cases.ts).
 *   FUZZ_CASES=n      total cases over all formats (default 2000; shared by the weights in formats.ts)
 *   FUZZ_SEED=s       another seed (default 1)
 *   FUZZ_FORMATS=a,b  only these formats
 * Adding a format (the .tflite reader): a row in formats.ts; nothing here changes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CaseResult } from './cases.ts';
import type { ChildMessage, RunRequest } from './child.ts';
import { FORMATS } from './formats.ts';

const TOTAL = Number(process.env.FUZZ_CASES ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const ONLY = process.env.FUZZ_FORMATS?.split(',').map((s) => s.trim()).filter(Boolean);

/** A case may use this much CPU (process time, so a busy machine does not make it fail). */
const CPU_MS = Number(process.env.FUZZ_CPU_MS ?? 3000);
/** ...and this much memory above what was resident before it. */
const PEAK_BYTES = 256 * 1024 * 1024;
/** Wall time after which a case counts as hung (the machine may be very busy: generous). */
const HANG_MS = 90_000;
/** Resident memory at which the worker process is killed (a case allocating without bound). */
const RSS_KILL_BYTES = 2 * 1024 * 1024 * 1024;

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

interface Failure { index: number; why: string }

class Runner {
  private child: ChildProcess | null = null;

  private start(): ChildProcess {
    return fork(CHILD, [], { execArgv: ['--import', 'tsx', '--expose-gc', '--max-old-space-size=2048'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  }

  /** Runs cases [from, to) of a format; a hang, crash or runaway memory fails that case and the rest go on in a new process. */
  async run(format: string, from: number, to: number, onCase: (r: CaseResult) => void, onFailure: (f: Failure) => void, hangMs = HANG_MS): Promise<void> {
    let next = from;
    while (next < to) {
      const child = (this.child ??= this.start());
      let stderr = '';
      child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
      const ended = await new Promise<{ failed?: Failure }>((resolve) => {
        let current = -1;
        let watchdog: ReturnType<typeof setTimeout> | undefined;
        const memory = setInterval(() => {
          const m = child.pid ? /^VmRSS:\s+(\d+) kB/m.exec(safeRead(`/proc/${child.pid}/status`)) : null;
          if (m && Number(m[1]) * 1024 > RSS_KILL_BYTES) finish({ index: current, why: `resident memory passed ${RSS_KILL_BYTES >> 20} MB` });
        }, 100);
        const arm = () => {
          clearTimeout(watchdog);
          watchdog = setTimeout(() => finish({ index: current, why: `no end after ${hangMs / 1000} s (hang)` }), hangMs);
        };
        const finish = (failed?: Failure) => {
          clearTimeout(watchdog);
          clearInterval(memory);
          child.off('message', onMessage);
          child.off('exit', onExit);
          if (failed) {
            child.kill('SIGKILL');
            this.child = null;
          }
          resolve({ failed });
        };
        const onMessage = (m: ChildMessage) => {
          if (m.type === 'ready') return;
          if (m.type === 'start') {
            current = m.index;
            arm();
          } else if (m.type === 'case') {
            onCase(m.result);
            next = m.result.index + 1;
          } else if (m.type === 'done') finish();
        };
        const onExit = (code: number | null, signal: string | null) => {
          this.child = null;
          finish({ index: current, why: `the process died (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
        };
        child.on('message', onMessage);
        child.on('exit', onExit);
        arm();
        child.send({ format, seed: SEED, from: next, to } satisfies RunRequest);
      });
      if (ended.failed) {
        onFailure(ended.failed);
        // A worker that dies before its first case would die again: the rest of the run fails with it
        // (restarting it would loop until the test's own timeout).
        if (ended.failed.index < next) return;
        next = ended.failed.index + 1;
      }
    }
  }

  stop(): void {
    this.child?.kill();
    this.child = null;
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

const runner = new Runner();
afterAll(() => runner.stop());

/** Runs a format's cases and returns every failure: bugs, unaccepted seeds, CPU or memory over bound, hangs and crashes. */
async function fuzz(format: string, cases: number, seeds: number, hangMs = HANG_MS): Promise<{ results: CaseResult[]; failures: Failure[] }> {
  const results: CaseResult[] = [];
  const failures: Failure[] = [];
  await runner.run(format, 0, cases, (r) => results.push(r), (f) => failures.push(f), hangMs);
  for (const r of results) {
    if (r.outcome === 'bug') failures.push({ index: r.index, why: `bug: ${r.message}` });
    if (r.index < seeds && r.outcome !== 'accepted') failures.push({ index: r.index, why: `the valid seed ${r.index} was not accepted: ${r.message}` });
    if (r.cpuMs > CPU_MS) failures.push({ index: r.index, why: `took ${r.cpuMs.toFixed(0)} ms of CPU (${r.inputBytes} bytes in)` });
    if (r.peakBytes > PEAK_BYTES) failures.push({ index: r.index, why: `peaked at ${(r.peakBytes / 2 ** 20).toFixed(0)} MB above its start (${r.inputBytes} bytes in)` });
  }
  return { results, failures };
}

describe('the fuzz harness', () => {
  it('catches a JavaScript error, a plain Error, a runaway allocation, a CPU hog, a hang, a crash and a death before the first case', async () => {
    const why = async (format: string, hangMs = 120_000) => (await fuzz(format, 1, 0, hangMs)).failures.map((f) => f.why).join(' | ');
    expect(await why('selftest-typeerror')).toMatch(/^bug: TypeError: Cannot set properties of undefined/);
    expect(await why('selftest-plain-error')).toMatch(/^bug: Error: a reader must refuse with an InputError/);
    if (process.platform === 'linux') {
      // It touches 400 MB; the harness samples the resident set, which the runtime's own pages move by a few MB either way.
      const peak = Number(/^peaked at (\d+) MB above its start/.exec(await why('selftest-memory'))?.[1]);
      expect(peak).toBeGreaterThan(PEAK_BYTES / 2 ** 20);
      expect(peak).toBeGreaterThanOrEqual(380);
      expect(peak).toBeLessThanOrEqual(440);
    }
    expect(await why('selftest-cpu')).toMatch(/^took \d+ ms of CPU/);
    expect(await why('selftest-hang', 5000)).toMatch(/^no end after 5 s \(hang\)$/);
    expect(await why('selftest-crash')).toMatch(/^the process died \(exit 3\)/);
    expect(await why('selftest-dies-at-start')).toMatch(/^the process died \(exit 4\)/);
  }, 300_000);
});

const rows = FORMATS.filter((r) => !ONLY || ONLY.includes(r.format.name));
const weightSum = rows.reduce((s, r) => s + r.weight, 0);

describe.runIf(rows.length > 0)(`fuzz: ${TOTAL} cases, seed ${SEED}`, () => {
  for (const { format, weight } of rows) {
    const seeds = format.seeds().length;
    const cases = Math.max(seeds + 1, Math.round((TOTAL * weight) / weightSum));
    it(`${format.name}: ${cases} cases end in a valid result or one clean refusal, within ${CPU_MS} ms of CPU and ${PEAK_BYTES >> 20} MB`, async () => {
      const { results, failures } = await fuzz(format.name, cases, seeds);
      const accepted = results.filter((r) => r.outcome === 'accepted').length;
      const maxCpu = Math.max(0, ...results.map((r) => r.cpuMs));
      const maxPeak = Math.max(0, ...results.map((r) => r.peakBytes));
      console.log(`fuzz ${format.name}: ${results.length} cases, ${accepted} accepted, ${results.length - accepted} refused or failed; ` +
        `max CPU ${maxCpu.toFixed(0)} ms, max peak ${(maxPeak / 2 ** 20).toFixed(1)} MB; ${failures.length} failures`);
      expect(failures.slice(0, 5).map((f) => `case ${f.index}: ${f.why}`), `first failures of ${failures.length} (reproduce: FUZZ_SEED=${SEED} FUZZ_FORMATS=${format.name})`).toEqual([]);
      expect(results.length).toBe(cases - failures.filter((f) => !results.some((r) => r.index === f.index)).length);
    }, 30 * 60_000);
  }
});
