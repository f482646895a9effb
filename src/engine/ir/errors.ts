import { InputError } from '../input-error.ts';
import type { Node } from './graph.ts';

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
