/**
 * In-place forward ops: a depthwise conv writes over its input (channel by channel through a
 * workspace) and a residual add over its conv-branch input, when nothing later reads that input; then
 * a pointwise conv of no more output than input channels over its input (pixel tile by pixel tile,
 * each read before its outputs are written: output channel oc of a pixel lies over its input channel
 * oc), where its output dies at the next step (the output's buffer is then the input's, larger: held
 * longer, it would cost more than it saves). Backward ops (masks, channel scales, add gradients,
 * accumulation) are made in place by the gradient rules themselves.
 */
import type { Graph, Node } from '../ir/graph.ts';
import { rootOf } from '../memory/lifetimes.ts';
import { convGeom, isDepthwise, isPointwise } from '../ops/conv2d.ts';
import type { Kernel, ProgramTensor, Scheduled } from '../program/types.ts';

/** The last step after i at which a kernel reads or writes the buffer of `name` (itself or a tensor over it), or -1. */
function lastUse(kernels: Kernel[], tensors: Record<string, ProgramTensor>, i: number, name: string): number {
  const root = rootOf(tensors, name);
  let last = -1;
  for (let j = i + 1; j < kernels.length; j++) {
    if ([...kernels[j].inputs, ...kernels[j].outputs].some((n) => tensors[n] && rootOf(tensors, n) === root)) last = j;
  }
  return last;
}

export function applyInPlace(graph: Graph, input: Scheduled): Scheduled {
  const tensors = { ...input.tensors };
  const kernels = [...input.kernels];
  const nodes = new Map(graph.nodes.map((n) => [n.name, n]));
  const aliased = new Set(Object.values(tensors).flatMap((t) => (t.aliasOf ? [t.aliasOf] : [])));
  const geomOf = (k: Kernel) => (k.op === 'conv2d' ? convGeom(nodes.get(k.node) as Node<'conv2d'>, graph) : null);
  kernels.forEach((k, i) => {
    if (k.phase !== 'forward') return;
    const geom = geomOf(k);
    let target: string | undefined;
    if (geom && isDepthwise(geom)) target = k.inputs[0];
    if (k.op === 'add') target = k.inputs[1];
    if (!target) return;
    const t = tensors[target];
    if (t.category !== 'activation' || t.aliasOf || aliased.has(target) || lastUse(kernels, tensors, i, target) >= 0) return;
    const y = tensors[k.outputs[0]];
    if (y.bytes > t.bytes) return;
    tensors[y.name] = { ...y, aliasOf: target };
    aliased.add(target);
    if (k.op === 'conv2d') {
      // The generated C needs one output channel of workspace; the TS kernel keeps its own.
      const [, ho, wo] = y.shape;
      const scratch = `scratch:${k.node}`;
      tensors[scratch] = { name: scratch, dtype: 'int8', shape: [ho * wo], bytes: ho * wo, category: 'scratch' };
      kernels[i] = { ...k, outputs: [...k.outputs, scratch], attrs: { ...k.attrs, scratch } };
    }
  });
  // Pointwise convs, once the ops above have chosen their buffers. The input may be a depthwise conv's
  // output over its own input: the buffer is the root's, which nothing may need later.
  kernels.forEach((k, i) => {
    const geom = geomOf(k);
    if (k.phase !== 'forward' || !geom || !isPointwise(geom)) return;
    const target = k.inputs[0], y = tensors[k.outputs[0]];
    const root = rootOf(tensors, target);
    if (tensors[target].category !== 'activation' || tensors[root].category !== 'activation' || aliased.has(target) || y.aliasOf || aliased.has(y.name)) return;
    if (y.bytes > tensors[target].bytes || lastUse(kernels, tensors, i, target) >= 0 || lastUse(kernels, tensors, i, y.name) > i + 1) return;
    tensors[y.name] = { ...y, aliasOf: target };
    aliased.add(target);
  });
  return { kernels, tensors };
}
