import { InputError } from '../input-error.ts';
import type { Node } from './graph.ts';
import type { Tensor } from './tensor.ts';

/** A malformed graph (from a model file or an edit): the message names the op and what is wrong with it. */
export class GraphError extends InputError {
  override name = 'GraphError';
}

/** How a node is named in messages: its name, op type and the paper's conv index when it has one. */
export function describeNode(n: Node): string {
  const idx = n.op === 'conv2d' && (n.attrs as { convIndex?: number }).convIndex !== undefined
    ? ` (conv ${(n.attrs as { convIndex?: number }).convIndex})`
    : '';
  return `${n.op} "${n.name}"${idx}`;
}

/** Refuses a node: a GraphError naming it, then what is wrong. */
export function failAt(n: Node, msg: string): never {
  throw new GraphError(`${describeNode(n)}: ${msg}`);
}

/** The one int8 C x H x W map with its quantization that a single-input op (pool, pad, reshape) reads; refused otherwise. */
export function oneInt8Map(n: Node, inputs: Tensor[]): Tensor {
  const x = inputs[0];
  if (inputs.length !== 1 || x.dtype !== 'int8' || x.shape.length !== 3 || !x.q) failAt(n, 'expects one int8 C x H x W input with a scale and zero point');
  return x;
}
