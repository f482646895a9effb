/**
 * A conv's weight and bias gradients and their in-place QAS updates (int8 weights, int32 biases):
 * whole gradients (conv_grad_*) for a gradient program, fused gradient-and-update (conv_update_*),
 * and the update from a whole gradient (apply_update_*).
 */
import { convBiasGrad, convWeightGradRow, isDepthwise, taps, type ConvGeom } from '../ops/conv2d.ts';
import { updateInt32, updateInt8 } from '../ops/sgd.ts';
import type { KernelOf, ProgramKernelOf } from '../program/types.ts';
import type { ParamUpdate } from '../runtime/streamed-backward.ts';
import { optimizerState } from './backward.ts';
import type { CEmit, ConvBinding, Empty, ExecEnv, KernelDef, KernelTypes } from './def.ts';

const f32 = Math.fround;

/** `channels`: trained input channels (depthwise: trained channels); `xZero`: the saved input's zero point. */
export interface ConvWeightFields { channels: number; xZero: number }
export type ConvWeightTypes = KernelTypes<ConvWeightFields, { conv: ConvBinding }>;
export type ConvBiasTypes = KernelTypes<{ xScale: number }, { conv: ConvBinding }>;
/**
 * mask: the output gradient is one value per channel under this clamp mask, v[c] where bit (c, p) is
 * set and 0 elsewhere (a global pool's backward kept per channel: schedule/pool-grad.ts).
 */
export type ConvUpdateBTypes = KernelTypes<{ xScale: number; mask?: string }, { conv: ConvBinding }>;
export type ConvGradBTypes = KernelTypes<Empty, { conv: ConvBinding }>;

export type WeightOp = 'conv_update_w' | 'conv_grad_w' | 'apply_update_w';

/** A weight update kernel's rule: learning rate, velocity (params[2]) and rounding key. */
export function weightRule(k: KernelOf, env: ExecEnv): ParamUpdate {
  return { cfg: env.hyper.weight, velocity: optimizerState(env, k, 2), key: env.roundKey?.(k.params[0]) };
}

export function biasRule(k: KernelOf, env: ExecEnv): ParamUpdate {
  return { cfg: env.hyper.bias, velocity: optimizerState(env, k, 2), key: env.roundKey?.(k.params[0]) };
}

/** Trained weight-gradient values of a conv_update_w / apply_update_w kernel. */
export function weightGradFloats(k: KernelOf<WeightOp>, c: ConvGeom): number {
  const n = k.attrs.channels;
  return (isDepthwise(c) ? n : c.cout * n) * taps(c);
}

function weightUpdate(k: ProgramKernelOf<WeightOp>, env: ExecEnv, gradRow: (oc: number, out: Float32Array) => void): void {
  const c = k.bound.conv.geom;
  const n = k.attrs.channels;
  const w = env.param(k.params[0]) as Int8Array;
  const sW = env.param(k.params[1]) as Float32Array;
  const { velocity: vel, key } = weightRule(k, env);
  const kk = taps(c);
  const dw = isDepthwise(c);
  const rows = dw ? n : c.cout;
  const per = dw ? 1 : n;
  const row = new Float32Array(per * kk);
  for (let oc = 0; oc < rows; oc++) {
    gradRow(oc, row);
    const div = f32(sW[oc] * sW[oc]);
    for (let j = 0; j < per; j++) {
      for (let e = 0; e < kk; e++) {
        const wi = (oc * c.cpg + j) * kk + e;
        updateInt8(w, wi, row[j * kk + e], div, env.hyper.weight, vel, (oc * per + j) * kk + e, key);
      }
    }
  }
}

function biasUpdate(k: KernelOf<'conv_update_b' | 'apply_update_b'>, env: ExecEnv, grad: (oc: number) => number): void {
  const b = env.param(k.params[0]) as Int32Array;
  const sW = env.param(k.params[1]) as Float32Array;
  const { velocity: vel, key } = biasRule(k, env);
  const sx = f32(k.attrs.xScale);
  for (let oc = 0; oc < b.length; oc++) {
    const s = f32(sW[oc] * sx);
    updateInt32(b, oc, grad(oc), f32(s * s), env.hyper.bias, vel, oc, key);
  }
}

/**
 * The sum over a plane of a per-channel value v under a clamp mask (bits at..at+hw), in pixel order:
 * convBiasGrad of the masked gradient, whose +0 or -0 terms leave the sum unchanged.
 */
export function maskedSum(v: number, mask: Uint8Array, at: number, hw: number): number {
  let acc = 0;
  for (let i = at, end = at + hw; i < end; i++) if ((mask[i >> 3] >> (i & 7)) & 1) acc = f32(acc + v);
  return acc;
}

const bindOwnConv = (k: KernelOf, b: { conv(node: string): ConvBinding }) => ({ conv: b.conv(k.node) });
const weightParts = (k: KernelOf, label: string) => [{ kind: 'weight' as const, label, node: k.node, weightUpdate: k.node }];
const howo = (k: ProgramKernelOf<'conv_grad_b'>, e: CEmit) => e.n(k.inputs[0]) / k.bound.conv.geom.cout;

export const conv_update_w: KernelDef<'conv_update_w'> = {
  bind: bindOwnConv,
  reference(k, env) {
    const c = k.bound.conv.geom;
    const x = env.buf(k.inputs[0]) as Int8Array, g = env.buf(k.inputs[1]) as Float32Array;
    weightUpdate(k, env, (oc, out) => convWeightGradRow(x, k.attrs.xZero, g, c, oc, k.attrs.channels, out));
  },
  c: {
    functions: ['tt_conv_update_w'],
    emit(k, e) {
      const c = e.conv(k.node);
      return [`tt_conv_update_w(${e.ptr(k.inputs[0])}, ${k.attrs.xZero}, ${e.ptr(k.inputs[1])}, &${c.geomSym}, ${k.attrs.channels}, &${c.weight}, ` +
        `${c.scales}, &tt_sgd_weight, ${e.p(k.params[2])}, tt_row);`];
    },
    codeBytes: 232,
  },
  kind: 'weight',
  label: 'weight update (QAS, in place)',
  parts: (k) => weightParts(k, 'weight update (QAS, in place)'),
};

export const conv_grad_w: KernelDef<'conv_grad_w'> = {
  bind: bindOwnConv,
  reference(k, env) {
    const c = k.bound.conv.geom;
    const x = env.buf(k.inputs[0]) as Int8Array, g = env.buf(k.inputs[1]) as Float32Array;
    const out = env.buf(k.outputs[0]) as Float32Array;
    const n = k.attrs.channels;
    const rows = isDepthwise(c) ? n : c.cout;
    const per = out.length / rows;
    for (let oc = 0; oc < rows; oc++) convWeightGradRow(x, k.attrs.xZero, g, c, oc, n, out.subarray(oc * per, (oc + 1) * per));
  },
  c: {
    functions: ['tt_conv_grad_w'],
    emit(k, e) {
      const c = e.conv(k.node);
      return [`tt_conv_grad_w(${e.ptr(k.inputs[0])}, ${k.attrs.xZero}, ${e.ptr(k.inputs[1])}, &${c.geomSym}, ${k.attrs.channels}, ${e.ptr(k.outputs[0])});`];
    },
    codeBytes: 128,
  },
  kind: 'weight',
  label: 'weight gradient',
  parts: (k) => weightParts(k, 'weight gradient'),
};

export const apply_update_w: KernelDef<'apply_update_w'> = {
  bind: bindOwnConv,
  reference(k, env) {
    const gw = env.buf(k.inputs[0]) as Float32Array;
    const c = k.bound.conv.geom;
    const per = gw.length / (isDepthwise(c) ? k.attrs.channels : c.cout);
    weightUpdate(k, env, (oc, out) => out.set(gw.subarray(oc * per, (oc + 1) * per)));
  },
  c: {
    functions: ['tt_apply_update_w'],
    emit(k, e) {
      const c = e.conv(k.node);
      return [`tt_apply_update_w(${e.ptr(k.inputs[0])}, &${c.geomSym}, ${k.attrs.channels}, &${c.weight}, ${c.scales}, &tt_sgd_weight, ${e.p(k.params[2])});`];
    },
    codeBytes: 184,
  },
  kind: 'weight',
  label: 'apply weight update',
  parts: (k) => weightParts(k, 'apply weight update'),
};

export const conv_update_b: KernelDef<'conv_update_b'> = {
  bind: bindOwnConv,
  reference(k, env) {
    const g = env.buf(k.inputs[0]) as Float32Array;
    if (k.attrs.mask) {
      const mask = env.buf(k.attrs.mask) as Uint8Array, c = k.bound.conv.geom, hw = c.ho * c.wo;
      biasUpdate(k, env, (oc) => maskedSum(g[oc], mask, oc * hw, hw));
      return;
    }
    const hw = g.length / (env.param(k.params[0]) as Int32Array).length;
    biasUpdate(k, env, (oc) => convBiasGrad(g, oc, hw));
  },
  c: {
    functions: ['tt_conv_update_b', 'tt_conv_update_b_masked'],
    emit(k, e) {
      const c = e.conv(k.node), g = k.bound.conv.geom;
      const tail = `${c.bias}, ${e.roundingId(k.params[0])}, ${g.cout}, ${g.ho * g.wo}, ${c.scales}, ${e.f32(k.attrs.xScale)}, &tt_sgd_bias, ${e.p(k.params[2])});`;
      if (k.attrs.mask) return [`tt_conv_update_b_masked(${e.ptr(k.inputs[0])}, ${e.ptr(k.attrs.mask)}, ${tail}`];
      return [`tt_conv_update_b(${e.ptr(k.inputs[0])}, ${tail}`];
    },
    codeBytes: 776,
  },
  kind: 'bias',
  label: 'bias update (QAS, in place)',
};

export const conv_grad_b: KernelDef<'conv_grad_b'> = {
  bind: bindOwnConv,
  reference(k, env) {
    const g = env.buf(k.inputs[0]) as Float32Array;
    const out = env.buf(k.outputs[0]) as Float32Array;
    const hw = g.length / out.length;
    for (let oc = 0; oc < out.length; oc++) out[oc] = convBiasGrad(g, oc, hw);
  },
  c: {
    functions: ['tt_conv_grad_b'],
    emit: (k, e) => [`tt_conv_grad_b(${e.ptr(k.inputs[0])}, ${k.bound.conv.geom.cout}, ${howo(k, e)}, ${e.ptr(k.outputs[0])});`],
    codeBytes: 80,
  },
  kind: 'bias',
  label: 'bias gradient',
};

export const apply_update_b: KernelDef<'apply_update_b'> = {
  bind: bindOwnConv,
  reference(k, env) {
    const gb = env.buf(k.inputs[0]) as Float32Array;
    biasUpdate(k, env, (oc) => gb[oc]);
  },
  c: {
    functions: ['tt_apply_update_b'],
    emit(k, e) {
      const c = e.conv(k.node);
      return [`tt_apply_update_b(${e.ptr(k.inputs[0])}, ${c.bias}, ${e.roundingId(k.params[0])}, ${k.bound.conv.geom.cout}, ${c.scales}, ` +
        `${e.f32(k.attrs.xScale)}, &tt_sgd_bias, ${e.p(k.params[2])});`];
    },
    codeBytes: 332,
  },
  kind: 'bias',
  label: 'apply bias update',
};
