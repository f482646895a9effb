/**
 * Global average pool: int8 C x H x W -> C x 1 x 1, the mean rounded, scale and zero point unchanged.
 * Backward: each input position gets g[c] / (H * W).
 */
import { GraphError, describeNode } from '../ir/errors.ts';
import { rint } from '../quant/arith.ts';
import type { OpDef } from './op.ts';

export const avgpool: OpDef<'avgpool'> = {
  type: 'avgpool',
  outputDType: 'int8',

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

  gradient(node, ctx) {
    const x = node.inputs[0];
    if (!ctx.needsGrad(x)) return;
    const gx = ctx.tensor(`grad:${x}`, 'float32', ctx.graph.tensors[x].shape, 'gradient');
    ctx.emit({ op: 'avgpool_bwd', inputs: [ctx.gradOf(node.outputs[0])], outputs: [gx] });
    ctx.contribute(x, gx);
  },
};

export function avgpoolBackward(g: Float32Array, hw: number, gx: Float32Array): void {
  const n = Math.fround(hw);
  for (let c = 0; c < g.length; c++) gx.fill(Math.fround(g[c] / n), c * hw, (c + 1) * hw);
}

export function avgpoolInt8(x: Int8Array, channels: number, hw: number, y: Int8Array, round = true): void {
  const n = Math.fround(hw);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let i = c * hw, end = i + hw; i < end; i++) sum += x[i];
    const mean = Math.fround(Math.fround(sum) / n);
    y[c] = round ? rint(mean) : mean;
  }
}
