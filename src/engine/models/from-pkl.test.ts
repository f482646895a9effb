/**
 * A .pkl from outside: its structure, shapes and every quantization number are checked when it is
 * opened; broken quantization (scales NaN, infinite, zero, negative or absurd; zero points outside
 * int8 or not whole) is refused in one sentence naming the file and the field, never trained on.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../input-error.ts';
import { pklOf, pklTreeOf, type PickleTree } from '../io/test-helpers.ts';
import { archFromRows } from './arch.ts';
import { buildGraph } from './build.ts';
import { modelFromPkl } from './from-pkl.ts';
import { syntheticParams } from './synthetic.ts';

type Tree = { [k: string]: Tree } & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function tinyTree(): Tree {
  const arch = archFromRows('tiny', 8, [[0, 8, 3, 1], [16, 8, 3, 2], [24, 8, 3, 1, '+']]);
  const g = buildGraph(arch, { resolution: 16, classes: 4, head: 'int8' });
  return pklTreeOf(g, syntheticParams(g, 3)) as Tree;
}

function refusal(tree: PickleTree): string {
  try {
    modelFromPkl(pklOf(tree), { fileName: 'h.pkl' });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const msg = (e as Error).message;
    expect(msg).toMatch(/^h\.pkl: /);
    expect(msg).not.toMatch(/\n|undefined|is not iterable|Cannot read|out of bounds/);
    return msg;
  }
  throw new Error('the file was accepted');
}

function edited(edit: (t: Tree) => void): Tree {
  const t = tinyTree();
  edit(t);
  return t;
}

describe('.pkl quantization and shapes are checked at open time', () => {
  it('opens the untouched tiny model', () => {
    const m = modelFromPkl(pklOf(tinyTree()), { fileName: 'tiny.pkl' });
    expect(m.graph.name).toBe('tiny');
    expect(m.graph.tensors.input.shape).toEqual([3, 16, 16]);
  });

  it('weight scales NaN, infinite, zero or negative are refused', () => {
    for (const bad of [NaN, Infinity, -Infinity, 0, -0.5, 1e30]) {
      const msg = refusal(edited((t) => { t.blocks[1].depthwise.params.w_scales.data[2] = bad; }));
      expect(msg).toMatch(/blocks\[1\]\.depthwise\.params: "w_scales"\[2\] is .*; a weight scale must be a number from 1e-12 to 10000/);
    }
  });

  it('activation scales of 1e+-300 and zero points of +-1000 or 0.5 are refused', () => {
    for (const s of [1e300, 1e-300, 0, -1]) {
      expect(refusal(edited((t) => { t.blocks[0].pointwise2.params.y_scale = s; }))).toMatch(/blocks\[0\]\.pointwise2\.params: "y_scale" is .*an activation scale must be a number from 1e-8 to 10000/);
    }
    for (const z of [1000, -1000, 0.5]) {
      expect(refusal(edited((t) => { t.first_conv.params.x_zero = z; }))).toMatch(/first_conv\.params: "x_zero"/);
    }
    expect(refusal(edited((t) => { t.blocks[2].residual.params.y_zero = 300; }))).toMatch(/blocks\[2\]\.residual: "y_zero" is 300, outside the allowed -128 to 127/);
  });

  it('architecture bounds from the file are checked before any tensor is allocated', () => {
    expect(refusal(edited((t) => { t.blocks[1].pointwise1.out_channel = 1_000_000; }))).toMatch(/blocks\[1\]\.pointwise1: "out_channel" is 1,000,000 channels, outside the allowed 1 to 4,096/);
    expect(refusal(edited((t) => { t.blocks[1].depthwise.kernel_size = [999, 999]; }))).toMatch(/"kernel_size" is 999, outside the allowed 1 to 15/);
    expect(refusal(edited((t) => { t.first_conv.in_shape = 100_000; }))).toMatch(/resolution is 100,000, outside the allowed 8 to 1,024/);
    expect(refusal(edited((t) => { t.blocks = Array(500).fill(t.blocks[2]); }))).toMatch(/blocks: expected a list of 1 to 64 blocks/);
  });
});
