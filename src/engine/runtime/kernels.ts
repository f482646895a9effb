/**
 * The reference kernel table: one TypeScript implementation per program op, over buffers the executor
 * hands out (views into one arena, or separate arrays in the reference executor). The math lives in
 * the ops/ files; this only wires buffers, parameters and hyperparameters to it. The fast table
 * (wasm/kernel-table.ts) replaces some entries; runtime/backend.ts picks the table.
 */
import type { Graph, Node } from '../ir/graph.ts';
import type { TypedArray } from '../ir/tensor.ts';
import { addGradScales, addInt8 } from '../ops/add.ts';
import { avgpoolBackward, avgpoolInt8 } from '../ops/avgpool.ts';
import {
  convBackwardInput, convBiasGrad, convEffectiveScales, convGeom, convInt8, convWeightGradRow, isDepthwise,
  type ConvGeom,
} from '../ops/conv2d.ts';
import { accumulate, applyMask, channelScale, scaleInto } from '../ops/grad-kernels.ts';
import { linearBackward, linearF32 } from '../ops/linear.ts';
import { updateFloat, updateInt32, updateInt8, type SgdConfig } from '../ops/sgd.ts';
import { softmaxCeBackward } from '../ops/softmax-ce.ts';
import { dequantize } from '../quant/arith.ts';
import type { UpdateRounding } from '../quant/stochastic-round.ts';
import { runConvChain } from './conv-chain.ts';
import { graphNode } from './graph-node.ts';
import { blockBackward, blockOperands, expansionBackward, expansionOperands, type ParamUpdate } from './streamed-backward.ts';
import type { KernelOf, KernelOp } from '../program/types.ts';

const f32 = Math.fround;

export type WeightOp = 'conv_update_w' | 'conv_grad_w' | 'apply_update_w';

export interface Hyper {
  /** Int8 weights, int32 biases and the float32 head each have their own learning rate. */
  weight: SgdConfig;
  bias: SgdConfig;
  head: SgdConfig;
  /** Of the int8 weight and int32 bias updates; absent: to nearest. */
  rounding?: UpdateRounding;
}

export interface ExecEnv {
  graph: Graph;
  /** An arena tensor by name. */
  buf(name: string): TypedArray;
  /** A parameter or optimizer state by name (trained ones are updated in place). */
  param(name: string): TypedArray;
  hyper: Hyper;
  /** Int8 semantics; false runs the same function without rounding (float mode, for gradient checks). */
  round: boolean;
  /** A trained parameter's stochastic rounding key at this step (quant/stochastic-round.ts); absent or undefined: to nearest. */
  roundKey?: (param: string) => number | undefined;
}

/** One op's implementation. */
export type Impl<O extends KernelOp> = (k: KernelOf<O>, env: ExecEnv, node: Node) => void;
/** An implementation for every op: the compiler names the one a new op lacks. */
export type KernelTable = { [O in KernelOp]: Impl<O> };

export const conv = (node: Node) => node as Node<'conv2d'>;

/** The clamp mask a forward kernel also writes, when the backward pass needs it. */
export const maskOf = (k: KernelOf<'conv2d' | 'add'>, env: ExecEnv) => (k.attrs.mask ? (env.buf(k.attrs.mask) as Uint8Array) : undefined);

export function effScales(env: ExecEnv, node: Node<'conv2d'>): Float32Array {
  return convEffectiveScales(node, env.graph, env.param(node.inputs[3]) as Float32Array);
}

function optimizerState(env: ExecEnv, k: KernelOf, index: number): Float32Array | undefined {
  const name = k.params[index];
  return name ? (env.param(name) as Float32Array) : undefined;
}

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
  return (isDepthwise(c) ? n : c.cout * n) * c.k * c.k;
}

function weightUpdate(k: KernelOf<WeightOp>, env: ExecEnv, node: Node<'conv2d'>, gradRow: (oc: number, out: Float32Array) => void): void {
  const c: ConvGeom = convGeom(node, env.graph);
  const n = k.attrs.channels;
  const w = env.param(k.params[0]) as Int8Array;
  const sW = env.param(k.params[1]) as Float32Array;
  const { velocity: vel, key } = weightRule(k, env);
  const kk = c.k * c.k;
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

/** Runs kernel k with its op's implementation in `table`. */
export function runKernel<O extends KernelOp>(table: KernelTable, k: KernelOf<O>, env: ExecEnv, node: Node): void {
  table[k.op](k, env, node);
}

export const REFERENCE_KERNELS: KernelTable = {
  conv2d(k, env, node) {
    const n = conv(node);
    const g = env.graph;
    convInt8(env.buf(k.inputs[0]) as Int8Array, g.tensors[n.inputs[0]].q!.zeroPoint, env.param(n.inputs[1]) as Int8Array,
      env.param(n.inputs[2]) as Int32Array, effScales(env, n), env.buf(k.outputs[0]), g.tensors[n.outputs[0]].q!.zeroPoint,
      convGeom(n, g), maskOf(k, env), env.round);
  },
  conv_chain(k, env) {
    const find = (n: string) => graphNode(env.graph, n);
    runConvChain(env.graph, k.attrs.convs.map((n) => find(n) as Node<'conv2d'>),
      k.attrs.add ? (find(k.attrs.add) as Node<'add'>) : null, env.param,
      env.buf(k.inputs[0]) as Int8Array, env.buf(k.outputs[0]) as Int8Array, env.buf(k.attrs.scratch) as Int8Array,
      k.attrs.ring ? (env.buf(k.attrs.ring) as Int8Array) : undefined);
  },
  add(k, env, node) {
    const t = env.graph.tensors;
    const qa = t[node.inputs[0]].q!, qb = t[node.inputs[1]].q!, qy = t[node.outputs[0]].q!;
    addInt8(env.buf(k.inputs[0]) as Int8Array, qa.scale, qa.zeroPoint, env.buf(k.inputs[1]) as Int8Array, qb.scale, qb.zeroPoint,
      env.buf(k.outputs[0]) as Int8Array, qy.scale, qy.zeroPoint, maskOf(k, env), env.round);
  },
  avgpool(k, env, node) {
    const [c, h, w] = env.graph.tensors[node.inputs[0]].shape;
    avgpoolInt8(env.buf(k.inputs[0]) as Int8Array, c, h * w, env.buf(k.outputs[0]) as Int8Array, env.round);
  },
  linear(k, env, node) {
    const q = env.graph.tensors[node.inputs[0]].q!;
    const [n, c] = env.graph.tensors[node.inputs[1]].shape;
    const x = env.buf(k.inputs[0]);
    const xf = new Float32Array(c);
    for (let i = 0; i < c; i++) xf[i] = dequantize(x[i], q.scale, q.zeroPoint);
    linearF32(xf, env.param(node.inputs[1]) as Float32Array, env.param(node.inputs[2]) as Float32Array, n, c, env.buf(k.outputs[0]) as Float32Array);
  },
  save_slice(k, env) {
    const out = env.buf(k.outputs[0]);
    out.set(env.buf(k.inputs[0]).subarray(0, out.length));
  },
  softmax_ce_bwd(k, env, node) {
    const logits = env.buf(k.inputs[0]);
    const label = (env.buf(k.inputs[1]) as Int32Array)[0];
    softmaxCeBackward(logits, env.graph.tensors[node.inputs[0]].q, label, env.buf(k.outputs[0]) as Float32Array, env.buf(k.outputs[1]) as Float32Array);
  },
  linear_bwd(k, env) {
    const w = env.param(k.params[0]) as Float32Array;
    const gx = env.buf(k.outputs[0]) as Float32Array;
    const g = env.buf(k.inputs[0]) as Float32Array;
    linearBackward(g, w, g.length, gx.length, k.attrs.xScale, gx);
  },
  linear_update(k, env) {
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
  avgpool_bwd(k, env, node) {
    const [, h, w] = env.graph.tensors[node.inputs[0]].shape;
    avgpoolBackward(env.buf(k.inputs[0]) as Float32Array, h * w, env.buf(k.outputs[0]) as Float32Array);
  },
  mask(k, env) {
    const g = env.buf(k.inputs[0]) as Float32Array, mask = env.buf(k.inputs[1]) as Uint8Array, out = env.buf(k.outputs[0]) as Float32Array;
    applyMask(g, mask, out);
  },
  channel_scale(k, env, node) {
    const g = env.buf(k.inputs[0]) as Float32Array, scale = effScales(env, conv(node)), out = env.buf(k.outputs[0]) as Float32Array;
    channelScale(g, scale, out);
  },
  conv_bwd_x(k, env, node) {
    convBackwardInput(env.buf(k.inputs[0]) as Float32Array, env.param(k.params[0]) as Int8Array, convGeom(conv(node), env.graph),
      env.buf(k.outputs[0]) as Float32Array);
  },
  add_bwd(k, env, node) {
    const t = env.graph.tensors;
    const [sa, sb] = addGradScales(t[node.inputs[0]].q!.scale, t[node.inputs[1]].q!.scale, t[node.outputs[0]].q!.scale);
    const g = env.buf(k.inputs[0]) as Float32Array;
    // The skip's gradient first: the conv branch's may overwrite g.
    if (k.attrs.ga) scaleInto(g, sa, env.buf(k.attrs.ga) as Float32Array);
    if (k.attrs.gb) scaleInto(g, sb, env.buf(k.attrs.gb) as Float32Array);
  },
  grad_acc(k, env) {
    accumulate(env.buf(k.inputs[0]) as Float32Array, env.buf(k.inputs[1]) as Float32Array, env.buf(k.outputs[0]) as Float32Array);
  },
  conv_update_w(k, env, node) {
    const n = conv(node);
    const c = convGeom(n, env.graph);
    const x = env.buf(k.inputs[0]) as Int8Array, g = env.buf(k.inputs[1]) as Float32Array;
    weightUpdate(k, env, n, (oc, out) => convWeightGradRow(x, k.attrs.xZero, g, c, oc, k.attrs.channels, out));
  },
  conv_grad_w(k, env, node) {
    const c = convGeom(conv(node), env.graph);
    const x = env.buf(k.inputs[0]) as Int8Array, g = env.buf(k.inputs[1]) as Float32Array;
    const out = env.buf(k.outputs[0]) as Float32Array;
    const n = k.attrs.channels;
    const rows = isDepthwise(c) ? n : c.cout;
    const per = out.length / rows;
    for (let oc = 0; oc < rows; oc++) convWeightGradRow(x, k.attrs.xZero, g, c, oc, n, out.subarray(oc * per, (oc + 1) * per));
  },
  apply_update_w(k, env, node) {
    const gw = env.buf(k.inputs[0]) as Float32Array;
    const per = gw.length / (isDepthwise(convGeom(conv(node), env.graph)) ? (k.attrs.channels) : convGeom(conv(node), env.graph).cout);
    weightUpdate(k, env, conv(node), (oc, out) => out.set(gw.subarray(oc * per, (oc + 1) * per)));
  },
  conv_update_b(k, env) {
    const g = env.buf(k.inputs[0]) as Float32Array;
    const howo = g.length / (env.param(k.params[0]) as Int32Array).length;
    biasUpdate(k, env, (oc) => convBiasGrad(g, oc, howo));
  },
  conv_grad_b(k, env) {
    const g = env.buf(k.inputs[0]) as Float32Array;
    const out = env.buf(k.outputs[0]) as Float32Array;
    const howo = g.length / out.length;
    for (let oc = 0; oc < out.length; oc++) out[oc] = convBiasGrad(g, oc, howo);
  },
  apply_update_b(k, env) {
    const gb = env.buf(k.inputs[0]) as Float32Array;
    biasUpdate(k, env, (oc) => gb[oc]);
  },
  dw_pw_bwd(k, env, node) {
    expansionBackward(expansionOperands(k, env, conv(node)), env.buf(k.attrs.scratch) as Float32Array);
  },
  block_bwd(k, env, node) {
    blockBackward(blockOperands(k, env, conv(node)), env.buf(k.attrs.scratch) as Float32Array);
  },
};
