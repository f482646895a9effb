/**
 * In-place forward ops: a depthwise conv writes over its input (channel by channel through a
 * workspace) and a residual add over its conv-branch input, when nothing later reads that input.
 * Backward ops (masks, channel scales, add gradients, accumulation) are made in place by the gradient
 * rules themselves.
 */
import type { Graph, Node } from '../ir/graph.ts';
import { convGeom, isDepthwise } from '../ops/conv2d.ts';
import type { Kernel, Scheduled } from '../program/types.ts';

function usedAfter(kernels: Kernel[], i: number, name: string): boolean {
  for (let j = i + 1; j < kernels.length; j++) {
    if (kernels[j].inputs.includes(name) || kernels[j].outputs.includes(name)) return true;
  }
  return false;
}

export function applyInPlace(graph: Graph, input: Scheduled): Scheduled {
  const tensors = { ...input.tensors };
  const kernels = [...input.kernels];
  const nodes = new Map(graph.nodes.map((n) => [n.name, n]));
  const aliased = new Set(Object.values(tensors).flatMap((t) => (t.aliasOf ? [t.aliasOf] : [])));
  kernels.forEach((k, i) => {
    if (k.phase !== 'forward') return;
    const node = nodes.get(k.node)!;
    let target: string | undefined;
    if (k.op === 'conv2d' && isDepthwise(convGeom(node as Node<'conv2d'>, graph))) target = k.inputs[0];
    if (k.op === 'add') target = k.inputs[1];
    if (!target) return;
    const t = tensors[target];
    if (t.category !== 'activation' || t.aliasOf || aliased.has(target) || usedAfter(kernels, i, target)) return;
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
  return { kernels, tensors };
}
