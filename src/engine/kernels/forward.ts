/**
 * The forward kernels: the int8 conv, the fused frozen chain, the residual add, the global average
 * pool, the float32 head and the saved slice of an activation.
 */
import type { Node } from '../ir/graph.ts';
import { addInt8 } from '../ops/add.ts';
import { avgpoolInt8 } from '../ops/avgpool.ts';
import { convInt8 } from '../ops/conv2d.ts';
import { linearF32 } from '../ops/linear.ts';
import type { KernelOf } from '../program/types.ts';
import { dequantize } from '../quant/arith.ts';
import { addMultiplierWords } from '../quant/tflite-int.ts';
import { runBoundChain } from '../runtime/conv-chain.ts';
import { CHAIN_MAX } from '../schedule/fuse-rows.ts';
import { bindAdd, bindChain, convEff, multipliersOf, type AddBinding, type ChainBinding } from './conv-binding.ts';
import { NO_BINDING, type ConvBinding, type Empty, type ExecEnv, type KernelDef, type KernelTypes, type Quant } from './def.ts';

/** The clamp mask a forward kernel also writes, when the backward pass needs it. */
export const maskOf = (k: KernelOf<'conv2d' | 'add'>, env: ExecEnv) => (k.attrs.mask ? (env.buf(k.attrs.mask) as Uint8Array) : undefined);

export type Conv2dTypes = KernelTypes<{
  /** Written beside the output when the backward pass needs the clamp mask. */
  mask?: string;
  /** One output channel of workspace when the depthwise conv writes over its input (schedule/inplace.ts). */
  scratch?: string;
}, { conv: ConvBinding }>;

export const conv2d: KernelDef<'conv2d'> = {
  bind: (k, b) => ({ conv: b.conv(k.node) }),
  reference(k, env) {
    const c = k.bound.conv;
    convInt8(env.buf(k.inputs[0]) as Int8Array, c.xZero, env.param(c.weight) as Int8Array, env.param(c.bias) as Int32Array, convEff(c, env),
      env.buf(k.outputs[0]), c.yZero, c.geom, maskOf(k, env), env.round, multipliersOf(c, env.param(c.wScales) as Float32Array));
  },
  c: {
    functions: ['tt_conv2d'],
    emit(k, e) {
      const c = e.conv(k.node);
      const { mask, scratch } = k.attrs;
      return [`tt_conv2d(${e.ptr(k.inputs[0])}, ${k.bound.conv.xZero}, &${c.weight}, ${c.bias}, ${c.eff}, ${e.ptr(k.outputs[0])}, ${k.bound.conv.yZero}, ` +
        `&${c.geomSym}, ${mask ? e.ptr(mask) : 'NULL'}, ${scratch ? e.ptr(scratch) : 'NULL'}, &tt_ws, ${e.wk});`];
    },
    codeBytes: 4686,
  },
  kind: 'forward',
  label: 'conv2d',
};

export type ConvChainTypes = KernelTypes<{
  /** The fused frozen convs in order (schedule/fuse-rows.ts). */
  convs: string[];
  /** The residual add nodes inside the chain (each after a stage; schedule/fuse-rows.ts: chainAdds). */
  adds: string[];
  /** The row rings. */
  scratch: string;
  /** Which rings are split (schedule/fuse-rows.ts: splitRing); absent: none. */
  split?: boolean[];
  /** A streamed image (schedule/stream-input.ts) is read into `ring`, `inputRows` rows. */
  ring?: string;
  inputRows?: number;
}, ChainBinding>;

export const conv_chain: KernelDef<'conv_chain'> = {
  bind: (k, b) => bindChain(b.graph, k.attrs.convs.map((n) => b.node(n) as Node<'conv2d'>), k.attrs.adds.map((n) => b.node(n)), k.attrs.split),
  reference(k, env) {
    runBoundChain(k.bound, env.param, env.buf(k.inputs[0]) as Int8Array, env.buf(k.outputs[0]) as Int8Array, env.buf(k.attrs.scratch) as Int8Array,
      k.attrs.ring ? (env.buf(k.attrs.ring) as Int8Array) : undefined);
  },
  c: {
    // With split rings (tt_chain_split_row, inlined in tt_chain_pull) tt_pw_build_x and tt_pw_single get copies of their own.
    functions: ['tt_conv_chain', 'tt_chain_pull', 'tt_image_rows', 'tt_split_rowoff', 'tt_pw_build_x', 'tt_pw_single'],
    emit(k, e) {
      const names = k.attrs.convs;
      if (names.length > CHAIN_MAX) throw new Error(`export: conv chain ${names.join(', ')} is longer than ${CHAIN_MAX} convs`);
      const { stages, adds, layout } = k.bound;
      const cs = names.map(e.conv);
      const sym = `CH_${e.ident(names[0])}`;
      const st = cs.map((c, i) => `{ &${c.geomSym}, &${c.weight}, ${c.bias}, ${c.eff}, ${stages[i].xZero}, ${stages[i].yZero} }`);
      const rings = layout.rings;
      e.declare(`static const tt_stage ${sym}_st[${cs.length}] = {\n  ${st.join(',\n  ')}\n};`);
      e.declare(`static const int ${sym}_ro[${Math.max(1, rings.length)}] = { ${rings.map((r) => r.offset).join(', ') || '0'} };`);
      e.declare(`static const int ${sym}_rr[${Math.max(1, rings.length)}] = { ${rings.map((r) => r.rows).join(', ') || '0'} };`);
      e.declare(`static const int ${sym}_rs[${Math.max(1, rings.length)}] = { ${rings.map((r) => r.spare).join(', ') || '-1'} };`);
      // A residual add in TFLite's arithmetic: its multipliers (tt_add_q's rq).
      adds.forEach((a, i) => {
        if (a.q.rq) e.declare(`static const int32_t ${sym}_aq${i}[6] = { ${Array.from(addMultiplierWords(a.q.rq)).join(', ')} };`);
      });
      if (adds.length) {
        const rows = adds.map((a, i) => `{ ${a.stage}, ${a.skip}, ${e.f32(a.q.a.scale)}, ${e.f32(a.q.b.scale)}, ${e.f32(a.q.y.scale)}, ` +
          `${a.q.a.zeroPoint}, ${a.q.b.zeroPoint}, ${a.q.y.zeroPoint}, ${a.q.rq ? `${sym}_aq${i}` : 'NULL'} }`);
        e.declare(`static const tt_chain_add ${sym}_ad[${adds.length}] = {\n  ${rows.join(',\n  ')}\n};`);
      }
      e.declare(`static const tt_chain ${sym} = { ${cs.length}, ${sym}_st, ${sym}_ro, ${sym}_rr, ${adds.length}, ${adds.length ? `${sym}_ad` : 'NULL'}, ` +
        `${layout.addRow}, ${k.attrs.inputRows ?? 0}, ${sym}_rs };`);
      // A streamed input (schedule/stream-input.ts) is read row by row from tt_in_src into its ring.
      const input = k.attrs.ring ? `NULL, &tt_in_src, ${e.ptr(k.attrs.ring)}` : `${e.ptr(k.inputs[0])}, NULL, NULL`;
      return [`tt_conv_chain(&${sym}, ${input}, ${e.ptr(k.outputs[0])}, ${e.ptr(k.attrs.scratch)}, ${e.wk});`];
    },
    codeBytes: 5542,
  },
  kind: 'forward',
  label: 'conv_chain',
};

export type AddTypes = KernelTypes<{ mask?: string }, AddBinding>;

export const add: KernelDef<'add'> = {
  bind: (k, b) => bindAdd(b.graph, b.node(k.node)),
  reference(k, env) {
    const { a, b, y, rq } = k.bound;
    addInt8(env.buf(k.inputs[0]) as Int8Array, a.scale, a.zeroPoint, env.buf(k.inputs[1]) as Int8Array, b.scale, b.zeroPoint,
      env.buf(k.outputs[0]) as Int8Array, y.scale, y.zeroPoint, maskOf(k, env), env.round, rq);
  },
  c: {
    functions: ['tt_add'],
    emit(k, e) {
      const { a, b, y, rq } = k.bound;
      const mask = k.attrs.mask;
      if (rq) {
        const sym = `AQ_${e.ident(k.node)}`;
        e.declare(`static const int32_t ${sym}[6] = { ${Array.from(addMultiplierWords(rq)).join(', ')} };`);
        return [`tt_add_q(${e.ptr(k.inputs[0])}, ${a.zeroPoint}, ${e.ptr(k.inputs[1])}, ${b.zeroPoint}, ${e.ptr(k.outputs[0])}, ${y.zeroPoint}, ${sym}, ` +
          `${mask ? e.ptr(mask) : 'NULL'}, ${e.n(k.outputs[0])});`];
      }
      return [`tt_add(${e.ptr(k.inputs[0])}, ${e.f32(a.scale)}, ${a.zeroPoint}, ${e.ptr(k.inputs[1])}, ${e.f32(b.scale)}, ${b.zeroPoint}, ` +
        `${e.ptr(k.outputs[0])}, ${e.f32(y.scale)}, ${y.zeroPoint}, ${mask ? e.ptr(mask) : 'NULL'}, ${e.n(k.outputs[0])});`];
    },
    codeBytes: 260,
  },
  kind: 'forward',
  label: 'add',
};

/** A C x H x W input's channels and plane size. */
export interface PlaneShape { channels: number; hw: number }
export const planeOf = (shape: number[]): PlaneShape => ({ channels: shape[0], hw: shape[1] * shape[2] });

export const avgpool: KernelDef<'avgpool'> = {
  bind: (k, b) => planeOf(b.graph.tensors[b.node(k.node).inputs[0]].shape),
  reference(k, env) {
    avgpoolInt8(env.buf(k.inputs[0]) as Int8Array, k.bound.channels, k.bound.hw, env.buf(k.outputs[0]) as Int8Array, env.round);
  },
  c: {
    functions: ['tt_avgpool'],
    emit: (k, e) => [`tt_avgpool(${e.ptr(k.inputs[0])}, ${k.bound.channels}, ${k.bound.hw}, ${e.ptr(k.outputs[0])});`],
    codeBytes: 104,
  },
  kind: 'forward',
  label: 'avgpool',
};
export type AvgpoolTypes = KernelTypes<Empty, PlaneShape>;

export type LinearTypes = KernelTypes<Empty, { x: Quant; classes: number; c: number; weight: string; bias: string }>;

export const linear: KernelDef<'linear'> = {
  bind: (k, b) => {
    const n = b.node(k.node);
    const [classes, c] = b.graph.tensors[n.inputs[1]].shape;
    return { x: b.quant(n.inputs[0]), classes, c, weight: n.inputs[1], bias: n.inputs[2] };
  },
  reference(k, env) {
    const { x: q, classes, c } = k.bound;
    const x = env.buf(k.inputs[0]);
    const xf = new Float32Array(c);
    for (let i = 0; i < c; i++) xf[i] = dequantize(x[i], q.scale, q.zeroPoint);
    linearF32(xf, env.param(k.bound.weight) as Float32Array, env.param(k.bound.bias) as Float32Array, classes, c, env.buf(k.outputs[0]) as Float32Array);
  },
  c: {
    functions: ['tt_linear'],
    emit(k, e) {
      const { x, classes, c } = k.bound;
      return [`tt_linear(${e.ptr(k.inputs[0])}, ${e.f32(x.scale)}, ${x.zeroPoint}, ${e.p(k.bound.weight)}, ${e.p(k.bound.bias)}, ${classes}, ${c}, ${e.ptr(k.outputs[0])});`];
    },
    codeBytes: 100,
  },
  kind: 'forward',
  label: 'linear',
};

/** The first `channels` channels of an activation kept for a weight gradient. */
export type SaveSliceTypes = KernelTypes<{ channels: number }, Empty>;

export const save_slice: KernelDef<'save_slice'> = {
  bind: NO_BINDING,
  reference(k, env) {
    const out = env.buf(k.outputs[0]);
    out.set(env.buf(k.inputs[0]).subarray(0, out.length));
  },
  c: {
    functions: ['tt_save_slice'],
    emit: (k, e) => [`tt_save_slice(${e.ptr(k.inputs[0])}, ${e.ptr(k.outputs[0])}, ${e.n(k.outputs[0])});`],
    codeBytes: 10,
  },
  kind: 'forward',
  label: 'save_slice',
};
