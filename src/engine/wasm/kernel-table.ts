/**
 * The fast kernel table: the reference table (runtime/kernels.ts) with the hot ops replaced by the C
 * kernel library the chip runs (csrc/), compiled to WebAssembly SIMD and called through
 * ./kernel-calls.ts, each held to its TypeScript twin bit for bit (src/engine/wasm/*.test.ts). Only for
 * int8 semantics: runtime/backend.ts, the one place a table is chosen, gives float mode the reference.
 */
import type { Graph, Node, ParamStore } from '../ir/graph.ts';
import type { TypedArray } from '../ir/tensor.ts';
import { convGeom } from '../ops/conv2d.ts';
import {
  biasRule, conv, effScales, maskOf, REFERENCE_KERNELS, weightGradFloats, weightRule, type ExecEnv, type KernelTable,
} from '../runtime/kernels.ts';
import type { KernelOf } from '../program/types.ts';
import { graphNode } from '../runtime/graph-node.ts';
import { blockOperands, expansionOperands } from '../runtime/streamed-backward.ts';
import { convEffectiveScales } from '../ops/conv2d.ts';
import { chainLayout } from '../schedule/fuse-rows.ts';
import {
  addCall, applyUpdateBCall, applyUpdateWCall, blockBwdCall, channelScaleCall, conv2dCall, convBwdXCall, convChainCall, convGradBCall, convGradWCall,
  convUpdateBCall, convUpdateWCall, dwPwBwdCall, maskCall, type BiasUpdate, type WeightUpdate,
} from './kernel-calls.ts';
import { wasmKernels, type KernelExports } from './instance.ts';

/** The instance (the fast table is only chosen when there is one). */
const wasm = (): KernelExports => {
  const k = wasmKernels();
  if (!k) throw new Error('internal: the fast kernel table ran without a WebAssembly instance');
  return k;
};

/** runConvChain's operands, as one call of tt_conv_chain (the same rows in the same order). */
export function convChainFast(graph: Graph, convs: Node<'conv2d'>[], add: Node<'add'> | null, param: (n: string) => ParamStore[string],
  input: Int8Array, output: Int8Array, scratch: Int8Array, inputRing?: Int8Array): void {
  const zero = (t: string) => graph.tensors[t].q!.zeroPoint;
  const stages = convs.map((c) => ({
    geom: convGeom(c, graph), xZero: zero(c.inputs[0]), yZero: zero(c.outputs[0]), w: param(c.inputs[1]) as Int8Array,
    bias: param(c.inputs[2]) as Int32Array, eff: convEffectiveScales(c, graph, param(c.inputs[3]) as Float32Array),
  }));
  const q = add ? add.inputs.concat(add.outputs).map((t) => graph.tensors[t].q!) : null;
  convChainCall(wasm(), stages, q ? { sa: q[0].scale, za: q[0].zeroPoint, sb: q[1].scale, zb: q[1].zeroPoint, sy: q[2].scale, zy: q[2].zeroPoint } : null,
    chainLayout(graph, convs, !!add), input, output, scratch, inputRing);
}

const zero = (env: ExecEnv, t: string) => env.graph.tensors[t].q!.zeroPoint;
const weightUpdate = (k: KernelOf<'conv_update_w' | 'apply_update_w'>, env: ExecEnv, node: Node): WeightUpdate => ({
  w: env.param(k.params[0]) as Int8Array, sW: env.param(k.params[1]) as Float32Array, c: convGeom(conv(node), env.graph), n: k.attrs.channels,
  rule: weightRule(k, env),
});
const biasUpdate = (k: KernelOf<'conv_update_b' | 'apply_update_b'>, env: ExecEnv): BiasUpdate => ({
  b: env.param(k.params[0]) as Int32Array, sW: env.param(k.params[1]) as Float32Array, xScale: k.attrs.xScale, rule: biasRule(k, env),
});

export const FAST_KERNELS: KernelTable = {
  ...REFERENCE_KERNELS,
  conv2d(k, env, node) {
    const n = conv(node);
    conv2dCall(wasm(), env.buf(k.inputs[0]) as Int8Array, {
      xZero: zero(env, n.inputs[0]), yZero: zero(env, n.outputs[0]), w: env.param(n.inputs[1]) as Int8Array, bias: env.param(n.inputs[2]) as Int32Array,
      eff: effScales(env, n),
    }, env.buf(k.outputs[0]) as Int8Array, convGeom(n, env.graph), maskOf(k, env));
  },
  conv_chain(k, env) {
    const find = (name: string) => graphNode(env.graph, name);
    convChainFast(env.graph, k.attrs.convs.map((n) => find(n) as Node<'conv2d'>), k.attrs.add ? (find(k.attrs.add) as Node<'add'>) : null, env.param,
      env.buf(k.inputs[0]) as Int8Array, env.buf(k.outputs[0]) as Int8Array, env.buf(k.attrs.scratch) as Int8Array,
      k.attrs.ring ? (env.buf(k.attrs.ring) as Int8Array) : undefined);
  },
  add(k, env, node) {
    const t = env.graph.tensors;
    const qa = t[node.inputs[0]].q!, qb = t[node.inputs[1]].q!, qy = t[node.outputs[0]].q!;
    addCall(wasm(), env.buf(k.inputs[0]) as Int8Array, qa.scale, qa.zeroPoint, env.buf(k.inputs[1]) as Int8Array, qb.scale, qb.zeroPoint,
      env.buf(k.outputs[0]) as Int8Array, qy.scale, qy.zeroPoint, maskOf(k, env));
  },
  mask(k, env) {
    maskCall(wasm(), env.buf(k.inputs[0]) as Float32Array, env.buf(k.inputs[1]) as Uint8Array, env.buf(k.outputs[0]) as Float32Array);
  },
  channel_scale(k, env, node) {
    channelScaleCall(wasm(), env.buf(k.inputs[0]) as Float32Array, effScales(env, conv(node)), env.buf(k.outputs[0]) as Float32Array);
  },
  conv_bwd_x(k, env, node) {
    convBwdXCall(wasm(), env.buf(k.inputs[0]) as Float32Array, env.param(k.params[0]) as Int8Array, convGeom(conv(node), env.graph),
      env.buf(k.outputs[0]) as Float32Array);
  },
  conv_update_w(k, env, node) {
    convUpdateWCall(wasm(), env.buf(k.inputs[0]) as Int8Array, k.attrs.xZero, env.buf(k.inputs[1]) as Float32Array, weightUpdate(k, env, node));
  },
  conv_grad_w(k, env, node) {
    const c = convGeom(conv(node), env.graph);
    const out = env.buf(k.outputs[0]) as Float32Array;
    convGradWCall(wasm(), env.buf(k.inputs[0]) as Int8Array, k.attrs.xZero, env.buf(k.inputs[1]) as Float32Array, c, k.attrs.channels,
      out.subarray(0, weightGradFloats(k, c)));
  },
  apply_update_w(k, env, node) {
    const u = weightUpdate(k, env, node);
    applyUpdateWCall(wasm(), (env.buf(k.inputs[0]) as Float32Array).subarray(0, weightGradFloats(k, u.c)), u);
  },
  conv_update_b(k, env) {
    convUpdateBCall(wasm(), env.buf(k.inputs[0]) as Float32Array, biasUpdate(k, env));
  },
  conv_grad_b(k, env) {
    convGradBCall(wasm(), env.buf(k.inputs[0]) as Float32Array, env.buf(k.outputs[0]) as Float32Array);
  },
  apply_update_b(k, env) {
    const u = biasUpdate(k, env);
    applyUpdateBCall(wasm(), (env.buf(k.inputs[0]) as Float32Array).subarray(0, u.b.length), u);
  },
  dw_pw_bwd(k, env, node) {
    dwPwBwdCall(wasm(), expansionOperands(k, env, conv(node)), env.buf(k.attrs.scratch).length);
  },
  block_bwd(k, env, node) {
    blockBwdCall(wasm(), blockOperands(k, env, conv(node)), env.buf(k.attrs.scratch).length);
  },
};

/**
 * The graph-level forward (runtime/reference.ts) of the nodes the fast kernels cover: an int8 conv or
 * residual add into an Int8Array. Returns false for anything else (the op's own forward runs).
 */
export function fastNodeForward(node: Node, g: Graph, ins: TypedArray[], outs: TypedArray[]): boolean {
  if (!(outs[0] instanceof Int8Array)) return false;
  const zero = (t: string) => g.tensors[t].q!.zeroPoint;
  if (node.op === 'conv2d') {
    const n = node as Node<'conv2d'>;
    conv2dCall(wasm(), ins[0] as Int8Array, {
      xZero: zero(n.inputs[0]), yZero: zero(n.outputs[0]), w: ins[1] as Int8Array, bias: ins[2] as Int32Array, eff: convEffectiveScales(n, g, ins[3] as Float32Array),
    }, outs[0], convGeom(n, g), outs[1] as Uint8Array | undefined);
    return true;
  }
  if (node.op === 'add') {
    const [qa, qb, qy] = [node.inputs[0], node.inputs[1], node.outputs[0]].map((t) => g.tensors[t].q!);
    addCall(wasm(), ins[0] as Int8Array, qa.scale, qa.zeroPoint, ins[1] as Int8Array, qb.scale, qb.zeroPoint, outs[0], qy.scale, qy.zeroPoint,
      outs[1] as Uint8Array | undefined);
    return true;
  }
  return false;
}
