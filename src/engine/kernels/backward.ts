/**
 * The loss and the element-wise backward kernels: the softmax cross-entropy gradient, the float32
 * head's input gradient and update, the pool gradient, the clamp mask, the per-channel scale, a conv's
 * input gradient, the add's split (a residual's, or any add's in a general graph) and the gradient sum.
 */
import { addGradScales } from '../ops/add.ts';
import { avgpoolBackward } from '../ops/avgpool.ts';
import { convBackwardInput, isDepthwise } from '../ops/conv2d.ts';
import { accumulate, applyMask, channelScale, scaleInto } from '../ops/grad-kernels.ts';
import { linearBackward } from '../ops/linear.ts';
import { updateFloat } from '../ops/sgd.ts';
import { softmaxCeBackward } from '../ops/softmax-ce.ts';
import { dequantize } from '../quant/arith.ts';
import { convEff } from './conv-binding.ts';
import { NO_BINDING, type ConvBinding, type Empty, type ExecEnv, type KernelDef, type KernelTypes, type Quant } from './def.ts';
import { planeOf, type PlaneShape } from './forward.ts';
import type { KernelOf } from '../program/types.ts';

const f32 = Math.fround;

/** Optimizer state (momentum) named by a kernel's params[index], if any. */
export function optimizerState(env: ExecEnv, k: KernelOf, index: number): Float32Array | undefined {
  const name = k.params[index];
  return name ? (env.param(name) as Float32Array) : undefined;
}

/** The logits' quantization (null: a float32 head). */
export type SoftmaxCeBwdTypes = KernelTypes<Empty, { logits: Quant | null }>;

export const softmax_ce_bwd: KernelDef<'softmax_ce_bwd'> = {
  bind: (k, b) => ({ logits: b.graph.tensors[b.node(k.node).inputs[0]].q ? b.quant(b.node(k.node).inputs[0]) : null }),
  reference(k, env) {
    const label = (env.buf(k.inputs[1]) as Int32Array)[0];
    softmaxCeBackward(env.buf(k.inputs[0]), k.bound.logits ?? undefined, label, env.buf(k.outputs[0]) as Float32Array, env.buf(k.outputs[1]) as Float32Array);
  },
  c: {
    functions: ['tt_softmax_ce', 'tt_softmax_ce_bwd_i8'],
    emit(k, e) {
      const logits = k.inputs[0];
      const classes = e.n(logits);
      const q = k.bound.logits;
      const label = `${e.ptr(k.inputs[1])}[0]`;
      if (e.tensor(logits).dtype === 'float32' || !q) {
        return [`tt_softmax_ce_bwd_f32(${e.ptr(logits)}, ${classes}, ${label}, ${e.ptr(k.outputs[0])}, ${e.ptr(k.outputs[1])}, tt_probs);`];
      }
      return [`tt_softmax_ce_bwd_i8(${e.ptr(logits)}, ${e.f32(q.scale)}, ${q.zeroPoint}, ${classes}, ${label}, ` +
        `${e.ptr(k.outputs[0])}, ${e.ptr(k.outputs[1])}, tt_probs);`];
    },
    codeBytes: 320,
  },
  kind: 'loss',
  label: 'softmax cross-entropy gradient',
};

export type LinearBwdTypes = KernelTypes<{ xScale: number }, Empty>;

export const linear_bwd: KernelDef<'linear_bwd'> = {
  bind: NO_BINDING,
  reference(k, env) {
    const w = env.param(k.params[0]) as Float32Array;
    const gx = env.buf(k.outputs[0]) as Float32Array;
    const g = env.buf(k.inputs[0]) as Float32Array;
    linearBackward(g, w, g.length, gx.length, k.attrs.xScale, gx);
  },
  c: {
    functions: ['tt_linear_bwd'],
    emit: (k, e) => [`tt_linear_bwd(${e.ptr(k.inputs[0])}, ${e.p(k.params[0])}, ${e.n(k.inputs[0])}, ${e.n(k.outputs[0])}, ${e.f32(k.attrs.xScale)}, ` +
      `${e.ptr(k.outputs[0])});`],
    codeBytes: 100,
  },
  kind: 'input-grad',
  label: 'head input gradient',
};

export type LinearUpdateTypes = KernelTypes<{ xScale: number; xZero: number }, Empty>;

export const linear_update: KernelDef<'linear_update'> = {
  bind: NO_BINDING,
  reference(k, env) {
    const x = env.buf(k.inputs[0]);
    const g = env.buf(k.inputs[1]) as Float32Array;
    const w = env.param(k.params[0]) as Float32Array;
    const b = env.param(k.params[1]) as Float32Array;
    const vw = optimizerState(env, k, 2), vb = optimizerState(env, k, 3);
    const c = x.length;
    for (let o = 0; o < g.length; o++) {
      for (let i = 0; i < c; i++) {
        const xf = dequantize(x[i], k.attrs.xScale, k.attrs.xZero);
        updateFloat(w, o * c + i, f32(g[o] * xf), env.hyper.head, vw, o * c + i);
      }
      updateFloat(b, o, g[o], env.hyper.head, vb, o);
    }
  },
  c: {
    functions: ['tt_linear_update'],
    emit: (k, e) => [`tt_linear_update(${e.ptr(k.inputs[0])}, ${e.f32(k.attrs.xScale)}, ${k.attrs.xZero}, ${e.ptr(k.inputs[1])}, ` +
      `${e.p(k.params[0])}, ${e.p(k.params[1])}, ${e.n(k.inputs[1])}, ${e.n(k.inputs[0])}, &tt_sgd_head, ${e.p(k.params[2])}, ${e.p(k.params[3])});`],
    codeBytes: 208,
  },
  kind: 'weight',
  label: 'head update (weights + bias)',
};

/** perChannel: one value g[c] / hw per channel, not broadcast over the plane (schedule/pool-grad.ts). */
export type AvgpoolBwdTypes = KernelTypes<{ perChannel?: boolean }, PlaneShape>;

export const avgpool_bwd: KernelDef<'avgpool_bwd'> = {
  bind: (k, b) => planeOf(b.graph.tensors[b.node(k.node).inputs[0]].shape),
  reference(k, env) {
    const hw = k.bound.hw;
    avgpoolBackward(env.buf(k.inputs[0]) as Float32Array, hw, env.buf(k.outputs[0]) as Float32Array, k.attrs.perChannel ? 1 : hw);
  },
  c: {
    functions: ['tt_avgpool_bwd'],
    emit: (k, e) => [`tt_avgpool_bwd(${e.ptr(k.inputs[0])}, ${e.n(k.inputs[0])}, ${k.bound.hw}, ${k.attrs.perChannel ? 1 : k.bound.hw}, ${e.ptr(k.outputs[0])});`],
    codeBytes: 72,
  },
  kind: 'input-grad',
  label: 'pool gradient',
};

export type MaskTypes = KernelTypes<Empty, Empty>;

export const mask: KernelDef<'mask'> = {
  bind: NO_BINDING,
  reference(k, env) {
    applyMask(env.buf(k.inputs[0]) as Float32Array, env.buf(k.inputs[1]) as Uint8Array, env.buf(k.outputs[0]) as Float32Array);
  },
  c: {
    functions: ['tt_mask'],
    emit: (k, e) => [`tt_mask(${e.ptr(k.inputs[0])}, ${e.ptr(k.inputs[1])}, ${e.ptr(k.outputs[0])}, ${e.n(k.inputs[0])});`],
    codeBytes: 64,
  },
  kind: 'mask',
  label: 'clamp mask',
};

export type ConvBound = KernelTypes<Empty, { conv: ConvBinding }>;
const bindOwnConv = (k: KernelOf, b: { conv(node: string): ConvBinding }) => ({ conv: b.conv(k.node) });

export const channel_scale: KernelDef<'channel_scale'> = {
  bind: bindOwnConv,
  reference(k, env) {
    channelScale(env.buf(k.inputs[0]) as Float32Array, convEff(k.bound.conv, env), env.buf(k.outputs[0]) as Float32Array);
  },
  c: {
    functions: ['tt_channel_scale'],
    emit(k, e) {
      const c = e.conv(k.node), cout = k.bound.conv.geom.cout;
      return [`tt_channel_scale(${e.ptr(k.inputs[0])}, ${c.eff}, ${cout}, ${e.n(k.inputs[0]) / cout}, ${e.ptr(k.outputs[0])});`];
    },
    codeBytes: 80,
  },
  kind: 'scale',
  label: 'per-channel scale',
};

/**
 * onto: the gradient (a residual's skip gradient: schedule/accumulate-grads.ts) the input gradient adds
 * onto, its last input; in the arena the output's own buffer (an alias), so the kernel reads it there.
 */
export type ConvBwdXTypes = KernelTypes<{ onto?: string }, { conv: ConvBinding }>;

/**
 * An input gradient's start when it adds onto another (`onto`): that gradient in gx, copied there
 * where it is a buffer of its own (fp32 mode's one array per tensor; in the arena it is gx's).
 * Returns whether it adds onto one.
 */
export function startOnto(env: ExecEnv, onto: string | undefined, gx: Float32Array): boolean {
  if (!onto) return false;
  const src = env.buf(onto) as Float32Array;
  if (src !== gx) gx.set(src.subarray(0, gx.length));
  return true;
}

export const conv_bwd_x: KernelDef<'conv_bwd_x'> = {
  bind: bindOwnConv,
  reference(k, env) {
    const gx = env.buf(k.outputs[0]) as Float32Array;
    convBackwardInput(env.buf(k.inputs[0]) as Float32Array, env.param(k.params[0]) as Int8Array, k.bound.conv.geom, gx, startOnto(env, k.attrs.onto, gx));
  },
  c: {
    functions: ['tt_conv_bwd_x'],
    emit(k, e) {
      const c = e.conv(k.node);
      // A depthwise conv's input gradient may overwrite its output gradient: one plane of work then.
      const inPlace = isDepthwise(k.bound.conv.geom) && e.sameBuffer(k.inputs[0], k.outputs[0]);
      return [`tt_conv_bwd_x(${e.ptr(k.inputs[0])}, &${c.weight}, &${c.geomSym}, ${e.ptr(k.outputs[0])}, ${inPlace ? 'tt_fwork' : 'NULL'}, ` +
        `${k.attrs.onto ? 1 : 0});`];
    },
    codeBytes: 572,
  },
  kind: 'input-grad',
  label: 'input gradient',
};

/** The gradient goes to the add's input a (`ga`) and/or b (`gb`), scaled by `sa` / `sb`. */
export type AddBwdTypes = KernelTypes<{ ga: string | null; gb: string | null }, { sa: number; sb: number }>;

export const add_bwd: KernelDef<'add_bwd'> = {
  bind: (k, b) => {
    const n = b.node(k.node);
    const [sa, sb] = addGradScales(b.quant(n.inputs[0]).scale, b.quant(n.inputs[1]).scale, b.quant(n.outputs[0]).scale);
    return { sa, sb };
  },
  reference(k, env) {
    const g = env.buf(k.inputs[0]) as Float32Array;
    // The skip's gradient first: the conv branch's may overwrite g.
    if (k.attrs.ga) scaleInto(g, k.bound.sa, env.buf(k.attrs.ga) as Float32Array);
    if (k.attrs.gb) scaleInto(g, k.bound.sb, env.buf(k.attrs.gb) as Float32Array);
  },
  c: {
    functions: ['tt_scale_into'],
    emit(k, e) {
      const gin = k.inputs[0];
      const out: string[] = [];
      if (k.attrs.ga) out.push(`tt_scale_into(${e.ptr(gin)}, ${e.f32(k.bound.sa)}, ${e.ptr(k.attrs.ga)}, ${e.n(gin)});`);
      if (k.attrs.gb) out.push(`tt_scale_into(${e.ptr(gin)}, ${e.f32(k.bound.sb)}, ${e.ptr(k.attrs.gb)}, ${e.n(gin)});`);
      return out;
    },
    codeBytes: 26,
  },
  kind: 'input-grad',
  label: 'add split',
};

export type GradAccTypes = KernelTypes<Empty, Empty>;

export const grad_acc: KernelDef<'grad_acc'> = {
  bind: NO_BINDING,
  reference(k, env) {
    accumulate(env.buf(k.inputs[0]) as Float32Array, env.buf(k.inputs[1]) as Float32Array, env.buf(k.outputs[0]) as Float32Array);
  },
  c: {
    functions: ['tt_grad_acc'],
    emit: (k, e) => [`tt_grad_acc(${e.ptr(k.inputs[0])}, ${e.ptr(k.inputs[1])}, ${e.ptr(k.outputs[0])}, ${e.n(k.inputs[0])});`],
    codeBytes: 30,
  },
  kind: 'input-grad',
  label: 'gradient sum',
};
