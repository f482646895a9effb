/**
 * Softmax cross-entropy on the logits (int8 logits are dequantized first). The loss is a float32 scalar;
 * the label is an int32 class index. Its gradient rule starts the backward pass: one kernel computes
 * the loss and d loss / d logits = softmax - onehot (times the logit scale for int8 logits).
 */
import { failAt } from '../ir/errors.ts';
import type { TypedArray } from '../ir/tensor.ts';
import { dequantize } from '../quant/arith.ts';
import type { OpDef } from './op.ts';

export const softmaxCe: OpDef<'softmax_ce'> = {
  type: 'softmax_ce',
  outputDType: 'float32',

  inferShapes(node, inputs) {
    const [logits, label] = inputs;
    if (inputs.length !== 2 || !logits || !label) failAt(node, `expects logits and label`);
    if (logits.dtype === 'int8' ? !logits.q : logits.dtype !== 'float32') {
      failAt(node, `logits must be float32, or int8 with a scale`);
    }
    if (label.dtype !== 'int32' || label.shape.join('x') !== '1') failAt(node, `label must be int32 [1]`);
    return [[1]];
  },

  macs() {
    return 0;
  },

  forward(node, g, ins, outs) {
    const probs = logitsToFloat(ins[0], g.tensors[node.inputs[0]].q);
    (outs[0] as Float32Array)[0] = softmaxInPlace(probs, ins[1][0]);
  },

  gradient(node, ctx) {
    const [logits, label] = node.inputs;
    const g = ctx.tensor(`grad:${logits}`, 'float32', ctx.graph.tensors[logits].shape, 'gradient');
    ctx.emit({ op: 'softmax_ce_bwd', inputs: [logits, label], outputs: [node.outputs[0], g] });
    ctx.contribute(logits, g);
  },
};

/** Loss and gradient with respect to the logits (their integer values when quantized). */
export function softmaxCeBackward(logits: TypedArray, q: { scale: number; zeroPoint: number } | undefined, label: number,
  loss: Float32Array, g: Float32Array): void {
  const p = logitsToFloat(logits, q);
  loss[0] = softmaxInPlace(p, label);
  const s = q ? Math.fround(q.scale) : 1;
  for (let i = 0; i < p.length; i++) g[i] = Math.fround(Math.fround(p[i] - (i === label ? 1 : 0)) * s);
}

export function logitsToFloat(logits: TypedArray, q?: { scale: number; zeroPoint: number }): Float32Array {
  const out = new Float32Array(logits.length);
  for (let i = 0; i < out.length; i++) out[i] = q ? dequantize(logits[i], q.scale, q.zeroPoint) : logits[i];
  return out;
}

/**
 * Turns logits into probabilities in place and returns the cross-entropy, computed as
 * log(sum exp(z - max)) - (z[label] - max) so it stays exact for confident wrong answers.
 * Float32 after every operation (the generated C uses expf/logf the same way).
 */
export function softmaxInPlace(z: Float32Array, label: number): number {
  const f32 = Math.fround;
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  const target = f32(z[label] - max);
  let sum = 0;
  for (let i = 0; i < z.length; i++) {
    z[i] = f32(Math.exp(f32(z[i] - max)));
    sum = f32(sum + z[i]);
  }
  for (let i = 0; i < z.length; i++) z[i] = f32(z[i] / sum);
  return f32(f32(Math.log(sum)) - target);
}
