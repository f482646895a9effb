/**
 * The float32 classifier head: the pooled int8 features are dequantized, (x - x_zero) * x_scale,
 * then y = W x + b in float32. The paper's best results train this head in float.
 * Backward: grad_x = x_scale * W^T g (with respect to the integer features); the head is always
 * trained, W -= lr * g x^T and b -= lr * g, in place right after its input gradient.
 */
import { failAt } from '../ir/errors.ts';
import { dequantize } from '../quant/arith.ts';
import type { OpDef } from './op.ts';

export const linear: OpDef<'linear'> = {
  type: 'linear',
  outputDType: 'float32',

  inferShapes(node, inputs) {
    const fail = (msg: string) => failAt(node, msg);
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

  gradient(node, ctx) {
    const [x, w, b] = node.inputs;
    const gy = ctx.gradOf(node.outputs[0]);
    const [n, c] = ctx.graph.tensors[w].shape;
    const q = ctx.graph.tensors[x].q!;
    if (ctx.needsGrad(x)) {
      const gx = ctx.tensor(ctx.gradName(x), 'float32', ctx.graph.tensors[x].shape, 'gradient');
      ctx.emit({ op: 'linear_bwd', inputs: [gy], outputs: [gx], params: [w], attrs: { xScale: q.scale } });
      ctx.contribute(x, gx);
    }
    const mw = ctx.trainable(w, n * c, 'float32', 'float32 head');
    const mb = ctx.trainable(b, n, 'float32', 'float32 head bias');
    ctx.emit({
      op: 'linear_update', phase: 'update', inputs: [x, gy], outputs: [],
      params: [w, b, ...(mw && mb ? [mw, mb] : [])], attrs: { xScale: q.scale, xZero: q.zeroPoint },
    });
  },
};

/** grad_x[i] = x_scale * sum_o W[o, i] g[o]. */
export function linearBackward(g: Float32Array, w: Float32Array, n: number, c: number, xScale: number, gx: Float32Array): void {
  const s = Math.fround(xScale);
  for (let i = 0; i < c; i++) {
    let acc = 0;
    for (let o = 0; o < n; o++) acc = Math.fround(acc + Math.fround(w[o * c + i] * g[o]));
    gx[i] = Math.fround(acc * s);
  }
}

export function linearF32(x: Float32Array, w: Float32Array, b: Float32Array, n: number, c: number, y: Float32Array): void {
  for (let o = 0; o < n; o++) {
    let acc = b[o];
    for (let i = 0; i < c; i++) acc = Math.fround(acc + Math.fround(w[o * c + i] * x[i]));
    y[o] = acc;
  }
}
