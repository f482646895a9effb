/**
 * A gradient summed from two contributions (a residual block's input: the add's skip gradient and the
 * block's own input gradient) without a buffer for the second: the input-gradient kernel adds its
 * terms onto the first contribution's buffer (attrs.onto) and the grad_acc that summed the two
 * is gone. At a block's fused backward that is one float tensor of the block input's size fewer live
 * (the pw2 gradient, the skip's and pw1's input gradient were three; mbv2-w0.35@99kb's peak).
 *
 * The sum's order changes: each element was skip + (t0 + t1 + ...) and is now ((skip + 0) + t0) + t1
 * + ..., the terms in the order the kernel adds them from zero (accumulateStart in ops/conv2d.ts: the
 * + 0 makes a -0 skip gradient +0, so the C kernels' zero-weight terms change nothing). The unfused
 * pw1 input gradient (conv_bwd_x), dw_pw_bwd and block_bwd add the same terms in the same order, so
 * fused and unfused programs still compute the same bits.
 *
 * Taken only when the input gradient's kernel is the contribution's sole writer and nothing between
 * it and the grad_acc touches the first contribution's buffer.
 */
import type { Graph, Node } from '../ir/graph.ts';
import { convGeom, isDepthwise } from '../ops/conv2d.ts';
import { rootOf } from '../memory/lifetimes.ts';
import type { Kernel, Scheduled } from '../program/types.ts';

/** Whether kernel k can add its input gradient (its first output) onto the buffer it writes. */
function canAccumulate(graph: Graph, k: Kernel): boolean {
  if (k.op === 'conv_bwd_x') {
    const node = graph.nodes.find((n) => n.name === k.node) as Node<'conv2d'> | undefined;
    return !!node && !isDepthwise(convGeom(node, graph));
  }
  if (k.op === 'dw_pw_bwd') return k.attrs.inputGrad;
  if (k.op === 'block_bwd') return !!k.attrs.pw1 && k.attrs.inputGrad;
  return false;
}

export function accumulateGrads(graph: Graph, s: Scheduled): Scheduled {
  const tensors = { ...s.tensors };
  const kernels = [...s.kernels];
  const drop = new Set<number>();
  const aliased = new Set(Object.values(tensors).flatMap((t) => (t.aliasOf ? [t.aliasOf] : [])));
  const touches = (k: Kernel, root: string) => [...k.inputs, ...k.outputs].some((n) => tensors[n] && rootOf(tensors, n) === root);
  kernels.forEach((acc, j) => {
    if (acc.op !== 'grad_acc') return;
    const [prev, g] = acc.inputs;
    const sum = acc.outputs[0];
    if (tensors[g]?.aliasOf || aliased.has(g) || rootOf(tensors, sum) !== rootOf(tensors, prev)) return;
    const writers = kernels.flatMap((k, i) => (i !== j && !drop.has(i) && touches(k, g) ? [i] : []));
    if (writers.length !== 1) return;
    const i = writers[0], k = kernels[i];
    if (i > j || k.outputs[0] !== g || !canAccumulate(graph, k)) return;
    const root = rootOf(tensors, prev);
    // The skip gradient is complete before the kernel and untouched until the sum (and not its input).
    if (kernels.slice(i, j).some((x, at) => !drop.has(i + at) && touches(x, root))) return;
    if (!kernels.slice(0, i).some((x) => x.outputs.some((n) => tensors[n] && rootOf(tensors, n) === root))) return;
    // The skip gradient is read (its last input) and added onto in its own buffer (sum is its alias).
    kernels[i] = { ...k, inputs: [...k.inputs, prev], outputs: [sum, ...k.outputs.slice(1)], attrs: { ...k.attrs, onto: prev } } as Kernel;
    delete tensors[g];
    drop.add(j);
  });
  return { kernels: kernels.filter((_, i) => !drop.has(i)), tensors };
}
