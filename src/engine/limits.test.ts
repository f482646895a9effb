/**
 * The limits are enforced in the engine, so the CLI, the page and the workers share them: budgets
 * through compileTraining, architectures through buildGraph (before any tensor exists), and every
 * refusal is an InputError naming the field, the value and the limit. The paper's models at every
 * size the app offers stay within them.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from './input-error.ts';
import { checkArchitecture, checkBudget, formatLimit } from './limits.ts';
import { buildGraph } from './models/build.ts';
import { ZOO, zooArch } from './models/zoo.ts';
import { compileTraining } from './program/compile.ts';
import { builtinScheme } from './train/builtin-schemes.ts';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('limits', () => {
  it('the zoo fits at every resolution and class count the app offers', () => {
    for (const arch of Object.values(ZOO)) {
      for (const resolution of [8, 32, 128, 1024]) for (const classes of [2, 10_000]) expect(() => checkArchitecture(arch, { resolution, classes })).not.toThrow();
    }
  });

  it('budgets of 0, 1e26, Infinity and NaN are refused by the compiler itself', () => {
    const g = buildGraph(zooArch('mcunet-5fps'), { resolution: 32 });
    const s = builtinScheme('last-6', 42)!;
    expect(refusal(() => compileTraining(g, s, { sramBudget: 0 }))).toBe('sramBudget is 0 bytes, outside the allowed 1 KB to 64 MB');
    expect(refusal(() => compileTraining(g, s, { flashBudget: 1e26 }))).toMatch(/^flashBudget is [\d,.]+ MB, outside the allowed 1 KB to 64 MB$/);
    expect(refusal(() => compileTraining(g, s, { sramBudget: Infinity }))).toBe('sramBudget must be a number of bytes, got Infinity');
    expect(refusal(() => checkBudget('x', NaN))).toBe('x must be a number of bytes, got NaN');
    expect(compileTraining(g, s, { sramBudget: 1024, flashBudget: 64 * 1024 * 1024 }).report.fits).toBe(false);
  });

  it('an architecture is refused on its fields and its costs before any graph is built', () => {
    const a = structuredClone(zooArch('mcunet-5fps'));
    const edit = (f: (x: typeof a) => void) => {
      const x = structuredClone(a);
      f(x);
      return () => buildGraph(x, { resolution: 128 });
    };
    expect(refusal(edit((x) => { x.blocks[3].kernel = 999; }))).toBe('blocks[3].kernel is 999, outside the allowed 1 to 15');
    expect(refusal(edit((x) => { x.blocks[0].mid = 40_000; }))).toBe('blocks[0].mid is 40,000 channels, outside the allowed 1 to 4,096');
    expect(refusal(edit((x) => { x.blocks[0].mid = 12; }))).toBe('blocks[0].mid is 12 but must equal the block\'s 16 input channels when it has no expansion conv');
    expect(refusal(edit((x) => { x.blocks[2].stride = 2; }))).toMatch(/^blocks\[2\]\.residual needs stride 1/);
    expect(refusal(edit((x) => { x.stem = { out: 4096, kernel: 3, stride: 1 }; }))).toBe('stem: its output of 4,096 x 128 x 128 takes 64 MB, more than the 16 MB one activation may take');
    expect(refusal(edit((x) => { x.inChannels = 1e6; }))).toBe('inChannels is 1,000,000, outside the allowed 1 to 4');
    expect(refusal(edit((x) => { x.blocks = []; }))).toMatch(/^blocks must be a list of 1 to 64 blocks/);
    expect(refusal(() => buildGraph(a, { resolution: 1024, classes: 10_001 }))).toBe('classes is 10,001, outside the allowed 2 to 10,000');
    expect(refusal(() => buildGraph(a, { resolution: 8.5 }))).toBe('resolution must be a whole number, got 8.5');
  });

  it('names limits the way people read them', () => {
    expect([formatLimit(64 * 1024 * 1024), formatLimit(1024), formatLimit(1536), formatLimit(100)]).toEqual(['64 MB', '1 KB', '1.5 KB', '100 bytes']);
  });
});
