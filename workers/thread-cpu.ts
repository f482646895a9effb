/**
 * The calling thread's CPU time (user + system) from Linux's /proc/thread-self/stat, in clock ticks
 * of 1/100 s (USER_HZ), or undefined elsewhere. On a shared machine the wall time says how busy the
 * others are; the CPU time says what the work costs.
 */
import { existsSync, readFileSync } from 'node:fs';

function read(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

export const threadCpuSeconds: (() => number) | undefined = existsSync('/proc/thread-self/stat') ? read : undefined;
