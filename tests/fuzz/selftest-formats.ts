/**
 * Formats that misbehave on purpose, so the fuzz harness is shown to catch each kind of failure it
 * claims to: a JavaScript error, a plain Error, a runaway allocation, a CPU hog, a hang and a crash.
 * Used only by the harness's own test in fuzz.test.ts.
 */
import type { FuzzFormat } from './formats.ts';

const seeds = () => [new Uint8Array([1])];

export const SELF_TEST_FORMATS: FuzzFormat[] = [
  { name: 'selftest-typeerror', seeds, read: () => { (undefined as unknown as { x: number }).x = 1; } },
  { name: 'selftest-plain-error', seeds, read: () => { throw new Error('a reader must refuse with an InputError'); } },
  {
    name: 'selftest-memory',
    seeds,
    read: () => {
      const b = new Uint8Array(400 * 1024 * 1024);
      for (let i = 0; i < b.length; i += 4096) b[i] = 1;
    },
  },
  {
    name: 'selftest-cpu',
    seeds,
    read: () => {
      // Busy until this process has used 3.5 s of CPU (not of wall time: the machine may be busy).
      const start = process.cpuUsage();
      let x = 0;
      while (process.cpuUsage(start).user < 3_500_000) x++;
      if (x < 0) throw new Error('unreachable');
    },
  },
  { name: 'selftest-hang', seeds, read: () => new Promise(() => { for (;;) { /* spin */ } }) },
  { name: 'selftest-crash', seeds, read: () => { process.exit(3); } },
  // Dies before its first case (a format whose setup throws): the run must end, not restart forever.
  { name: 'selftest-dies-at-start', seeds: () => process.exit(4), read: () => undefined },
];
