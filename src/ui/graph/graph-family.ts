/**
 * Whether a graph is of the inverted-bottleneck family the graph views draw as blocks (MODELS.md):
 * a chain of nodes each reading its predecessor's output, the stem (block -1) and then blocks in
 * order, each conv and add carrying its block, whose only other edges are the blocks' residual
 * skips (an add's first input is its block's input), with the pool and the classifier after the
 * blocks. Anything else (an imported general CNN: convs with no block, a tensor read by two
 * branches, a join that is no block's residual, an op the family has no place for) is a general
 * graph, laid out node by node.
 */
import type { Graph, Node } from '../../engine/ir/graph.ts';

const FAMILY_OPS = new Set(['conv2d', 'add', 'avgpool', 'linear', 'softmax_ce']);

const cache = new WeakMap<Graph, boolean>();

export function isBlockFamily(g: Graph): boolean {
  let known = cache.get(g);
  if (known === undefined) cache.set(g, (known = check(g)));
  return known;
}

function blockOf(n: Node): number | null {
  if (n.op === 'conv2d' && (n.attrs as { role?: string }).role === 'classifier') return null;
  if (n.op !== 'conv2d' && n.op !== 'add') return null;
  const b = (n.attrs as { block?: unknown }).block;
  return typeof b === 'number' && Number.isInteger(b) && b >= -1 ? b : NaN;
}

function check(g: Graph): boolean {
  const activation = (t: string) => g.tensors[t]?.kind === 'activation' || g.tensors[t]?.kind === 'input';
  let prev = g.input;
  let block = -1;
  let inHead = false;
  /** The input of the block being walked: what its residual add's skip must read. */
  let blockIn = g.input;
  for (const n of g.nodes) {
    if (!FAMILY_OPS.has(n.op)) return false;
    if (n.op === 'softmax_ce') continue;
    const b = blockOf(n);
    if (Number.isNaN(b)) return false;
    if (b === null) {
      inHead = true;
    } else {
      if (inHead || b < block || (b === -1 && n.op !== 'conv2d')) return false;
      if (b > block) {
        if (n.op === 'add') return false;
        block = b;
        blockIn = prev;
      }
    }
    const reads = n.inputs.filter(activation);
    if (n.op === 'add') {
      if (reads.length !== 2 || reads[0] !== blockIn || reads[1] !== prev) return false;
    } else if (reads.length !== 1 || reads[0] !== prev) {
      return false;
    }
    if (n.outputs.length !== 1) return false;
    prev = n.outputs[0];
  }
  return true;
}
