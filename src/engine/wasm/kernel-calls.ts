/**
 * The calls of the C kernel library in WebAssembly (csrc/tt_kernels.h, built by scripts/build-wasm.mjs):
 * the operands copied into the module's memory, the library's structs (tt_geom, tt_weight, tt_sgd,
 * tt_stage, tt_chain, tt_work) written there with the fields codegen/c-step.ts and codegen/c-params.ts
 * give them on the chip, and the results, updated parameters and velocities copied back. Each call
 * computes what its TypeScript twin computes, bit for bit (src/engine/wasm/*.test.ts).
 */
import type { ConvGeom } from '../ops/conv2d.ts';
import { isDepthwise, taps } from '../ops/conv2d.ts';
import { addMultiplierWords, multiplierPairs, type AddMultipliers, type ConvMultipliers } from '../quant/tflite-int.ts';
import type { BlockOperands, ExpansionOperands, ParamUpdate, PwOperands } from '../runtime/streamed-backward.ts';
import type { ChainLayout } from '../schedule/fuse-rows.ts';
import { F32, WasmCall, type KernelExports } from './instance.ts';

/**
 * The workspace a kernel's fast paths carve (the `wk` of the C calls; on the chip, the free arena at
 * the kernel's step). Scratch above the operands costs nothing to reserve; the fast paths use what
 * they need of it (csrc/tt_kernels.c, firmware/workspaces.ts: fastPathBytes).
 */
const WORKSPACE = 256 * 1024;

/** tt_geom; rq: the conv's TFLite multipliers (a model in TFLite's arithmetic), else NULL. */
export function geomStruct(call: WasmCall, c: ConvGeom, rq?: ConvMultipliers): number {
  return call.record([c.cin, c.h, c.w, c.cout, c.ho, c.wo, c.cpg, c.kh, c.kw, c.stride, c.ph, c.pw, c.groups, isDepthwise(c) ? 1 : 0, rq ? call.in(multiplierPairs(rq)) : 0]);
}

/** mix32 of quant/stochastic-round.ts run backwards: odd multipliers have inverses mod 2^32, the xor-shifts undo themselves. */
const inverse = (a: number) => {
  let x = a;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(a, x));
  return x;
};
const INV1 = inverse(0x85ebca6b), INV2 = inverse(0xc2b2ae35);
export function unmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, INV2);
  x ^= (x >>> 13) ^ (x >>> 26);
  x = Math.imul(x, INV1);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * A parameter's rounding id in the C. The runtime hands the kernels each parameter's key of this
 * update (paramKey = mix32(update key ^ id)); the C mixes the update key (tt_sgd.key) with the
 * parameter's id itself. With the update key 0, the id that gives the same key is mix32's inverse.
 */
const roundingId = (u: ParamUpdate) => (u.key === undefined ? 0 : unmix32(u.key));

/** tt_sgd of one update rule (its key 0: see roundingId). */
export function sgdStruct(call: WasmCall, u: ParamUpdate): number {
  return call.record([new F32(u.cfg.lr), new F32(u.cfg.momentum), u.cfg.qas ? 1 : 0, u.key === undefined ? 0 : 1, 0]);
}

/**
 * tt_weight of a whole [cout][cpg][k][k] weight that is read (the forward, the input gradients): every
 * channel in `tr`, so the C reads it as it is.
 */
function readWeight(call: WasmCall, w: Int8Array, c: ConvGeom): number {
  const at = call.in(w);
  return call.record([0, at, isDepthwise(c) ? c.cout : c.cpg, 0, 0]);
}

/**
 * tt_weight of a weight whose first n channels (input channels of a standard conv, channels of a
 * depthwise one) are trained: trained [cout][n][kh][kw] in `tr`, the rest in `fz`, as the chip holds
 * them (codegen/c-params.ts: splitWeight). The trained part is copied back into w by `done()`.
 * `id` and `biasId`: the weight's and its conv's bias's rounding ids.
 */
function trainedWeight(call: WasmCall, w: Int8Array, c: ConvGeom, n: number, id: number, biasId: number): number {
  const kk = taps(c);
  if (isDepthwise(c) || n === c.cpg) {
    const at = call.inout(w);
    return call.record([at + n * kk, at, n, id, biasId]);
  }
  const per = c.cpg * kk;
  const tr = new Int8Array(c.cout * n * kk), fz = new Int8Array(c.cout * (c.cpg - n) * kk);
  for (let oc = 0; oc < c.cout; oc++) {
    tr.set(w.subarray(oc * per, oc * per + n * kk), oc * n * kk);
    fz.set(w.subarray(oc * per + n * kk, (oc + 1) * per), oc * (c.cpg - n) * kk);
  }
  const trAt = call.inout(tr), fzAt = call.in(fz);
  call.after(() => {
    for (let oc = 0; oc < c.cout; oc++) w.set(tr.subarray(oc * n * kk, (oc + 1) * n * kk), oc * per);
  });
  return call.record([fzAt, trAt, n, id, biasId]);
}

const optional = (call: WasmCall, a: Float32Array | undefined) => (a ? call.inout(a) : 0);

// ---------------------------------------------------------------- forward

export interface ConvParams { xZero: number; yZero: number; w: Int8Array; bias: Int32Array; eff: Float32Array; rq?: ConvMultipliers }

/** tt_conv2d into an Int8Array (convInt8 in round mode), with the clamp mask if there is one. */
export function conv2dCall(k: KernelExports, x: Int8Array, p: ConvParams, y: Int8Array, c: ConvGeom, mask?: Uint8Array): void {
  const call = new WasmCall(k);
  // x is copied in before y is reserved, so a depthwise conv in place (y over x) reads the old x.
  const xAt = call.in(x), yAt = call.out(y);
  const maskAt = mask ? call.inout(mask) : 0;
  const w = readWeight(call, p.w, c), g = geomStruct(call, c, p.rq);
  // tt_work: the pointwise path's accumulators and weight row when the workspace is too small (never here).
  const ws = call.record([call.alloc(64 * 4), 64, call.alloc(c.cpg + 16), 0, 0]);
  k.tt_conv2d(xAt, p.xZero, w, call.in(p.bias), call.in(p.eff), yAt, p.yZero, g, maskAt, 0, ws, call.alloc(WORKSPACE), WORKSPACE);
  call.done();
}

export interface ChainStage extends ConvParams { geom: ConvGeom }
/** A residual add inside the chain (tt_chain_add): after stage `stage`, its skip from source `skip`. */
export interface ChainAdd { stage: number; skip: number; sa: number; za: number; sb: number; zb: number; sy: number; zy: number; rq?: AddMultipliers }

/** tt_conv_chain: the whole chain (rings, streamed input, residual adds) in one call. */
export function convChainCall(k: KernelExports, stages: ChainStage[], adds: ChainAdd[], layout: ChainLayout,
  input: Int8Array, output: Int8Array, scratch: Int8Array, inputRing?: Int8Array): void {
  const call = new WasmCall(k);
  const g0 = stages[0].geom;
  // In place (schedule/fuse-rows.ts: chainInPlace): the output is the input's memory, as in the arena.
  const inPlace = input.buffer === output.buffer && input.byteOffset === output.byteOffset;
  const outAt = inPlace ? call.inout(output) : call.out(output), inAt = inPlace ? outAt : call.in(input), scratchAt = call.inout(scratch);
  const st = stages.flatMap((s) => [geomStruct(call, s.geom, s.rq), readWeight(call, s.w, s.geom), call.in(s.bias), call.in(s.eff), s.xZero, s.yZero]);
  const rings = layout.rings.length ? layout.rings : [{ offset: 0, rows: 0, spare: -1 }];
  const ad = adds.flatMap((a) => [a.stage, a.skip, new F32(a.sa), new F32(a.sb), new F32(a.sy), a.za, a.zb, a.zy, a.rq ? call.in(addMultiplierWords(a.rq)) : 0]);
  const inRows = inputRing ? inputRing.length / (g0.cin * g0.w) : 0;
  const chain = call.record([stages.length, call.record(st), call.record(rings.map((r) => r.offset)), call.record(rings.map((r) => r.rows)),
    adds.length, adds.length ? call.record(ad) : 0, layout.addRow, inRows, call.record(rings.map((r) => r.spare))]);
  let src = 0, ring = 0;
  if (inputRing) {
    ring = call.inout(inputRing);
    src = call.alloc(5 * 4);
    k.tt_wasm_image_src(src, inAt, g0.cin, g0.h, g0.w);
  }
  k.tt_conv_chain(chain, inputRing ? 0 : inAt, src, ring, outAt, scratchAt, call.alloc(WORKSPACE), WORKSPACE);
  call.done();
}

/** tt_add (addInt8 in round mode). */
export function addCall(k: KernelExports, a: Int8Array, sa: number, za: number, b: Int8Array, sb: number, zb: number,
  y: Int8Array, sy: number, zy: number, mask?: Uint8Array): void {
  const call = new WasmCall(k);
  const at = [call.in(a), call.in(b), call.out(y), mask ? call.inout(mask) : 0];
  k.tt_add(at[0], sa, za, at[1], sb, zb, at[2], sy, zy, at[3], y.length);
  call.done();
}

/** tt_add_q (addInt8 in round mode in TFLite's arithmetic). */
export function addQCall(k: KernelExports, a: Int8Array, za: number, b: Int8Array, zb: number, y: Int8Array, zy: number, rq: AddMultipliers, mask?: Uint8Array): void {
  const call = new WasmCall(k);
  const at = [call.in(a), call.in(b), call.out(y), mask ? call.inout(mask) : 0];
  k.tt_add_q(at[0], za, at[1], zb, at[2], zy, call.in(addMultiplierWords(rq)), at[3], y.length);
  call.done();
}

// ---------------------------------------------------------------- backward

/** tt_mask: out = g where the clamp passed (out may be g's buffer). */
export function maskCall(k: KernelExports, g: Float32Array, mask: Uint8Array, out: Float32Array): void {
  const call = new WasmCall(k);
  k.tt_mask(call.in(g), call.in(mask), call.out(out.subarray(0, g.length)), g.length);
  call.done();
}

/** tt_channel_scale: out[c, ...] = g[c, ...] * scale[c] (out may be g's buffer). */
export function channelScaleCall(k: KernelExports, g: Float32Array, scale: Float32Array, out: Float32Array): void {
  const call = new WasmCall(k);
  k.tt_channel_scale(call.in(g), call.in(scale), scale.length, g.length / scale.length, call.out(out.subarray(0, g.length)));
  call.done();
}

/**
 * tt_conv_bwd_x: gx = conv_transpose(g, W), or (accumulate) gx plus it; gx may be g's buffer (the
 * copies keep them apart).
 */
export function convBwdXCall(k: KernelExports, g: Float32Array, w: Int8Array, c: ConvGeom, gx: Float32Array, accumulate = false): void {
  const call = new WasmCall(k);
  const gxs = gx.subarray(0, c.cin * c.h * c.w);
  const gAt = call.in(g), gxAt = accumulate ? call.inout(gxs) : call.out(gxs);
  k.tt_conv_bwd_x(gAt, readWeight(call, w, c), geomStruct(call, c), gxAt, 0, accumulate ? 1 : 0);
  call.done();
}

/** tt_conv_grad_w: the weight gradient rows of the first n trained channels. */
export function convGradWCall(k: KernelExports, x: Int8Array, xZero: number, g: Float32Array, c: ConvGeom, n: number, out: Float32Array): void {
  const call = new WasmCall(k);
  k.tt_conv_grad_w(call.in(x), xZero, call.in(g), geomStruct(call, c), n, call.out(out));
  call.done();
}

export interface WeightUpdate { w: Int8Array; sW: Float32Array; c: ConvGeom; n: number; rule: ParamUpdate }

/** tt_conv_update_w: the weight gradient rows from x and g, each applied as it is made. */
export function convUpdateWCall(k: KernelExports, x: Int8Array, xZero: number, g: Float32Array, u: WeightUpdate): void {
  const call = new WasmCall(k);
  const { c, n } = u;
  const per = isDepthwise(c) ? 1 : n;
  k.tt_conv_update_w(call.in(x), xZero, call.in(g), geomStruct(call, c), n, trainedWeight(call, u.w, c, n, roundingId(u.rule), 0), call.in(u.sW),
    sgdStruct(call, u.rule), optional(call, u.rule.velocity), call.alloc(per * taps(c) * 4));
  call.done();
}

/** tt_apply_update_w: the update from given gradient rows. */
export function applyUpdateWCall(k: KernelExports, gw: Float32Array, u: WeightUpdate): void {
  const call = new WasmCall(k);
  const { c, n } = u;
  k.tt_apply_update_w(call.in(gw), geomStruct(call, c), n, trainedWeight(call, u.w, c, n, roundingId(u.rule), 0), call.in(u.sW),
    sgdStruct(call, u.rule), optional(call, u.rule.velocity));
  call.done();
}

/** tt_conv_grad_b: the plane sums of g. */
export function convGradBCall(k: KernelExports, g: Float32Array, out: Float32Array): void {
  const call = new WasmCall(k);
  k.tt_conv_grad_b(call.in(g), out.length, g.length / out.length, call.out(out));
  call.done();
}

export interface BiasUpdate { b: Int32Array; sW: Float32Array; xScale: number; rule: ParamUpdate }

/** tt_conv_update_b: the bias gradients summed from g, each applied. */
export function convUpdateBCall(k: KernelExports, g: Float32Array, u: BiasUpdate, masked?: { mask: Uint8Array; howo: number }): void {
  const call = new WasmCall(k);
  const cout = u.b.length;
  const rest = [call.inout(u.b), roundingId(u.rule), cout, masked ? masked.howo : g.length / cout, call.in(u.sW), u.xScale, sgdStruct(call, u.rule),
    optional(call, u.rule.velocity)] as const;
  // masked: g holds one value per channel under the mask (tt_conv_update_b_masked).
  if (masked) k.tt_conv_update_b_masked(call.in(g), call.in(masked.mask), ...rest);
  else k.tt_conv_update_b(call.in(g), ...rest);
  call.done();
}

/** tt_apply_update_b: the update from given bias gradients. */
export function applyUpdateBCall(k: KernelExports, gb: Float32Array, u: BiasUpdate): void {
  const call = new WasmCall(k);
  k.tt_apply_update_b(call.in(gb), call.inout(u.b), roundingId(u.rule), u.b.length, call.in(u.sW), u.xScale, sgdStruct(call, u.rule),
    optional(call, u.rule.velocity));
  call.done();
}

/** pw1's operands of tt_dw_pw_bwd / tt_block_bwd (after the pointer to gx). */
function pwArgs(call: WasmCall, o: PwOperands): number[] {
  return [
    trainedWeight(call, o.w, o.geom, o.n, roundingId(o.weight), roundingId(o.biasUpdate)), geomStruct(call, o.geom), o.bias ? call.inout(o.b) : 0,
    call.in(o.s), call.in(o.eff), o.n, o.bias ? 1 : 0, o.xZero, o.xScale,
  ];
}

/** pw1's input gradient: written, or read and added onto (accumulate). */
const gxArg = (call: WasmCall, p: PwOperands) => (!p.gx ? 0 : p.accumulate ? call.inout(p.gx) : call.out(p.gx));

/** tt_dw_pw_bwd: the depthwise input gradient streamed into its pw1's backward. `scratchFloats`: the kernel's scratch tensor. */
export function dwPwBwdCall(k: KernelExports, o: ExpansionOperands, scratchFloats: number): void {
  const call = new WasmCall(k);
  const p = o.pw;
  const [gD, mask, saved, gx, scratch] = [call.in(o.g), call.in(p.mask), p.saved ? call.in(p.saved) : 0, gxArg(call, p), call.alloc(scratchFloats * 4)];
  const wD = readWeight(call, o.w, o.geom), dg = geomStruct(call, o.geom);
  const [wP, pg, bP, sP, eff, n, bias, xz, xs] = pwArgs(call, p);
  k.tt_dw_pw_bwd(gD, mask, saved, gx, p.accumulate ? 1 : 0, scratch, wD, dg, wP, pg, bP, sP, eff, n, bias, xz, xs, sgdStruct(call, p.weight), sgdStruct(call, p.biasUpdate),
    optional(call, p.weight.velocity), optional(call, p.biasUpdate.velocity), call.alloc(WORKSPACE), WORKSPACE);
  call.done();
}

/** Two parameters of one kind update by one tt_sgd: the same hyperparameters, both rounded stochastically or neither. */
const sameRule = (a: ParamUpdate, b: ParamUpdate) =>
  a.cfg.lr === b.cfg.lr && a.cfg.momentum === b.cfg.momentum && a.cfg.qas === b.cfg.qas && (a.key === undefined) === (b.key === undefined);

/** tt_block_bwd: pw2's input gradient, the depthwise conv's whole backward and pw1's, channel by channel. */
export function blockBwdCall(k: KernelExports, o: BlockOperands, scratchFloats: number): void {
  const call = new WasmCall(k);
  const g2 = call.in(o.g2), g2Mask = o.g2Mask ? call.in(o.g2Mask) : 0, w2 = readWeight(call, o.w2, o.geom2), g2g = geomStruct(call, o.geom2);
  const dMask = call.in(o.mask), dSaved = o.saved ? call.in(o.saved) : 0;
  const wD = trainedWeight(call, o.w, o.geom, o.n, roundingId(o.weight), roundingId(o.biasUpdate)), dg = geomStruct(call, o.geom);
  const bD = o.bias ? call.inout(o.b) : 0;
  const dVelW = optional(call, o.weight.velocity), dVelB = optional(call, o.biasUpdate.velocity);
  const p = o.pw;
  const gx = p ? gxArg(call, p) : o.gx ? call.out(o.gx) : 0;
  if (p && (!sameRule(p.weight, o.weight) || !sameRule(p.biasUpdate, o.biasUpdate))) {
    throw new Error('internal: block_bwd\'s depthwise and pointwise parameters have different update rules (the C takes one per kind)');
  }
  const pwPart = p
    ? [call.in(p.mask), p.saved ? call.in(p.saved) : 0, gx, p.accumulate ? 1 : 0, ...pwArgs(call, p), optional(call, p.weight.velocity),
      optional(call, p.biasUpdate.velocity)]
    : [0, 0, gx, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  // The updates share one rule per kind (the chip's tt_sgd_weight, tt_sgd_bias); the ids tell the parameters apart.
  const [pMask, pSaved, pGx, gxAcc, wP, pg, bP, sP, effP, n, bias, xz, xs, velW, velB] = pwPart;
  k.tt_block_bwd(g2, g2Mask, w2, g2g, dMask, dSaved, wD, dg, bD, call.in(o.s), call.in(o.eff), o.n, o.bias ? 1 : 0, o.inputGrad ? 1 : 0, o.xZero, o.xScale,
    dVelW, dVelB, pMask, pSaved, pGx, gxAcc, wP, pg, bP, sP, effP, n, bias, xz, xs, velW, velB, sgdStruct(call, o.weight), sgdStruct(call, o.biasUpdate),
    call.alloc(scratchFloats * 4), call.alloc(WORKSPACE), WORKSPACE);
  call.done();
}
