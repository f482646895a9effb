import { describe, expect, it } from 'vitest';
import { builtinScheme } from '../../engine/train/builtin-schemes.ts';
import { resolveScheme, type Scheme } from '../../engine/train/scheme.ts';
import { DEFAULT_TARGET } from '../targets.ts';
import { DEMO_SHAPE, demoOrigin, demoScheme } from '../demo/demo-model.ts';
import { ratioOfEntry, schemePresetName, withBias, withRatio } from './scheme-edits.ts';
import { shiftScheme } from './arch-edits.ts';
import { buildProjectModel } from './project-model.ts';
import { convList, sideEffects, type Compiled } from './side-effects.ts';

const base = builtinScheme('mcunet-5fps@49kb', 42)!;

describe('scheme edits', () => {
  it('a weight update outside the bias range extends it', () => {
    const scheme = withRatio(base, 21, 1, 42);
    expect(scheme.nBias).toBe(21);
    expect(scheme.weights['21']).toBe(1);
  });
  it('ratio 0 removes the weight entry and keeps the bias range', () => {
    const scheme = withRatio(base, 24, 0, 42);
    expect(scheme.weights['24']).toBeUndefined();
    expect(scheme.nBias).toBe(20);
  });
  it('turning a bias off ends the range after it and drops the weights before it', () => {
    const scheme = withBias(base, 27, false, 42);
    expect(scheme.nBias).toBe(14);
    expect(Object.keys(scheme.weights).sort()).toEqual(['30', '33', '39']);
  });
  it('turning a bias on extends the range to it', () => {
    expect(withBias(base, 10, true, 42).nBias).toBe(32);
  });
  it('names presets and reads ratios', () => {
    expect(schemePresetName(base, 'mcunet-5fps', 42)).toBe('mcunet-5fps@49kb');
    expect(schemePresetName(withRatio(base, 24, 1, 42), 'mcunet-5fps', 42)).toBeNull();
    expect(ratioOfEntry('1/4')).toBe(0.25);
    expect(ratioOfEntry({ channels: 12 })).toBeNull();
  });
  it('an inserted block shifts the weight entries after it', () => {
    const s = shiftScheme(base, 42, 25, 3);
    expect(Object.keys(s.weights).map(Number).sort((a, b) => a - b)).toEqual([23, 24, 30, 33, 36, 42]);
    expect(s.nBias).toBe(23);
    const r = shiftScheme(base, 42, 24, -3);
    expect(Object.keys(r.weights).map(Number).sort((a, b) => a - b)).toEqual([23, 24, 27, 30, 36]);
    expect(r.nBias).toBe(17);
  });
});

describe('side effects of an edit', () => {
  const project = buildProjectModel({ kind: 'zoo', arch: 'mcunet-5fps' }, { resolution: 128, classes: 10 });
  const at = (scheme: Scheme, target = DEFAULT_TARGET): Compiled => ({
    doc: { origin: project.origin, shape: project.shape, scheme, target }, project, scheme: resolveScheme(scheme, project.model.graph),
  });

  it('names conv ranges', () => {
    expect(convList([3])).toBe('conv 3');
    expect(convList([7, 3])).toBe('convs 3, 7');
    expect(convList([14, 15, 16, 17, 2])).toBe('convs 2, 14–17');
  });
  it('pressing B on conv 33 lists the weight updates it turned off and the biases it froze', () => {
    const before = at(base);
    const changes = sideEffects(before, at(withBias(base, 33, false, 42)), { kind: 'conv', index: 33, part: 'bias' });
    expect(changes).toEqual(['biases of convs 22–32 are frozen', 'weight updates of convs 24, 27, 30 are turned off']);
  });
  it('a weight update in front of the bias range lists the biases it turned on', () => {
    expect(sideEffects(at(base), at(withRatio(base, 21, 1, 42)), { kind: 'conv', index: 21, part: 'weight' })).toEqual(['biases of conv 21 now train']);
  });
  it('an edit of exactly what was asked has no side effect', () => {
    expect(sideEffects(at(base), at(withRatio(base, 39, 1, 42)), { kind: 'conv', index: 39, part: 'weight' })).toEqual([]);
    const b99 = builtinScheme('mcunet-5fps@99kb', 42)!;
    expect(sideEffects(at(base), at(b99), { kind: 'scheme' })).toEqual([]);
  });
  it('applying a scheme the analysis measured on the demo model lists the model, resolution and scheme it brings', () => {
    // What the Analysis tab commits on a zoo model: the scheme, with the demo model it was measured on.
    const origin = demoOrigin();
    const demo = buildProjectModel(origin, DEMO_SHAPE);
    const scheme = demoScheme(demo.summary.convs);
    const after: Compiled = { doc: { origin, shape: DEMO_SHAPE, scheme, target: DEFAULT_TARGET }, project: demo, scheme: resolveScheme(scheme, demo.model.graph) };
    expect(sideEffects(at(base), after, { kind: 'scheme' })).toEqual(['model: mcunet-5fps → tinytrain-demo.ttw', 'resolution: 128 → 32 px']);
  });
  it('a budget edit that makes the target custom says so', () => {
    const custom = { ...DEFAULT_TARGET, id: 'custom', trainBudget: 128 * 1024 };
    expect(sideEffects(at(base), at(base, custom), { kind: 'budget', field: 'trainBudget' })).toEqual(['target: STM32F746 (Cortex-M7) → Custom target']);
  });
});
