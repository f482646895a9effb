/**
 * The fuzz suite's worker process (forked by fuzz.test.ts): runs the cases it is sent, one at a time,
 * and reports each one's outcome, CPU time and peak memory. Before a case starts it says so, so the
 * parent can blame a hang or a crash (it kills this process) on the right case.
 */
import { readFileSync, writeFileSync } from 'node:fs';
// The unit tests' setup (vitest setupFiles) does not run in a forked process: the project format's
// seeds open the shipped demo model, as a new project does.
import '../setup-demo-model.ts';
import { caseInput, classify, type CaseResult } from './cases.ts';
import { FORMATS } from './formats.ts';
import { SELF_TEST_FORMATS } from './selftest-formats.ts';

export interface RunRequest { format: string; seed: number; from: number; to: number }
export type ChildMessage = { type: 'start'; index: number } | { type: 'case'; result: CaseResult } | { type: 'done' } | { type: 'ready' };

const send = (m: ChildMessage) => new Promise<void>((resolve) => process.send!(m, () => resolve()));

/** Linux: resets the peak-RSS counter (VmHWM) to the current RSS; false when not possible. */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function statusKb(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

const gc = (globalThis as { gc?: () => void }).gc;

process.on('message', async (req: RunRequest) => {
  const format = [...FORMATS.map((f) => f.format), ...SELF_TEST_FORMATS].find((f) => f.name === req.format)!;
  const seeds = format.seeds();
  for (let index = req.from; index < req.to; index++) {
    const input = caseInput(format, seeds, req.seed, index);
    if (gc && index % 16 === 0) gc();
    await send({ type: 'start', index });
    const peakKnown = resetPeak();
    const rssBefore = peakKnown ? statusKb('VmRSS') : 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { outcome, message } = await classify(format, input);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const peakBytes = peakKnown ? Math.max(0, statusKb('VmHWM') - rssBefore) * 1024 : -1;
    await send({ type: 'case', result: { index, outcome, message, inputBytes: input.length, cpuMs: (cpu.user + cpu.system) / 1000, wallMs, peakBytes } });
  }
  await send({ type: 'done' });
});

void send({ type: 'ready' });
