/**
 * Binding (program/compile.ts): each scheduled kernel gets what its readers need from the graph
 * (conv geometry, zero points and scales, a chain's ring layout), so the runtime and the C emitter
 * read the program only.
 */
import type { Graph, Node } from '../ir/graph.ts';
import type { Kernel, KernelOf, KernelOp, ProgramKernel, ProgramKernelOf, ProgramTensor } from '../program/types.ts';
import { bindConv } from './conv-binding.ts';
import type { Binder, ConvBinding } from './def.ts';
import { kernelDef } from './index.ts';

function bindOne<O extends KernelOp>(k: KernelOf<O>, b: Binder): ProgramKernelOf<O> {
  // The one place a kernel and its op's binding are joined: bind() returns KernelBound[O] for KernelOf<O>.
  return { ...k, bound: kernelDef<O>(k.op as O).bind(k, b) } as ProgramKernelOf<O>;
}

/** The kernels with their bindings, and every conv's binding by node name (the C parameter file reads them). */
export function bindKernels(graph: Graph, kernels: Kernel[], tensors: Record<string, ProgramTensor>): { kernels: ProgramKernel[]; convs: Record<string, ConvBinding> } {
  const nodes = new Map(graph.nodes.map((n) => [n.name, n]));
  const convs: Record<string, ConvBinding> = {};
  for (const n of graph.nodes) if (n.op === 'conv2d') convs[n.name] = bindConv(graph, n as Node<'conv2d'>);
  const node = (name: string): Node => {
    const n = nodes.get(name);
    if (!n) throw new Error(`internal: a kernel names a node "${name}" the graph does not have`);
    return n;
  };
  const b: Binder = {
    graph,
    node,
    conv(name) {
      const c = convs[name];
      if (!c) throw new Error(`internal: a kernel names "${name}" as a conv, which it is not`);
      return c;
    },
    shape(tensor) {
      const t = tensors[tensor];
      if (!t) throw new Error(`internal: a kernel names a tensor "${tensor}" the program does not have`);
      return t.shape;
    },
    quant(tensor) {
      const q = graph.tensors[tensor]?.q;
      if (!q) throw new Error(`internal: tensor "${tensor}" has no quantization`);
      return { scale: q.scale, zeroPoint: q.zeroPoint };
    },
  };
  return { kernels: kernels.map((k) => bindOne(k, b)), convs };
}
