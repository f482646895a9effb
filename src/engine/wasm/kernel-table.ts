/**
 * The fast kernel table: the reference table (runtime/kernels.ts) with the hot ops replaced by the C
 * kernel library the chip runs (csrc/), compiled to WebAssembly SIMD and called through
 * ./kernel-calls.ts, each held to its TypeScript twin bit for bit (src/engine/wasm/*.test.ts). Only for
 * int8 semantics: runtime/backend.ts, the one place a table is chosen, gives float mode the reference.
 * Like the reference kernels, it reads each kernel's binding (k.bound: conv geometry, zero points,
 * scales, a chain's stages and ring layout), never the graph.
 */
import type { Graph, Node, ParamStore } from '../ir/graph.ts';
import type { TypedArray } from '../ir/tensor.ts';
import { bindAdd, bindConv, convEff, effScalesOf, multipliersOf, type AddBinding, type ChainBinding } from '../kernels/conv-binding.ts';
import { startOnto } from '../kernels/backward.ts';
import type { ConvBinding } from '../kernels/def.ts';
import {
  biasRule, maskOf, REFERENCE_KERNELS, weightGradFloats, weightRule, type ExecEnv, type KernelTable,
} from '../runtime/kernels.ts';
import type { ProgramKernelOf } from '../program/types.ts';
import { blockOperands, expansionOperands } from '../runtime/streamed-backward.ts';
import {
  addCall, addQCall, applyUpdateBCall, applyUpdateWCall, blockBwdCall, channelScaleCall, conv2dCall, convBwdXCall, convChainCall, convGradBCall, convGradWCall,
  convUpdateBCall, convUpdateWCall, dwPwBwdCall, maskCall, type BiasUpdate, type WeightUpdate,
} from './kernel-calls.ts';
import { wasmKernels, type KernelExports } from './instance.ts';

/** The instance (the fast table is only chosen when there is one). */
const wasm = (): KernelExports => {
  const k = wasmKernels();
  if (!k) throw new Error('internal: the fast kernel table ran without a WebAssembly instance');
  return k;
};

/** A bound chain (runtime/conv-chain.ts: runBoundChain's operands) as one call of tt_conv_chain (the same rows in the same order). */
export function convChainFast(chain: ChainBinding, param: (n: string) => ParamStore[string],
  input: Int8Array, output: Int8Array, scratch: Int8Array, inputRing?: Int8Array): void {
  const stages = chain.stages.map((c) => ({
    geom: c.geom, xZero: c.xZero, yZero: c.yZero, w: param(c.weight) as Int8Array, bias: param(c.bias) as Int32Array,
    eff: effScalesOf(c, param(c.wScales) as Float32Array), rq: multipliersOf(c, param(c.wScales) as Float32Array),
  }));
  const adds = chain.adds.map(({ stage, skip, q }) => ({ stage, skip, sa: q.a.scale, za: q.a.zeroPoint, sb: q.b.scale, zb: q.b.zeroPoint, sy: q.y.scale, zy: q.y.zeroPoint, rq: q.rq }));
  convChainCall(wasm(), stages, adds,
    chain.layout, input, output, scratch, inputRing);
}

/** tt_conv2d of a bound conv, its weight, bias and weight scales given. */
function conv2dFast(c: ConvBinding, x: Int8Array, w: Int8Array, bias: Int32Array, wScales: Float32Array, y: Int8Array, mask?: Uint8Array): void {
  conv2dCall(wasm(), x, { xZero: c.xZero, yZero: c.yZero, w, bias, eff: effScalesOf(c, wScales), rq: multipliersOf(c, wScales) }, y, c.geom, mask);
}

/** tt_add, or tt_add_q in TFLite's arithmetic, of a bound add. */
function addFast(q: AddBinding, a: Int8Array, b: Int8Array, y: Int8Array, mask?: Uint8Array): void {
  if (q.rq) addQCall(wasm(), a, q.a.zeroPoint, b, q.b.zeroPoint, y, q.y.zeroPoint, q.rq, mask);
  else addCall(wasm(), a, q.a.scale, q.a.zeroPoint, b, q.b.scale, q.b.zeroPoint, y, q.y.scale, q.y.zeroPoint, mask);
}

const weightUpdate = (k: ProgramKernelOf<'conv_update_w' | 'apply_update_w'>, env: ExecEnv): WeightUpdate => ({
  w: env.param(k.params[0]) as Int8Array, sW: env.param(k.params[1]) as Float32Array, c: k.bound.conv.geom, n: k.attrs.channels,
  rule: weightRule(k, env),
});
const biasUpdate = (k: ProgramKernelOf<'conv_update_b' | 'apply_update_b'>, env: ExecEnv): BiasUpdate => ({
  b: env.param(k.params[0]) as Int32Array, sW: env.param(k.params[1]) as Float32Array, xScale: k.attrs.xScale, rule: biasRule(k, env),
});

export const FAST_KERNELS: KernelTable = {
  ...REFERENCE_KERNELS,
  conv2d(k, env) {
    const c = k.bound.conv;
    conv2dFast(c, env.buf(k.inputs[0]) as Int8Array, env.param(c.weight) as Int8Array, env.param(c.bias) as Int32Array,
      env.param(c.wScales) as Float32Array, env.buf(k.outputs[0]) as Int8Array, maskOf(k, env));
  },
  conv_chain(k, env) {
    convChainFast(k.bound, env.param, env.buf(k.inputs[0]) as Int8Array, env.buf(k.outputs[0]) as Int8Array, env.buf(k.attrs.scratch) as Int8Array,
      k.attrs.ring ? (env.buf(k.attrs.ring) as Int8Array) : undefined);
  },
  add(k, env) {
    addFast(k.bound, env.buf(k.inputs[0]) as Int8Array, env.buf(k.inputs[1]) as Int8Array, env.buf(k.outputs[0]) as Int8Array, maskOf(k, env));
  },
  mask(k, env) {
    maskCall(wasm(), env.buf(k.inputs[0]) as Float32Array, env.buf(k.inputs[1]) as Uint8Array, env.buf(k.outputs[0]) as Float32Array);
  },
  channel_scale(k, env) {
    channelScaleCall(wasm(), env.buf(k.inputs[0]) as Float32Array, convEff(k.bound.conv, env), env.buf(k.outputs[0]) as Float32Array);
  },
  conv_bwd_x(k, env) {
    const gx = env.buf(k.outputs[0]) as Float32Array;
    convBwdXCall(wasm(), env.buf(k.inputs[0]) as Float32Array, env.param(k.params[0]) as Int8Array, k.bound.conv.geom, gx, startOnto(env, k.attrs.onto, gx));
  },
  conv_update_w(k, env) {
    convUpdateWCall(wasm(), env.buf(k.inputs[0]) as Int8Array, k.attrs.xZero, env.buf(k.inputs[1]) as Float32Array, weightUpdate(k, env));
  },
  conv_grad_w(k, env) {
    const c = k.bound.conv.geom;
    const out = env.buf(k.outputs[0]) as Float32Array;
    convGradWCall(wasm(), env.buf(k.inputs[0]) as Int8Array, k.attrs.xZero, env.buf(k.inputs[1]) as Float32Array, c, k.attrs.channels,
      out.subarray(0, weightGradFloats(k, c)));
  },
  apply_update_w(k, env) {
    const u = weightUpdate(k, env);
    applyUpdateWCall(wasm(), (env.buf(k.inputs[0]) as Float32Array).subarray(0, weightGradFloats(k, u.c)), u);
  },
  conv_update_b(k, env) {
    const c = k.bound.conv.geom;
    const masked = k.attrs.mask ? { mask: env.buf(k.attrs.mask) as Uint8Array, howo: c.ho * c.wo } : undefined;
    convUpdateBCall(wasm(), env.buf(k.inputs[0]) as Float32Array, biasUpdate(k, env), masked);
  },
  conv_grad_b(k, env) {
    convGradBCall(wasm(), env.buf(k.inputs[0]) as Float32Array, env.buf(k.outputs[0]) as Float32Array);
  },
  apply_update_b(k, env) {
    const u = biasUpdate(k, env);
    applyUpdateBCall(wasm(), (env.buf(k.inputs[0]) as Float32Array).subarray(0, u.b.length), u);
  },
  dw_pw_bwd(k, env) {
    dwPwBwdCall(wasm(), expansionOperands(k, env), env.buf(k.attrs.scratch).length);
  },
  block_bwd(k, env) {
    blockBwdCall(wasm(), blockOperands(k, env), env.buf(k.attrs.scratch).length);
  },
};

/**
 * The graph-level forward (runtime/reference.ts, which runs a graph, not a compiled program) of the
 * nodes the fast kernels cover: an int8 conv or residual add into an Int8Array, each node bound as
 * the compiler binds it. Returns false for anything else (the op's own forward runs).
 */
export function fastNodeForward(node: Node, g: Graph, ins: TypedArray[], outs: TypedArray[]): boolean {
  if (!(outs[0] instanceof Int8Array)) return false;
  if (node.op === 'conv2d') {
    conv2dFast(bindConv(g, node as Node<'conv2d'>), ins[0] as Int8Array, ins[1] as Int8Array, ins[2] as Int32Array, ins[3] as Float32Array, outs[0],
      outs[1] as Uint8Array | undefined);
    return true;
  }
  if (node.op === 'add') {
    addFast(bindAdd(g, node), ins[0] as Int8Array, ins[1] as Int8Array, outs[0], outs[1] as Uint8Array | undefined);
    return true;
  }
  return false;
}
