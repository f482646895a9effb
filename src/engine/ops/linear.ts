/**
 * The float32 classifier head: the pooled int8 features are dequantized, (x - x_zero) * x_scale,
 * then y = W x + b in float32. The paper's best results train this head in float.
 */
import { GraphError, describeNode } from '../ir/errors.ts';
import { dequantize } from '../quant/arith.ts';
import type { OpDef } from './op.ts';

export const linear: OpDef<'linear'> = {
  type: 'linear',

  inferShapes(node, inputs) {
    const fail = (msg: string): never => {
      throw new GraphError(`${describeNode(node)}: ${msg}`);
    };
    if (inputs.length !== 3) fail(`expects 3 inputs (x, weight, bias), got ${inputs.length}`);
    const [x, w, b] = inputs;
    if (x.dtype !== 'int8' || !x.q || x.shape.length !== 3 || x.shape[1] !== 1 || x.shape[2] !== 1) {
      fail(`input "${x.name}" must be pooled int8 features C x 1 x 1`);
    }
    if (w.dtype !== 'float32' || w.shape.length !== 2 || w.shape[1] !== x.shape[0]) {
      fail(`weight must be float32 [classes, ${x.shape[0]}], got ${w.dtype} ${w.shape.join('x')}`);
    }
    if (b.dtype !== 'float32' || b.shape.length !== 1 || b.shape[0] !== w.shape[0]) fail(`bias must be float32 [${w.shape[0]}]`);
    return [[w.shape[0], 1, 1]];
  },

  macs(node, g) {
    const [n, c] = g.tensors[node.inputs[1]].shape;
    return n * c;
  },

  forward(node, g, ins, outs) {
    const q = g.tensors[node.inputs[0]].q!;
    const [n, c] = g.tensors[node.inputs[1]].shape;
    const xf = new Float32Array(c);
    const x = ins[0] as Int8Array;
    for (let i = 0; i < c; i++) xf[i] = dequantize(x[i], q.scale, q.zeroPoint);
    linearF32(xf, ins[1] as Float32Array, ins[2] as Float32Array, n, c, outs[0] as Float32Array);
  },
};

export function linearF32(x: Float32Array, w: Float32Array, b: Float32Array, n: number, c: number, y: Float32Array): void {
  for (let o = 0; o < n; o++) {
    let acc = b[o];
    for (let i = 0; i < c; i++) acc = Math.fround(acc + Math.fround(w[o * c + i] * x[i]));
    y[o] = acc;
  }
}
