/** The op registry: one entry per op file. */
import type { OpType } from '../ir/graph.ts';
import { add } from './add.ts';
import { avgpool } from './avgpool.ts';
import { concat } from './concat.ts';
import { conv2d } from './conv2d.ts';
import { linear } from './linear.ts';
import { maxpool } from './maxpool.ts';
import { pad } from './pad.ts';
import type { OpDef } from './op.ts';
import { reshape } from './reshape.ts';
import { softmaxCe } from './softmax-ce.ts';

export const OPS: { [T in OpType]: OpDef<T> } = { conv2d, add, avgpool, maxpool, pad, concat, reshape, linear, softmax_ce: softmaxCe };

export function opDef<T extends OpType>(type: T): OpDef<T> {
  return OPS[type];
}
