/**
 * Test-only: opening a .ttw that must be refused. The refusal is one sentence naming the file (an
 * InputError), never a JavaScript error leaking through; returns the sentence for the test to match.
 */
import { expect } from 'vitest';
import { InputError } from '../input-error.ts';
import type { ModelFileOptions } from './model-file.ts';
import { modelFromWeights } from './weights-file.ts';

export function ttwRefusal(bytes: Uint8Array, opts: ModelFileOptions = {}): string {
  try {
    modelFromWeights(bytes, { fileName: 'h.ttw', ...opts });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const msg = (e as Error).message;
    expect(msg).toMatch(/^h\.ttw: /);
    expect(msg).not.toMatch(/\n|undefined|is not iterable|Cannot read|out of bounds/);
    return msg;
  }
  throw new Error('the file was accepted');
}
