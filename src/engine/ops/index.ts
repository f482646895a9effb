/** The op registry: one entry per op file. */
import type { OpType } from '../ir/graph.ts';
import { add } from './add.ts';
import { avgpool } from './avgpool.ts';
import { conv2d } from './conv2d.ts';
import { linear } from './linear.ts';
import type { OpDef } from './op.ts';
import { softmaxCe } from './softmax-ce.ts';

export const OPS: { [T in OpType]: OpDef<T> } = { conv2d, add, avgpool, linear, softmax_ce: softmaxCe };

export function opDef<T extends OpType>(type: T): OpDef<T> {
  return OPS[type];
}
