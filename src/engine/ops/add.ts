/**
 * Residual add of two int8 tensors with their own scales: dequantize both, add, requantize to the
 * output's scale and zero point (float32, in this order).
 */
import { GraphError, describeNode } from '../ir/errors.ts';
import { clampInt8, rint } from '../quant/arith.ts';
import type { OpDef } from './op.ts';

const f32 = Math.fround;

export const add: OpDef<'add'> = {
  type: 'add',

  inferShapes(node, inputs) {
    if (inputs.length !== 2) throw new GraphError(`${describeNode(node)}: expects 2 inputs, got ${inputs.length}`);
    const [a, b] = inputs;
    for (const t of inputs) {
      if (t.dtype !== 'int8' || !t.q) throw new GraphError(`${describeNode(node)}: input "${t.name}" must be int8 with a scale and zero point`);
    }
    if (a.shape.join('x') !== b.shape.join('x')) {
      throw new GraphError(`${describeNode(node)}: input shapes ${a.shape.join('x')} and ${b.shape.join('x')} differ`);
    }
    return [a.shape.slice()];
  },

  macs() {
    return 0;
  },

  forward(node, g, ins, outs) {
    const qa = g.tensors[node.inputs[0]].q!;
    const qb = g.tensors[node.inputs[1]].q!;
    const qy = g.tensors[node.outputs[0]].q!;
    addInt8(ins[0] as Int8Array, qa.scale, qa.zeroPoint, ins[1] as Int8Array, qb.scale, qb.zeroPoint,
      outs[0] as Int8Array, qy.scale, qy.zeroPoint);
  },
};

export function addInt8(
  a: Int8Array, sa: number, za: number, b: Int8Array, sb: number, zb: number,
  y: Int8Array, sy: number, zy: number,
): void {
  const fa = f32(sa), fb = f32(sb), fy = f32(sy);
  for (let i = 0; i < y.length; i++) {
    const s = f32(f32((a[i] - za) * fa) + f32((b[i] - zb) * fb));
    y[i] = clampInt8(rint(f32(s / fy)) + zy);
  }
}
