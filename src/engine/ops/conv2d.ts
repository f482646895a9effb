/**
 * conv2d: standard, depthwise (groups = C) and pointwise (k = 1) int8 convolution, NCHW, batch 1.
 *   acc = sum((x - x_zero) * W) + bias;  y = clamp(round(acc * x_scale * w_scale[oc] / y_scale) + y_zero)
 * Padding is in the zero-shifted domain, so a padded pixel contributes nothing (it equals x_zero).
 * Backward (float32, gradients with respect to the integer values, rounding as straight-through):
 *   g' = g_y * mask * eff[oc];  grad_b = sum g';  grad_x = conv_transpose(g', W);
 *   grad_W[:, :n] = conv_weight_grad(x[:n] - x_zero, g')  (only the n trained input channels).
 */
import type { Graph, Node } from '../ir/graph.ts';
import { GraphError, describeNode } from '../ir/errors.ts';
import type { TypedArray } from '../ir/tensor.ts';
import { effectiveScale, requantizeUnclamped } from '../quant/arith.ts';
import type { GradContext } from '../train/grad-context.ts';
import { setMaskBit } from './grad-kernels.ts';
import type { OpDef } from './op.ts';

const f32 = Math.fround;

export function convOutSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

/** Everything a conv kernel needs to know about shapes. */
export interface ConvGeom {
  cin: number; h: number; w: number;
  cout: number; ho: number; wo: number;
  /** Input channels per group (1 for depthwise). */
  cpg: number;
  k: number; stride: number; pad: number; groups: number;
}

export function convGeom(node: Node<'conv2d'>, g: Graph): ConvGeom {
  const [cin, h, w] = g.tensors[node.inputs[0]].shape;
  const [cout, cpg, k] = g.tensors[node.inputs[1]].shape;
  const [, ho, wo] = g.tensors[node.outputs[0]].shape;
  const { stride, padding, groups } = node.attrs;
  return { cin, h, w, cout, ho, wo, cpg, k, stride, pad: padding, groups };
}

export const isDepthwise = (c: ConvGeom) => c.groups > 1 && c.groups === c.cin && c.cout === c.cin;

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
    const c = convGeom(node, g);
    return c.cout * c.ho * c.wo * c.cpg * c.k * c.k;
  },

  forward(node, g, ins, outs) {
    const eff = convEffectiveScales(node, g, ins[3] as Float32Array);
    convInt8(ins[0] as Int8Array, g.tensors[node.inputs[0]].q!.zeroPoint, ins[1] as Int8Array, ins[2] as Int32Array, eff,
      outs[0] as Int8Array, g.tensors[node.outputs[0]].q!.zeroPoint, convGeom(node, g), outs[1] as Uint8Array | undefined);
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
    const gx = ctx.tensor(`grad:${x}`, 'float32', g.tensors[x].shape, 'gradient', inPlaceX ? gs : undefined);
    ctx.emit({ op: 'conv_bwd_x', inputs: [gs], outputs: [gx], params: [w] });
    ctx.contribute(x, gx);
  };
  if (needX && !inPlaceX) emitInputGrad();

  if (weightChannels > 0) {
    const saved = ctx.save(x, weightChannels);
    const trained = isDepthwise(geom) ? weightChannels * geom.k * geom.k : geom.cout * weightChannels * geom.k * geom.k;
    const mom = ctx.trainable(w, trained, 'int8', `${weightChannels} of ${isDepthwise(geom) ? geom.cout : geom.cpg} channels`);
    const params = [w, s, ...(mom ? [mom] : [])];
    const attrs = { channels: weightChannels, xZero: qx.zeroPoint };
    if (ctx.reorder) {
      ctx.emit({ op: 'conv_update_w', phase: 'update', inputs: [saved, gs], outputs: [], params, attrs });
    } else {
      const shape = isDepthwise(geom) ? [weightChannels, 1, geom.k, geom.k] : [geom.cout, weightChannels, geom.k, geom.k];
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

// Reusable per-channel workspace so a depthwise kernel may write over its own input.
let work8 = new Int8Array(0);
let work32 = new Int32Array(0);
let workF = new Float32Array(0);
function i8(n: number) { if (work8.length < n) work8 = new Int8Array(n); return work8; }
function i32(n: number) { if (work32.length < n) work32 = new Int32Array(n); return work32; }
function fw(n: number) { if (workF.length < n) workF = new Float32Array(n); return workF; }

function store(y: TypedArray, i: number, v: number, mask: Uint8Array | undefined): void {
  if (mask) setMaskBit(mask, i, v >= -128 && v <= 127);
  y[i] = v < -128 ? -128 : v > 127 ? 127 : v;
}

/**
 * The int8 convolution kernel, shared by both executors. A depthwise conv may run in place
 * (y over x): each channel is computed into a workspace first, then copied.
 */
export function convInt8(
  x: Int8Array, xZero: number, w: Int8Array, bias: Int32Array, eff: Float32Array,
  y: TypedArray, yZero: number, c: ConvGeom, mask?: Uint8Array, round = true,
): void {
  // Float mode (round = false) keeps the same function without rounding, for gradient checks.
  const requant = round ? requantizeUnclamped : (acc: number, s: number, z: number) => f32(f32(acc) * s) + z;
  const { h, w: wd, cout, ho, wo, cpg, k, stride, pad } = c;
  const hw = h * wd, howo = ho * wo;
  if (k === 1 && stride === 1 && pad === 0 && c.groups === 1) {
    // Pointwise: accumulate a whole output plane, input channel by input channel (sequential reads).
    const acc = i32(howo);
    for (let oc = 0; oc < cout; oc++) {
      acc.fill(bias[oc], 0, howo);
      for (let ic = 0; ic < cpg; ic++) {
        const wv = w[oc * cpg + ic];
        if (wv === 0) continue;
        for (let p = 0, xi = ic * hw; p < howo; p++, xi++) acc[p] += (x[xi] - xZero) * wv;
      }
      const scale = eff[oc];
      for (let p = 0; p < howo; p++) store(y, oc * howo + p, requant(acc[p], scale, yZero), mask);
    }
    return;
  }
  const dw = isDepthwise(c);
  const coutPerGroup = cout / c.groups;
  const tmp = dw ? (round ? i8(howo) : new Float32Array(howo)) : null;
  const tmpMask = dw && mask ? new Uint8Array(howo) : null;
  for (let oc = 0; oc < cout; oc++) {
    const g0 = Math.floor(oc / coutPerGroup) * cpg;
    const scale = eff[oc];
    for (let oy = 0; oy < ho; oy++) {
      const iy0 = oy * stride - pad;
      for (let ox = 0; ox < wo; ox++) {
        const ix0 = ox * stride - pad;
        let acc = bias[oc];
        for (let ic = 0; ic < cpg; ic++) {
          const xBase = (g0 + ic) * hw;
          const wBase = (oc * cpg + ic) * k * k;
          for (let ky = 0; ky < k; ky++) {
            const iy = iy0 + ky;
            if (iy < 0 || iy >= h) continue;
            const xRow = xBase + iy * wd, wRow = wBase + ky * k;
            for (let kx = 0; kx < k; kx++) {
              const ix = ix0 + kx;
              if (ix < 0 || ix >= wd) continue;
              acc += (x[xRow + ix] - xZero) * w[wRow + kx];
            }
          }
        }
        const v = requant(acc, scale, yZero);
        const p = oy * wo + ox;
        if (tmp) {
          tmp[p] = v < -128 ? -128 : v > 127 ? 127 : v;
          if (tmpMask) tmpMask[p] = v >= -128 && v <= 127 ? 1 : 0;
        } else store(y, oc * howo + p, v, mask);
      }
    }
    if (tmp) {
      for (let p = 0; p < howo; p++) {
        y[oc * howo + p] = tmp[p];
        if (mask) setMaskBit(mask, oc * howo + p, tmpMask![p] === 1);
      }
    }
  }
}

/**
 * grad_x = conv_transpose(g, W), scattering each output gradient over its receptive field in a fixed
 * order (oc, ic, ky, kx, oy, ox). A stride-1 depthwise conv may write over g (channel workspace).
 */
export function convBackwardInput(g: Float32Array, w: Int8Array, c: ConvGeom, gx: Float32Array): void {
  const hw = c.h * c.w;
  if (isDepthwise(c)) {
    const tmp = fw(hw);
    for (let ch = 0; ch < c.cout; ch++) {
      dwBackwardChannel(g, w, c, ch, tmp);
      gx.set(tmp.subarray(0, hw), ch * hw);
    }
    return;
  }
  gx.fill(0, 0, c.cin * hw);
  const coutPerGroup = c.cout / c.groups;
  for (let oc = 0; oc < c.cout; oc++) {
    const g0 = Math.floor(oc / coutPerGroup) * c.cpg;
    for (let ic = 0; ic < c.cpg; ic++) scatterInputGrad(g, oc, w, (oc * c.cpg + ic) * c.k * c.k, c, gx, (g0 + ic) * hw);
  }
}

/** gx[base + ...] += conv_transpose of output channel oc's gradient through one k x k filter. */
function scatterInputGrad(g: Float32Array, oc: number, w: Int8Array, wBase: number, c: ConvGeom, dst: Float32Array, base: number): void {
  const { h, w: wd, ho, wo, k, stride, pad } = c;
  const howo = ho * wo;
  for (let ky = 0; ky < k; ky++) {
    for (let kx = 0; kx < k; kx++) {
      const wv = w[wBase + ky * k + kx];
      if (wv === 0) continue;
      for (let oy = 0; oy < ho; oy++) {
        const iy = oy * stride - pad + ky;
        if (iy < 0 || iy >= h) continue;
        for (let ox = 0; ox < wo; ox++) {
          const ix = ox * stride - pad + kx;
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
  scatterInputGrad(g, ch, w, ch * c.k * c.k, c, out, 0);
}

/**
 * One output channel's weight gradient over the first `n` trained input channels (channel `oc`
 * alone for a depthwise conv): out[ic, ky, kx] = sum over (oy, ox) of g' * (x - x_zero).
 */
export function convWeightGradRow(x: Int8Array, xZero: number, g: Float32Array, c: ConvGeom, oc: number, n: number, out: Float32Array): void {
  const { h, w: wd, ho, wo, k, stride, pad } = c;
  const hw = h * wd, howo = ho * wo;
  const dw = isDepthwise(c);
  const channels = dw ? 1 : n;
  for (let j = 0; j < channels; j++) {
    const xBase = (dw ? oc : j) * hw;
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        let acc = 0;
        for (let oy = 0; oy < ho; oy++) {
          const iy = oy * stride - pad + ky;
          if (iy < 0 || iy >= h) continue;
          for (let ox = 0; ox < wo; ox++) {
            const ix = ox * stride - pad + kx;
            if (ix < 0 || ix >= wd) continue;
            acc = f32(acc + f32(g[oc * howo + oy * wo + ox] * (x[xBase + iy * wd + ix] - xZero)));
          }
        }
        out[(j * k + ky) * k + kx] = acc;
      }
    }
  }
}

/** grad_b[oc] = sum over the plane of g'. */
export function convBiasGrad(g: Float32Array, oc: number, howo: number): number {
  let acc = 0;
  for (let p = oc * howo, end = p + howo; p < end; p++) acc = f32(acc + g[p]);
  return acc;
}

/** Where the rows of a tensor live: a whole C x H x W tensor, or a ring of `rows` rows per channel. */
export interface RowSource {
  data: Int8Array;
  /** Elements from one channel to the next. */
  channelStride: number;
  /** Offset of row `y` within a channel. */
  rowOffset(y: number): number;
}

export function wholeRows(data: Int8Array, h: number, w: number): RowSource {
  return { data, channelStride: h * w, rowOffset: (y) => y * w };
}

export function ringRows(data: Int8Array, rows: number, w: number): RowSource {
  return { data, channelStride: rows * w, rowOffset: (y) => (y % rows) * w };
}

/**
 * One output row `oy` of an int8 conv, reading input rows from `x` and writing to `y`: the same
 * arithmetic as convInt8 (integer accumulation is exact, so the values are identical), for the fused
 * row-by-row execution of frozen blocks.
 */
export function convRowInt8(x: RowSource, xZero: number, w: Int8Array, bias: Int32Array, eff: Float32Array,
  y: RowSource, yZero: number, c: ConvGeom, oy: number): void {
  const { h, w: wd, cout, wo, cpg, k, stride, pad } = c;
  const coutPerGroup = cout / c.groups;
  const iy0 = oy * stride - pad;
  const yRow = y.rowOffset(oy);
  for (let oc = 0; oc < cout; oc++) {
    const g0 = Math.floor(oc / coutPerGroup) * cpg;
    const scale = eff[oc];
    const yBase = oc * y.channelStride + yRow;
    for (let ox = 0; ox < wo; ox++) {
      const ix0 = ox * stride - pad;
      let acc = bias[oc];
      for (let ic = 0; ic < cpg; ic++) {
        const xBase = (g0 + ic) * x.channelStride;
        const wBase = (oc * cpg + ic) * k * k;
        for (let ky = 0; ky < k; ky++) {
          const iy = iy0 + ky;
          if (iy < 0 || iy >= h) continue;
          const xRow = xBase + x.rowOffset(iy), wRow = wBase + ky * k;
          for (let kx = 0; kx < k; kx++) {
            const ix = ix0 + kx;
            if (ix < 0 || ix >= wd) continue;
            acc += (x.data[xRow + ix] - xZero) * w[wRow + kx];
          }
        }
      }
      const v = requantizeUnclamped(acc, scale, yZero);
      y.data[yBase + ox] = v < -128 ? -128 : v > 127 ? 127 : v;
    }
  }
}
