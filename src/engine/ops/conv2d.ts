/**
 * conv2d: standard, depthwise (groups = C) and pointwise (k = 1) int8 convolution, NCHW, batch 1.
 *   acc = sum((x - x_zero) * W) + bias;  y = clamp(round(acc * x_scale * w_scale[oc] / y_scale) + y_zero)
 * Padding is in the zero-shifted domain, so a padded pixel contributes nothing (it equals x_zero).
 * Backward (float32, gradients with respect to the integer values, rounding as straight-through):
 *   g' = g_y * mask * eff[oc];  grad_b = sum g';  grad_x = conv_transpose(g', W);
 *   grad_W[:, :n] = conv_weight_grad(x[:n] - x_zero, g')  (only the n trained input channels).
 */
import { convWindow, type Graph, type Node } from '../ir/graph.ts';
import { failAt } from '../ir/errors.ts';
import { effectiveScale } from '../quant/arith.ts';
import { convMultipliers } from '../quant/tflite-int.ts';
import type { GradContext } from '../train/grad-context.ts';
import { convInt8, isDepthwise, isPointwise, taps, type ConvGeom } from './conv2d-forward.ts';
import type { OpDef } from './op.ts';

export { convInt8, convRowInt8, isDepthwise, isPointwise, isSquare, ringRows, taps, wholeRows, type ConvGeom, type RowSource } from './conv2d-forward.ts';

const f32 = Math.fround;

export function convOutSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

export function convGeom(node: Node<'conv2d'>, g: Graph): ConvGeom {
  const [cin, h, w] = g.tensors[node.inputs[0]].shape;
  const [cout, cpg] = g.tensors[node.inputs[1]].shape;
  const [, ho, wo] = g.tensors[node.outputs[0]].shape;
  const { stride, groups } = node.attrs;
  return { cin, h, w, cout, ho, wo, cpg, ...convWindow(node.attrs), stride, groups };
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
  outputDType: 'int8',

  inferShapes(node, inputs) {
    const fail = (msg: string) => failAt(node, msg);
    if (inputs.length !== 4) fail(`expects 4 inputs (x, weight, bias, weight scales), got ${inputs.length}`);
    const [x, w, b, s] = inputs;
    const { stride, groups } = node.attrs;
    const { kh, kw, ph, pw } = convWindow(node.attrs);
    const kernel = kh === kw ? `${kh}` : `${kh}x${kw}`;
    if (x.dtype !== 'int8' || !x.q) fail(`input "${x.name}" must be int8 with a scale and zero point`);
    if (x.shape.length !== 3) fail(`input "${x.name}" must be C x H x W, got ${x.shape.join('x')}`);
    if (!(kh >= 1 && kw >= 1 && stride >= 1 && ph >= 0 && pw >= 0 && groups >= 1)) {
      fail(`kernel ${kernel}, stride ${stride}, padding ${ph === pw ? ph : `${ph}x${pw}`}, groups ${groups} are not all positive`);
    }
    const [cin, h, wd] = x.shape;
    if (cin % groups !== 0) fail(`input channels ${cin} are not divisible by groups ${groups}`);
    if (w.dtype !== 'int8' || w.shape.length !== 4) fail(`weight "${w.name}" must be int8 OIHW`);
    const [cout, cinPerGroup, wkh, wkw] = w.shape;
    if (cinPerGroup !== cin / groups || wkh !== kh || wkw !== kw) {
      fail(`weight shape ${w.shape.join('x')} does not fit ${cin} input channels, groups ${groups}, kernel ${kernel}`);
    }
    if (cout % groups !== 0) fail(`output channels ${cout} are not divisible by groups ${groups}`);
    if (b.dtype !== 'int32' || b.shape.length !== 1 || b.shape[0] !== cout) fail(`bias must be int32 [${cout}]`);
    if (s.dtype !== 'float32' || s.shape.length !== 1 || s.shape[0] !== cout) fail(`weight scales must be float32 [${cout}]`);
    const ho = convOutSize(h, kh, stride, ph);
    const wo = convOutSize(wd, kw, stride, pw);
    if (ho < 1 || wo < 1) fail(`a ${h}x${wd} input is too small for kernel ${kernel} with padding ${ph === pw ? ph : `${ph}x${pw}`}`);
    return [[cout, ho, wo]];
  },

  macs(node, g) {
    const c = convGeom(node, g);
    return c.cout * c.ho * c.wo * c.cpg * taps(c);
  },

  forward(node, g, ins, outs) {
    const eff = convEffectiveScales(node, g, ins[3] as Float32Array);
    convInt8(ins[0] as Int8Array, g.tensors[node.inputs[0]].q!.zeroPoint, ins[1] as Int8Array, ins[2] as Int32Array, eff,
      outs[0] as Int8Array, g.tensors[node.outputs[0]].q!.zeroPoint, convGeom(node, g), outs[1] as Uint8Array | undefined, true,
      g.requant === 'tflite' ? convMultipliers(g.tensors[node.inputs[0]].q!.scale, ins[3] as Float32Array, g.tensors[node.outputs[0]].q!.scale) : undefined);
  },

  gradient(node, ctx) {
    convGradient(node, ctx);
  },
};

/** The gradient rule: clamp mask and channel scale in place, then input gradient and in-place updates. */
function convGradient(node: Node<'conv2d'>, ctx: GradContext): void {
  const g = ctx.graph;
  const [x, w, b, s] = node.inputs;
  const y = node.outputs[0];
  const geom = convGeom(node, g);
  const isHead = node.attrs.role === 'classifier';
  const u = ctx.update(node);
  const weightChannels = isHead ? geom.cpg : (u?.channels ?? 0);
  const trainBias = isHead || !!u?.bias;
  const yShape = g.tensors[y].shape;
  const qx = g.tensors[x].q!;

  const gy = ctx.gradOf(y);
  const gm = ctx.tensor(`${gy}|mask`, 'float32', yShape, 'gradient', gy);
  ctx.emit({ op: 'mask', inputs: [gy, ctx.mask(y)], outputs: [gm] });
  const gs = ctx.tensor(`${gy}|scale`, 'float32', yShape, 'gradient', gm);
  ctx.emit({ op: 'channel_scale', inputs: [gm], outputs: [gs], params: [s] });

  const needX = ctx.needsGrad(x);
  // A stride-1 depthwise input gradient can overwrite g' channel by channel, once nothing else reads g'.
  const inPlaceX = needX && isDepthwise(geom) && geom.stride === 1 && weightChannels === 0;
  const emitInputGrad = () => {
    const gx = ctx.tensor(ctx.gradName(x), 'float32', g.tensors[x].shape, 'gradient', inPlaceX ? gs : undefined);
    ctx.emit({ op: 'conv_bwd_x', inputs: [gs], outputs: [gx], params: [w], attrs: {} });
    ctx.contribute(x, gx);
  };
  if (needX && !inPlaceX) emitInputGrad();

  if (weightChannels > 0) {
    const saved = ctx.save(x, weightChannels);
    const trained = isDepthwise(geom) ? weightChannels * taps(geom) : geom.cout * weightChannels * taps(geom);
    const mom = ctx.trainable(w, trained, 'int8', `${weightChannels} of ${isDepthwise(geom) ? geom.cout : geom.cpg} channels`);
    const params = [w, s, ...(mom ? [mom] : [])];
    const attrs = { channels: weightChannels, xZero: qx.zeroPoint };
    if (ctx.reorder) {
      ctx.emit({ op: 'conv_update_w', phase: 'update', inputs: [saved, gs], outputs: [], params, attrs });
    } else {
      const shape = isDepthwise(geom) ? [weightChannels, 1, geom.kh, geom.kw] : [geom.cout, weightChannels, geom.kh, geom.kw];
      const gw = ctx.tensor(`wgrad:${w}`, 'float32', shape, 'gradient');
      ctx.emit({ op: 'conv_grad_w', inputs: [saved, gs], outputs: [gw], params: [w], attrs });
      ctx.emit({ op: 'apply_update_w', phase: 'update', inputs: [gw], outputs: [], params, attrs }, true);
    }
  }
  if (trainBias) {
    const mom = ctx.trainable(b, geom.cout, 'int32', 'bias');
    const params = [b, s, ...(mom ? [mom] : [])];
    const attrs = { xScale: qx.scale };
    if (ctx.reorder) {
      ctx.emit({ op: 'conv_update_b', phase: 'update', inputs: [gs], outputs: [], params, attrs });
    } else {
      const gb = ctx.tensor(`bgrad:${b}`, 'float32', [geom.cout], 'gradient');
      ctx.emit({ op: 'conv_grad_b', inputs: [gs], outputs: [gb], params: [b] });
      ctx.emit({ op: 'apply_update_b', phase: 'update', inputs: [gb], outputs: [], params, attrs }, true);
    }
  }
  if (inPlaceX) emitInputGrad();
}

// Reusable workspace: a depthwise input gradient may write over its own input (g).
let workF = new Float32Array(0);
function fw(n: number) { if (workF.length < n) workF = new Float32Array(n); return workF; }

/**
 * grad_x = conv_transpose(g, W), scattering each output gradient over its receptive field in a fixed
 * order (oc, ic, ky, kx, oy, ox). A stride-1 depthwise conv may write over g (channel workspace).
 * accumulate (not for a depthwise conv): the terms add onto the gradient already in gx, each element
 * starting at accumulateStart's value instead of zero, in the same order.
 */
export function convBackwardInput(g: Float32Array, w: Int8Array, c: ConvGeom, gx: Float32Array, accumulate = false): void {
  const hw = c.h * c.w;
  if (isDepthwise(c)) {
    if (accumulate) throw new Error('internal: a depthwise input gradient does not add onto another');
    const tmp = fw(hw);
    for (let ch = 0; ch < c.cout; ch++) {
      dwBackwardChannel(g, w, c, ch, tmp);
      gx.set(tmp.subarray(0, hw), ch * hw);
    }
    return;
  }
  accumulateStart(gx, c.cin * hw, accumulate);
  if (isPointwise(c)) {
    // Pointwise: the same sums in the same order as the general scatter, without per-tap bounds tests.
    for (let oc = 0; oc < c.cout; oc++) {
      const gBase = oc * hw;
      for (let ic = 0; ic < c.cpg; ic++) {
        const wv = w[oc * c.cpg + ic];
        if (wv === 0) continue;
        for (let p = 0, i = ic * hw; p < hw; p++, i++) gx[i] = f32(gx[i] + f32(g[gBase + p] * wv));
      }
    }
    return;
  }
  const coutPerGroup = c.cout / c.groups;
  for (let oc = 0; oc < c.cout; oc++) {
    const g0 = Math.floor(oc / coutPerGroup) * c.cpg;
    for (let ic = 0; ic < c.cpg; ic++) scatterInputGrad(g, oc, w, (oc * c.cpg + ic) * taps(c), c, gx, (g0 + ic) * hw);
  }
}

/**
 * The start of an input gradient's sums: zero, or (accumulate) the gradient already in gx, which the
 * input gradient adds onto (a residual's skip gradient, schedule/accumulate-grads.ts), as gx + 0:
 * the same value except that -0 becomes +0, so no sum starts at -0. The C kernels add the +-0 term
 * of a zero weight where these loops skip it, which changes no sum that does not start at -0.
 */
export function accumulateStart(gx: Float32Array, n: number, accumulate: boolean): void {
  if (!accumulate) gx.fill(0, 0, n);
  else for (let i = 0; i < n; i++) gx[i] = f32(gx[i] + 0);
}

/** gx[base + ...] += conv_transpose of output channel oc's gradient through one kh x kw filter. */
function scatterInputGrad(g: Float32Array, oc: number, w: Int8Array, wBase: number, c: ConvGeom, dst: Float32Array, base: number): void {
  const { h, w: wd, ho, wo, kh, kw, stride, ph, pw } = c;
  const howo = ho * wo;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const wv = w[wBase + ky * kw + kx];
      if (wv === 0) continue;
      for (let oy = 0; oy < ho; oy++) {
        const iy = oy * stride - ph + ky;
        if (iy < 0 || iy >= h) continue;
        for (let ox = 0; ox < wo; ox++) {
          const ix = ox * stride - pw + kx;
          if (ix < 0 || ix >= wd) continue;
          const i = base + iy * wd + ix;
          dst[i] = f32(dst[i] + f32(g[oc * howo + oy * wo + ox] * wv));
        }
      }
    }
  }
}

/** The input gradient of one depthwise channel, into out[0 .. H*W). */
export function dwBackwardChannel(g: Float32Array, w: Int8Array, c: ConvGeom, ch: number, out: Float32Array): void {
  out.fill(0, 0, c.h * c.w);
  scatterInputGrad(g, ch, w, ch * taps(c), c, out, 0);
}

/** The same, from channel ch's output gradient held alone in gPlane[0 .. Ho*Wo). */
export function dwBackwardPlane(gPlane: Float32Array, w: Int8Array, c: ConvGeom, ch: number, out: Float32Array): void {
  out.fill(0, 0, c.h * c.w);
  scatterInputGrad(gPlane, 0, w, ch * taps(c), c, out, 0);
}

/** A depthwise channel's weight gradient from its output gradient plane (order as convWeightGradRow). */
export function dwWeightGradPlane(x: Int8Array, xZero: number, gPlane: Float32Array, c: ConvGeom, ch: number, out: Float32Array): void {
  filterGrad(x, ch * c.h * c.w, xZero, gPlane, 0, c, out, 0);
}

/** One kh x kw filter's gradient: out[ky, kx] = sum over (oy, ox) of g[gBase + ...] * (x[xBase + ...] - x_zero). */
function filterGrad(x: Int8Array, xBase: number, xZero: number, g: Float32Array, gBase: number, c: ConvGeom, out: Float32Array, outBase: number): void {
  const { h, w: wd, ho, wo, kh, kw, stride, ph, pw } = c;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      let acc = 0;
      for (let oy = 0; oy < ho; oy++) {
        const iy = oy * stride - ph + ky;
        if (iy < 0 || iy >= h) continue;
        for (let ox = 0; ox < wo; ox++) {
          const ix = ox * stride - pw + kx;
          if (ix < 0 || ix >= wd) continue;
          acc = f32(acc + f32(g[gBase + oy * wo + ox] * (x[xBase + iy * wd + ix] - xZero)));
        }
      }
      out[outBase + ky * kw + kx] = acc;
    }
  }
}

/**
 * One output channel's weight gradient over the first `n` trained input channels (channel `oc`
 * alone for a depthwise conv): out[ic, ky, kx] = sum over (oy, ox) of g' * (x - x_zero).
 */
export function convWeightGradRow(x: Int8Array, xZero: number, g: Float32Array, c: ConvGeom, oc: number, n: number, out: Float32Array): void {
  const hw = c.h * c.w, howo = c.ho * c.wo;
  const dw = isDepthwise(c);
  if (isPointwise(c)) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0, gi = oc * howo, xi = j * hw; p < howo; p++, gi++, xi++) acc = f32(acc + f32(g[gi] * (x[xi] - xZero)));
      out[j] = acc;
    }
    return;
  }
  const channels = dw ? 1 : n;
  for (let j = 0; j < channels; j++) filterGrad(x, (dw ? oc : j) * hw, xZero, g, oc * howo, c, out, j * taps(c));
}

/** grad_b[oc] = sum over the plane of g'. */
export function convBiasGrad(g: Float32Array, oc: number, howo: number): number {
  let acc = 0;
  for (let p = oc * howo, end = p + howo; p < end; p++) acc = f32(acc + g[p]);
  return acc;
}
