/**
 * The global pool's backward kept per channel (schedule/pool-grad.ts): the last block's pw2 gradient
 * is one value per channel, its readers take pw2's clamp mask, and no tensor of the whole gradient is
 * left. That it changes no value is the executor's test (runtime/executor.test.ts: every variant, the
 * unfused 'reorder: false' among them, trains to the same parameters) and the firmware's (QEMU).
 */
import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../ir/graph.ts';
import { buildGraph } from '../models/build.ts';
import { zooArch } from '../models/zoo.ts';
import { compileTraining } from '../program/compile.ts';
import { isOp } from '../program/types.ts';
import { builtinScheme } from '../train/builtin-schemes.ts';

describe('the pool\'s backward per channel', () => {
  for (const [model, name, pw2] of [['mcunet-5fps', 'mcunet-5fps@99kb', 'conv41'], ['mbv2-w0.35', 'mbv2-w0.35@99kb', 'conv50'],
    ['proxyless-w0.3', 'proxyless-w0.3@98kb', 'conv59']] as const) {
    it(`${name}: ${pw2}'s output gradient is 4 x channels bytes, read with its mask by block_bwd and its bias update`, () => {
      const g = buildGraph(zooArch(model), { resolution: 128, classes: 10 });
      const p = compileTraining(g, builtinScheme(name, backboneConvs(g).length)!);
      const channels = g.tensors[`${pw2}.out`].shape[0];
      const pool = p.kernels.find((k) => k.op === 'avgpool_bwd')!;
      expect(isOp(pool, 'avgpool_bwd') && pool.attrs.perChannel).toBe(true);
      expect(p.tensors[pool.outputs[0]].bytes).toBe(4 * channels);
      expect(p.kernels.some((k) => k.name === `mask:${pw2}`)).toBe(false);
      const mask = `mask:${pw2}.out`;
      const block = p.kernels.find((k) => isOp(k, 'block_bwd') && k.attrs.pw2 === pw2)!;
      expect(isOp(block, 'block_bwd') && block.attrs.g2Mask).toBe(mask);
      const bias = p.kernels.find((k) => k.name === `conv_update_b:${pw2}`)!;
      expect(isOp(bias, 'conv_update_b') && bias.attrs.mask).toBe(mask);
      // Neither the whole gradient nor its masked copy is a buffer any more.
      expect(Object.values(p.tensors).filter((t) => t.name.startsWith(`grad:${pw2}.out`)).every((t) => t.bytes === 4 * channels)).toBe(true);
      // Unfused (no block_bwd), the whole gradient stays.
      const plain = compileTraining(g, builtinScheme(name, backboneConvs(g).length)!, { fuseBlockBackward: false });
      expect(plain.tensors[`grad:${pw2}.out`].bytes).toBe(4 * g.tensors[`${pw2}.out`].shape.reduce((a, b) => a * b, 1));
    });
  }
});
