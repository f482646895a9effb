/**
 * Residual add of two int8 tensors with their own scales: dequantize both, add, requantize to the
 * output's scale and zero point (float32, in this order); in a model of TFLite's arithmetic
 * (Graph.requant 'tflite') TFLite's int8 ADD instead (quant/tflite-int.ts: addTfliteUnclamped).
 * Backward: through the clamp mask, grad_a = g * s_a / s_y and grad_b = g * s_b / s_y.
 */
import { failAt } from '../ir/errors.ts';
import { rint } from '../quant/arith.ts';
import { addMultipliers, addTfliteUnclamped, type AddMultipliers } from '../quant/tflite-int.ts';
import { setMaskBit } from './grad-kernels.ts';
import type { OpDef } from './op.ts';

const f32 = Math.fround;

export const add: OpDef<'add'> = {
  type: 'add',
  outputDType: 'int8',

  inferShapes(node, inputs) {
    if (inputs.length !== 2) failAt(node, `expects 2 inputs, got ${inputs.length}`);
    const [a, b] = inputs;
    for (const t of inputs) {
      if (t.dtype !== 'int8' || !t.q) failAt(node, `input "${t.name}" must be int8 with a scale and zero point`);
    }
    if (a.shape.join('x') !== b.shape.join('x')) {
      failAt(node, `input shapes ${a.shape.join('x')} and ${b.shape.join('x')} differ`);
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
      outs[0] as Int8Array, qy.scale, qy.zeroPoint, outs[1] as Uint8Array | undefined, true,
      g.requant === 'tflite' ? addMultipliers(qa.scale, qb.scale, qy.scale) : undefined);
  },

  gradient(node, ctx) {
    const [a, b] = node.inputs;
    const y = node.outputs[0];
    const shape = ctx.graph.tensors[y].shape;
    const gy = ctx.gradOf(y);
    const gm = ctx.tensor(`${gy}|mask`, 'float32', shape, 'gradient', gy);
    ctx.emit({ op: 'mask', inputs: [gy, ctx.mask(y)], outputs: [gm] });
    const needA = ctx.needsGrad(a), needB = ctx.needsGrad(b);
    // The branch that continues first (b, the conv branch) takes g's buffer; the skip gets its own.
    const ga = needA ? ctx.tensor(`grad:${a}@${node.name}`, 'float32', shape, 'gradient', needB ? undefined : gm) : '';
    const gb = needB ? ctx.tensor(ctx.gradName(b), 'float32', shape, 'gradient', gm) : '';
    ctx.emit({ op: 'add_bwd', inputs: [gm], outputs: [ga, gb].filter(Boolean), attrs: { ga: ga || null, gb: gb || null } });
    if (needB) ctx.contribute(b, gb);
    if (needA) ctx.contribute(a, ga);
  },
};

/** The scale factors of the add's backward: d y / d a and d y / d b in integer units. */
export function addGradScales(sa: number, sb: number, sy: number): [number, number] {
  return [Math.fround(Math.fround(sa) / Math.fround(sy)), Math.fround(Math.fround(sb) / Math.fround(sy))];
}

export function addInt8(
  a: Int8Array, sa: number, za: number, b: Int8Array, sb: number, zb: number,
  y: Int8Array, sy: number, zy: number, mask?: Uint8Array, round = true, rq?: AddMultipliers,
): void {
  const fa = f32(sa), fb = f32(sb), fy = f32(sy);
  for (let i = 0; i < y.length; i++) {
    let v: number;
    if (round && rq) v = addTfliteUnclamped(a[i] - za, b[i] - zb, rq) + zy;
    else {
      const s = f32(f32((a[i] - za) * fa) + f32((b[i] - zb) * fb));
      v = (round ? rint(f32(s / fy)) : f32(s / fy)) + zy;
    }
    if (mask) setMaskBit(mask, i, v >= -128 && v <= 127);
    y[i] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
}
