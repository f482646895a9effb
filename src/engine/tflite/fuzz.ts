/**
 * Seeded fuzzing of the `.tflite` reader, shaped to plug into a fuzz suite for every reader: mutate
 * valid files (bytes overwritten, offsets and lengths made to lie, truncation), read each, and
 * classify the outcome. Every case must end in a valid model or a ModelFileError sentence (never
 * another exception, never the reader's "unexpected error"), within a time bound.
 */
import { ModelFileError } from '../io/errors.ts';
import { mulberry32 } from '../util/random.ts';
import { readTflite } from './read.ts';

export interface FuzzReport {
  outcomes: { ok: number; refused: number };
  /** Cases that threw something other than a clean ModelFileError: "seed/case: message". */
  bugs: string[];
  /** Cases slower than the bound. */
  slow: string[];
}

/** One mutation of a valid file: a few bytes or 32-bit words overwritten (offsets and counts lie), sometimes cut short. */
export function mutateBytes(src: Uint8Array, rand: () => number): Uint8Array {
  const m = src.slice();
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    // Favour the flatbuffer's tables and vtables (the first and last few KB) over bulk weight data.
    const near = rand() < 0.5 ? Math.floor(rand() * Math.min(m.length, 4096)) : m.length - 1 - Math.floor(rand() * Math.min(m.length, 4096));
    const at = rand() < 0.2 ? Math.floor(rand() * m.length) : near;
    const kind = rand();
    if (kind < 0.4) m[at] = Math.floor(rand() * 256);
    else if (at + 4 <= m.length) {
      const word = kind < 0.6 ? 0xffffffff : kind < 0.8 ? Math.floor(rand() * m.length) : Math.floor(rand() * 2 ** 32);
      new DataView(m.buffer).setUint32(at & ~3, word >>> 0, true);
    }
  }
  return rand() < 0.15 ? m.subarray(0, Math.floor(rand() * m.length)) : m;
}

export function fuzzTflite(seeds: Uint8Array[], options: { seed: number; cases: number; maxMsPerCase: number }): FuzzReport {
  const rand = mulberry32(options.seed);
  const report: FuzzReport = { outcomes: { ok: 0, refused: 0 }, bugs: [], slow: [] };
  for (let i = 0; i < options.cases; i++) {
    const bytes = mutateBytes(seeds[i % seeds.length], rand);
    const t0 = performance.now();
    try {
      readTflite(bytes, 'fuzz.tflite');
      report.outcomes.ok++;
    } catch (e) {
      if (e instanceof ModelFileError && !/unexpected error/.test(e.message) && !e.message.includes('\n')) report.outcomes.refused++;
      else report.bugs.push(`${options.seed}/${i}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const ms = performance.now() - t0;
    if (ms > options.maxMsPerCase) report.slow.push(`${options.seed}/${i}: ${ms.toFixed(0)} ms`);
  }
  return report;
}
