/** Global average pool: int8 C x H x W -> C x 1 x 1, the mean rounded, scale and zero point unchanged. */
import { GraphError, describeNode } from '../ir/errors.ts';
import { rint } from '../quant/arith.ts';
import type { OpDef } from './op.ts';

export const avgpool: OpDef<'avgpool'> = {
  type: 'avgpool',

  inferShapes(node, inputs) {
    const x = inputs[0];
    if (inputs.length !== 1 || x.dtype !== 'int8' || x.shape.length !== 3 || !x.q) {
      throw new GraphError(`${describeNode(node)}: expects one int8 C x H x W input with a scale and zero point`);
    }
    return [[x.shape[0], 1, 1]];
  },

  macs(node, g) {
    const [c, h, w] = g.tensors[node.inputs[0]].shape;
    return c * h * w;
  },

  forward(node, g, ins, outs) {
    const [c, h, w] = g.tensors[node.inputs[0]].shape;
    avgpoolInt8(ins[0] as Int8Array, c, h * w, outs[0] as Int8Array);
  },
};

export function avgpoolInt8(x: Int8Array, channels: number, hw: number, y: Int8Array): void {
  const n = Math.fround(hw);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let i = c * hw, end = i + hw; i < end; i++) sum += x[i];
    y[c] = rint(Math.fround(Math.fround(sum) / n));
  }
}
