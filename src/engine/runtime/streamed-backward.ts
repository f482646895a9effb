/**
 * The channel-streamed backward kernels of schedule/fuse-backward.ts (dw_pw_bwd) and
 * schedule/fuse-block-backward.ts (block_bwd). Per channel of a block's expanded width they do what
 * the unfused mask, channel_scale, conv_bwd_x, conv_update_w and conv_update_b kernels do, with every
 * float sum in the same order, so the results are identical.
 */
import type { ConvBinding, ExecEnv } from '../kernels/def.ts';
import { startOnto } from '../kernels/backward.ts';
import { effScalesOf } from '../kernels/conv-binding.ts';
import {
  accumulateStart, convBiasGrad, convWeightGradRow, dwBackwardChannel, dwBackwardPlane, dwWeightGradPlane, taps, type ConvGeom,
} from '../ops/conv2d.ts';
import { updateInt32, updateInt8, type SgdConfig } from '../ops/sgd.ts';
import type { ProgramKernelOf } from '../program/types.ts';

const f32 = Math.fround;
const bit = (mask: Uint8Array, i: number) => (mask[i >> 3] >> (i & 7)) & 1;
const optional = <T>(env: ExecEnv, name: string | null) => (name ? (env.param(name) as T) : undefined);

/** pw1's operands in a streamed kernel (shared by the TypeScript loop and the WebAssembly call). */
export interface PwOperands {
  geom: ConvGeom;
  w: Int8Array;
  b: Int32Array;
  s: Float32Array;
  eff: Float32Array;
  mask: Uint8Array;
  saved: Int8Array | null;
  xZero: number;
  /** Trained input channels of the weight. */
  n: number;
  gx: Float32Array | null;
  /** gx holds a gradient the input gradient adds onto (accumulateStart). */
  accumulate: boolean;
  bias: boolean;
  xScale: number;
  weight: ParamUpdate;
  biasUpdate: ParamUpdate;
}

/** A trained parameter's update rule in a kernel: hyperparameters, velocity and rounding key. */
export interface ParamUpdate {
  cfg: SgdConfig;
  velocity: Float32Array | undefined;
  key: number | undefined;
}

function pwOperands(k: ProgramKernelOf<'dw_pw_bwd' | 'block_bwd'>, env: ExecEnv, pw: ConvBinding, params: string[], mask: Uint8Array, saved: Int8Array | null, gx: Float32Array | null): PwOperands {
  const [w, b, s] = params.map((p) => env.param(p)) as [Int8Array, Int32Array, Float32Array];
  return {
    geom: pw.geom, w, b, s, eff: effScalesOf(pw, s), mask, saved, xZero: k.attrs.xZero,
    n: k.attrs.channels, gx, accumulate: !!gx && startOnto(env, k.attrs.onto, gx), bias: k.attrs.bias, xScale: k.attrs.xScale,
    weight: { cfg: env.hyper.weight, velocity: optional<Float32Array>(env, k.attrs.weightMomentum), key: env.roundKey?.(params[0]) },
    biasUpdate: { cfg: env.hyper.bias, velocity: optional<Float32Array>(env, k.attrs.biasMomentum), key: env.roundKey?.(params[1]) },
  };
}

/**
 * pw1's whole backward for one output channel c, given that channel's raw gradient in `g`
 * (overwritten by g'): mask, scale, the input-gradient accumulation (old weights), then the weight
 * row and bias updates. Returns the per-channel step and the accumulator to zero first.
 */
function pw1Stream(o: PwOperands, row: Float32Array) {
  const { geom: pg, w: wP, b: bP, s: sP, eff, mask, saved, gx, n } = o;
  const sx = f32(o.xScale);
  const hw = pg.ho * pg.wo;
  const u = o.weight, ub = o.biasUpdate;
  if (gx) accumulateStart(gx, gx.length, o.accumulate);
  return (c: number, g: Float32Array) => {
    const s = eff[c];
    for (let p = 0, i = c * hw; p < hw; p++, i++) g[p] = bit(mask, i) ? f32(g[p] * s) : 0;
    if (gx) {
      for (let ic = 0; ic < pg.cpg; ic++) {
        const wv = wP[c * pg.cpg + ic];
        if (wv === 0) continue;
        for (let p = 0, i = ic * hw; p < hw; p++, i++) gx[i] = f32(gx[i] + f32(g[p] * wv));
      }
    }
    if (saved) {
      convWeightGradRow(saved, o.xZero, g, pg, 0, n, row);
      const div = f32(sP[c] * sP[c]);
      for (let j = 0; j < n; j++) updateInt8(wP, c * pg.cpg + j, row[j], div, u.cfg, u.velocity, c * n + j, u.key);
    }
    if (o.bias) {
      const sb = f32(sP[c] * sx);
      updateInt32(bP, c, convBiasGrad(g, 0, hw), f32(sb * sb), ub.cfg, ub.velocity, c, ub.key);
    }
  };
}

/** dw_pw_bwd's operands. */
export interface ExpansionOperands {
  /** The depthwise conv's output gradient g', weights and geometry. */
  g: Float32Array;
  w: Int8Array;
  geom: ConvGeom;
  pw: PwOperands;
}

/** dw_pw_bwd's operands from its bound kernel (the reference and the fast table read the same). */
export function expansionOperands(k: ProgramKernelOf<'dw_pw_bwd'>, env: ExecEnv): ExpansionOperands {
  const n = k.attrs.channels;
  return {
    g: env.buf(k.inputs[0]) as Float32Array, w: env.param(k.params[0]) as Int8Array, geom: k.bound.dw.geom,
    pw: pwOperands(k, env, k.bound.pw, k.params.slice(1, 4), env.buf(k.inputs[1]) as Uint8Array, n > 0 ? (env.buf(k.inputs[2]) as Int8Array) : null,
      k.attrs.inputGrad ? (env.buf(k.outputs[0]) as Float32Array) : null),
  };
}

/** dw_pw_bwd: the depthwise input gradient streamed into its pw1's backward. */
export function expansionBackward(o: ExpansionOperands, scratch: Float32Array): void {
  const pg = o.pw.geom;
  const hw = pg.ho * pg.wo;
  const tmp = scratch.subarray(0, hw);
  const step = pw1Stream(o.pw, scratch.subarray(hw, hw + o.pw.n));
  for (let c = 0; c < pg.cout; c++) {
    dwBackwardChannel(o.g, o.w, o.geom, c, tmp);
    step(c, tmp);
  }
}

/** block_bwd's operands. */
export interface BlockOperands {
  /** pw2's output gradient g' (per channel under g2Mask if that is set), weights and geometry. */
  g2: Float32Array;
  g2Mask: Uint8Array | null;
  w2: Int8Array;
  geom2: ConvGeom;
  /** The depthwise conv's. */
  geom: ConvGeom;
  mask: Uint8Array;
  saved: Int8Array | null;
  xZero: number;
  n: number;
  w: Int8Array;
  b: Int32Array;
  s: Float32Array;
  eff: Float32Array;
  weight: ParamUpdate;
  biasUpdate: ParamUpdate;
  inputGrad: boolean;
  bias: boolean;
  xScale: number;
  pw: PwOperands | null;
  /** The input gradient: pw1's, or the depthwise conv's without pw1. */
  gx: Float32Array | null;
}

/** block_bwd's operands from its bound kernel (as expansionOperands). */
export function blockOperands(k: ProgramKernelOf<'block_bwd'>, env: ExecEnv): BlockOperands {
  const [w2, w, b, s] = k.params.slice(0, 4).map((p) => env.param(p)) as [Int8Array, Int8Array, Int32Array, Float32Array];
  const { dw, pw2, pw1 } = k.bound;
  const gx = k.outputs.length > 1 ? (env.buf(k.outputs[0]) as Float32Array) : null;
  return {
    g2: env.buf(k.inputs[0]) as Float32Array, g2Mask: k.attrs.g2Mask ? (env.buf(k.attrs.g2Mask) as Uint8Array) : null, w2, geom2: pw2.geom, geom: dw.geom,
    mask: env.buf(k.attrs.dwMask) as Uint8Array, saved: k.attrs.dwSaved ? (env.buf(k.attrs.dwSaved) as Int8Array) : null,
    xZero: k.attrs.dwXZero, n: k.attrs.dwChannels, w, b, s, eff: effScalesOf(dw, s),
    weight: { cfg: env.hyper.weight, velocity: optional<Float32Array>(env, k.attrs.dwWeightMomentum), key: env.roundKey?.(k.params[1]) },
    biasUpdate: { cfg: env.hyper.bias, velocity: optional<Float32Array>(env, k.attrs.dwBiasMomentum), key: env.roundKey?.(k.params[2]) },
    inputGrad: k.attrs.dwInputGrad, bias: k.attrs.dwBias, xScale: k.attrs.dwXScale,
    pw: pw1 ? pwOperands(k, env, pw1, [pw1.weight, pw1.bias, pw1.wScales], env.buf(k.attrs.pwMask!) as Uint8Array,
      k.attrs.pwSaved ? (env.buf(k.attrs.pwSaved) as Int8Array) : null, gx) : null,
    gx,
  };
}

/** block_bwd: pw2's input gradient, the depthwise conv's whole backward and pw1's, channel by channel. */
export function blockBackward(o: BlockOperands, scratch: Float32Array): void {
  const { geom: dg, geom2: g2, g2: g2buf, g2Mask, w2, mask: dMask, saved: dSaved, w: wD, b: bD, s: sD, eff: effD, gx } = o;
  const hwo = dg.ho * dg.wo, hwi = dg.h * dg.w;
  const outPlane = scratch.subarray(0, hwo), inPlane = scratch.subarray(hwo, hwo + hwi);
  const row = scratch.subarray(hwo + hwi);
  const sxD = f32(o.xScale);
  const kk = taps(dg);
  const u = o.weight, ub = o.biasUpdate;
  const step = o.pw ? pw1Stream(o.pw, row) : null;
  for (let c = 0; c < dg.cout; c++) {
    // pw2's input gradient for channel c: the sum over pw2's outputs, in the unfused kernel's order.
    outPlane.fill(0);
    for (let oc = 0; oc < g2.cout; oc++) {
      const wv = w2[oc * g2.cpg + c];
      if (wv === 0) continue;
      if (g2Mask) {
        // g'[oc, p] is g2buf[oc] where the bit is set; elsewhere its term is +0 or -0, which changes no sum.
        const t = f32(g2buf[oc] * wv);
        for (let p = 0, i = oc * hwo; p < hwo; p++, i++) if (bit(g2Mask, i)) outPlane[p] = f32(outPlane[p] + t);
      } else {
        for (let p = 0, i = oc * hwo; p < hwo; p++, i++) outPlane[p] = f32(outPlane[p] + f32(g2buf[i] * wv));
      }
    }
    const s = effD[c];
    for (let p = 0, i = c * hwo; p < hwo; p++, i++) outPlane[p] = bit(dMask, i) ? f32(outPlane[p] * s) : 0;
    if (o.inputGrad) dwBackwardPlane(outPlane, wD, dg, c, inPlane);
    if (dSaved && c < o.n) {
      dwWeightGradPlane(dSaved, o.xZero, outPlane, dg, c, row);
      const div = f32(sD[c] * sD[c]);
      for (let e = 0; e < kk; e++) updateInt8(wD, c * kk + e, row[e], div, u.cfg, u.velocity, c * kk + e, u.key);
    }
    if (o.bias) {
      const sb = f32(sD[c] * sxD);
      updateInt32(bD, c, convBiasGrad(outPlane, 0, hwo), f32(sb * sb), ub.cfg, ub.velocity, c, ub.key);
    }
    if (step) step(c, inPlane);
    else if (gx) gx.set(inPlane.subarray(0, hwi), c * hwi);
  }
}
