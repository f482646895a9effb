/**
 * conv2d: standard, depthwise (groups = C) and pointwise (k = 1) int8 convolution, NCHW, batch 1.
 *   acc = sum((x - x_zero) * W) + bias;  y = clamp(round(acc * x_scale * w_scale[oc] / y_scale) + y_zero)
 * Padding is in the zero-shifted domain, so a padded pixel contributes nothing (it equals x_zero).
 */
import type { Graph, Node } from '../ir/graph.ts';
import { GraphError, describeNode } from '../ir/errors.ts';
import type { Tensor, TypedArray } from '../ir/tensor.ts';
import { effectiveScale, requantize } from '../quant/arith.ts';
import type { OpDef } from './op.ts';

export function convOutSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

/** Per-output-channel effective scales of a conv, in float32. */
export function convEffectiveScales(node: Node<'conv2d'>, g: Graph, wScales: Float32Array): Float32Array {
  const x = g.tensors[node.inputs[0]].q!;
  const y = g.tensors[node.outputs[0]].q!;
  const out = new Float32Array(wScales.length);
  for (let oc = 0; oc < out.length; oc++) out[oc] = effectiveScale(x.scale, wScales[oc], y.scale);
  return out;
}

export const conv2d: OpDef<'conv2d'> = {
  type: 'conv2d',

  inferShapes(node, inputs) {
    const fail = (msg: string): never => {
      throw new GraphError(`${describeNode(node)}: ${msg}`);
    };
    if (inputs.length !== 4) fail(`expects 4 inputs (x, weight, bias, weight scales), got ${inputs.length}`);
    const [x, w, b, s] = inputs;
    const { kernel, stride, padding, groups } = node.attrs;
    if (x.dtype !== 'int8' || !x.q) fail(`input "${x.name}" must be int8 with a scale and zero point`);
    if (x.shape.length !== 3) fail(`input "${x.name}" must be C x H x W, got ${x.shape.join('x')}`);
    if (!(kernel >= 1 && stride >= 1 && padding >= 0 && groups >= 1)) {
      fail(`kernel ${kernel}, stride ${stride}, padding ${padding}, groups ${groups} are not all positive`);
    }
    const [cin, h, wd] = x.shape;
    if (cin % groups !== 0) fail(`input channels ${cin} are not divisible by groups ${groups}`);
    if (w.dtype !== 'int8' || w.shape.length !== 4) fail(`weight "${w.name}" must be int8 OIHW`);
    const [cout, cinPerGroup, kh, kw] = w.shape;
    if (cinPerGroup !== cin / groups || kh !== kernel || kw !== kernel) {
      fail(`weight shape ${w.shape.join('x')} does not fit ${cin} input channels, groups ${groups}, kernel ${kernel}`);
    }
    if (cout % groups !== 0) fail(`output channels ${cout} are not divisible by groups ${groups}`);
    if (b.dtype !== 'int32' || b.shape.length !== 1 || b.shape[0] !== cout) fail(`bias must be int32 [${cout}]`);
    if (s.dtype !== 'float32' || s.shape.length !== 1 || s.shape[0] !== cout) fail(`weight scales must be float32 [${cout}]`);
    const ho = convOutSize(h, kernel, stride, padding);
    const wo = convOutSize(wd, kernel, stride, padding);
    if (ho < 1 || wo < 1) fail(`a ${h}x${wd} input is too small for kernel ${kernel} with padding ${padding}`);
    return [[cout, ho, wo]];
  },

  macs(node, g) {
    const [cout, cinPerGroup, k] = g.tensors[node.inputs[1]].shape;
    const [, ho, wo] = g.tensors[node.outputs[0]].shape;
    return cout * ho * wo * cinPerGroup * k * k;
  },

  forward(node, g, ins, outs) {
    const xT = g.tensors[node.inputs[0]];
    const yT = g.tensors[node.outputs[0]];
    const eff = convEffectiveScales(node, g, ins[3] as Float32Array);
    convInt8(ins[0] as Int8Array, xT.shape, xT.q!.zeroPoint, ins[1] as Int8Array, g.tensors[node.inputs[1]].shape,
      ins[2] as Int32Array, eff, outs[0] as Int8Array, yT.shape, yT.q!.zeroPoint, node.attrs.stride, node.attrs.padding,
      node.attrs.groups);
  },
};

/** The int8 convolution kernel, shared by the reference and arena executors. */
export function convInt8(
  x: Int8Array, xShape: number[], xZero: number,
  w: Int8Array, wShape: number[], bias: Int32Array, eff: Float32Array,
  y: TypedArray, yShape: number[], yZero: number,
  stride: number, padding: number, groups: number,
): void {
  const [, h, wd] = xShape;
  const [cout, cpg, k] = wShape;
  const [, ho, wo] = yShape;
  const coutPerGroup = cout / groups;
  for (let oc = 0; oc < cout; oc++) {
    const g0 = Math.floor(oc / coutPerGroup) * cpg;
    const scale = eff[oc];
    for (let oy = 0; oy < ho; oy++) {
      const iy0 = oy * stride - padding;
      for (let ox = 0; ox < wo; ox++) {
        const ix0 = ox * stride - padding;
        let acc = bias[oc];
        for (let ic = 0; ic < cpg; ic++) {
          const xBase = (g0 + ic) * h * wd;
          const wBase = ((oc * cpg + ic) * k) * k;
          for (let ky = 0; ky < k; ky++) {
            const iy = iy0 + ky;
            if (iy < 0 || iy >= h) continue;
            const xRow = xBase + iy * wd;
            const wRow = wBase + ky * k;
            for (let kx = 0; kx < k; kx++) {
              const ix = ix0 + kx;
              if (ix < 0 || ix >= wd) continue;
              acc += (x[xRow + ix] - xZero) * w[wRow + kx];
            }
          }
        }
        y[(oc * ho + oy) * wo + ox] = requantize(acc, scale, yZero);
      }
    }
  }
}
