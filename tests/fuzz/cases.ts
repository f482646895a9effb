/**
 * One fuzz case, the same in any process: the input of case `index` of a format is a pure function
 * of (format, seed, index), and its outcome is classified the same way everywhere.
 */
import { InputError } from '../../src/engine/input-error.ts';
import { hashString, mulberry32 } from '../../src/engine/util/random.ts';
import type { FuzzFormat } from './formats.ts';
import { int, mutateBytesN } from './mutate.ts';

/** Texts that must never reach the user: JavaScript's own messages, stack overflows, raw errno codes. */
export const INTERNALS = /Cannot read propert|is not iterable|is not a function|is not defined|out of bounds|Maximum call stack|Invalid array length|Invalid typed array length|Array buffer allocation failed|\b(EISDIR|ENOENT|EACCES|ENOSPC)\b|\[object Object\]|\bundefined\b/;

export type Outcome = 'accepted' | 'refused' | 'bug';

export interface CaseResult {
  index: number;
  outcome: Outcome;
  /** The refusal's message, or the bug's message and stack. */
  message?: string;
  inputBytes: number;
  cpuMs: number;
  wallMs: number;
  /** Peak resident memory during the case above what was resident before it (Linux; -1 when unknown). */
  peakBytes: number;
}

/** The input of case `index`: a seed, unchanged for the first cases, then mutated 1 to 4 times. */
export function caseInput(f: FuzzFormat, seeds: Uint8Array[], seed: number, index: number): Uint8Array {
  const rand = mulberry32((hashString(f.name) ^ Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const base = seeds[index % seeds.length];
  if (index < seeds.length) return base; // every seed once, as it is: a valid input must be accepted
  const structured = f.mutate ?? [];
  if (structured.length && rand() < 0.6) {
    try {
      const out = structured[int(rand, structured.length)](base, rand);
      return rand() < 0.3 ? mutateBytesN(out, rand, seeds, 1) : out;
    } catch {
      // The seed could not be taken apart (should not happen for seeds): fall back to bytes.
    }
  }
  return mutateBytesN(base, rand, seeds);
}

/** Classifies what a reader did with an input: accepted, refused in one clean sentence, or a bug. */
export async function classify(f: FuzzFormat, input: Uint8Array): Promise<{ outcome: Outcome; message?: string }> {
  try {
    await f.read(input);
    return { outcome: 'accepted' };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (e instanceof InputError && !msg.includes('\n') && msg.length <= 1000 && !INTERNALS.test(msg)) return { outcome: 'refused', message: msg };
    const kind = e instanceof InputError ? 'an InputError with an unclean message' : `${(e as Error)?.name ?? typeof e}`;
    return { outcome: 'bug', message: `${kind}: ${msg.slice(0, 500)}\n${(e as Error)?.stack?.split('\n').slice(1, 8).join('\n') ?? ''}` };
  }
}
