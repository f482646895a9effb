/**
 * Concatenation along channels: int8 C_i x H x W inputs -> (sum C_i) x H x W. TFLite's int8 spec has
 * every input and the output share one scale and zero point, so the forward is a copy (NCHW: each
 * input is one contiguous run of the output) and the backward a split: each input's gradient is its
 * run of the output gradient. Kernels: kernels/concat.ts (concat, concat_bwd).
 */
import { failAt } from '../ir/errors.ts';
import type { Graph, Node } from '../ir/graph.ts';
import { numel } from '../ir/tensor.ts';
import type { OpDef } from './op.ts';

/** Element offset of input i in the output. */
export function concatOffset(node: Node<'concat'>, g: Graph, i: number): number {
  let off = 0;
  for (let j = 0; j < i; j++) off += numel(g.tensors[node.inputs[j]].shape);
  return off;
}

export const concat: OpDef<'concat'> = {
  type: 'concat',
  outputDType: 'int8',

  inferShapes(node, inputs) {
    const fail = (msg: string) => failAt(node, msg);
    if (inputs.length < 2) fail(`expects at least 2 inputs, got ${inputs.length}`);
    const [first] = inputs;
    let channels = 0;
    for (const t of inputs) {
      if (t.dtype !== 'int8' || !t.q || t.shape.length !== 3) fail(`input "${t.name}" must be int8 C x H x W with a scale and zero point`);
      if (t.shape[1] !== first.shape[1] || t.shape[2] !== first.shape[2]) fail(`input "${t.name}" is ${t.shape.join('x')}, not ${first.shape[1]}x${first.shape[2]} like "${first.name}"`);
      if (Math.fround(t.q!.scale) !== Math.fround(first.q!.scale) || t.q!.zeroPoint !== first.q!.zeroPoint) {
        fail(`input "${t.name}" has scale ${t.q!.scale} and zero point ${t.q!.zeroPoint}, "${first.name}" ${first.q!.scale} and ${first.q!.zeroPoint}: a concatenation's inputs share one quantization`);
      }
      channels += t.shape[0];
    }
    return [[channels, first.shape[1], first.shape[2]]];
  },

  macs() {
    return 0;
  },

  forward(node, g, ins, outs) {
    node.inputs.forEach((_, i) => outs[0].set(ins[i], concatOffset(node, g, i)));
  },

  gradient(node, ctx) {
    const gy = ctx.gradOf(node.outputs[0]);
    node.inputs.forEach((x, i) => {
      if (!ctx.needsGrad(x)) return;
      const gx = ctx.tensor(`grad:${x}@${node.name}:${i}`, 'float32', ctx.graph.tensors[x].shape, 'gradient');
      ctx.emit({ op: 'concat_bwd', inputs: [gy], outputs: [gx], attrs: { offset: concatOffset(node, ctx.graph, i) } });
      ctx.contribute(x, gx);
    });
  },
};
