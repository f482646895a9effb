/**
 * Max-pool: int8 C x H x W -> C x Ho x Wo, each window's maximum over its positions inside the input
 * (padding never wins); the output keeps the input's scale and zero point, so no rescaling and no
 * clamp. The int8 math and its C twin are kernels/maxpool.ts (maxpoolInt8, maxpoolBackward).
 * Backward: the output gradient goes to each window's first maximum, recomputed from the saved input.
 */
import { failAt, oneInt8Map } from '../ir/errors.ts';
import { maxpoolInt8 } from '../kernels/maxpool.ts';
import type { OpDef } from './op.ts';


export function poolOutSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

export const maxpool: OpDef<'maxpool'> = {
  type: 'maxpool',
  outputDType: 'int8',

  inferShapes(node, inputs) {
    const fail = (msg: string) => failAt(node, msg);
    const x = oneInt8Map(node, inputs);
    const { kernel, stride, pad } = node.attrs;
    if (!(Number.isInteger(kernel) && kernel >= 1 && Number.isInteger(stride) && stride >= 1 && Number.isInteger(pad) && pad >= 0 && pad < kernel)) {
      fail(`window ${kernel}x${kernel}, stride ${stride}, pad ${pad} is not a max-pool window (pad below the kernel)`);
    }
    const [c, h, w] = x.shape;
    const ho = poolOutSize(h, kernel, stride, pad), wo = poolOutSize(w, kernel, stride, pad);
    if (ho < 1 || wo < 1) fail(`a ${h}x${w} input is too small for a ${kernel}x${kernel} window`);
    return [[c, ho, wo]];
  },

  macs(node, g) {
    const [c, ho, wo] = g.tensors[node.outputs[0]].shape;
    return c * ho * wo * node.attrs.kernel * node.attrs.kernel;
  },

  forward(node, g, ins, outs) {
    const [channels, h, w] = g.tensors[node.inputs[0]].shape;
    const [, ho, wo] = g.tensors[node.outputs[0]].shape;
    maxpoolInt8(ins[0], { channels, h, w, ho, wo }, node.attrs, outs[0]);
  },

  gradient(node, ctx) {
    const x = node.inputs[0];
    if (!ctx.needsGrad(x)) return;
    const { kernel, stride, pad } = node.attrs;
    // The argmax is recomputed from the whole input, kept for the backward pass.
    const saved = ctx.save(x, ctx.graph.tensors[x].shape[0]);
    const gx = ctx.tensor(ctx.gradName(x), 'float32', ctx.graph.tensors[x].shape, 'gradient');
    ctx.emit({ op: 'maxpool_bwd', inputs: [ctx.gradOf(node.outputs[0]), saved], outputs: [gx], attrs: { kernel, stride, pad } });
    ctx.contribute(x, gx);
  },
};
