/**
 * The channel-streamed backward kernels of schedule/fuse-backward.ts (dw_pw_bwd) and
 * schedule/fuse-block-backward.ts (block_bwd). Per channel of a block's expanded width they do what
 * the unfused mask, channel_scale, conv_bwd_x, conv_update_w and conv_update_b kernels do, with every
 * float sum in the same order, so the results are identical.
 */
import type { Node } from '../ir/graph.ts';
import {
  convBiasGrad, convEffectiveScales, convGeom, convWeightGradRow, dwBackwardChannel, dwBackwardPlane, dwWeightGradPlane,
} from '../ops/conv2d.ts';
import { updateInt32, updateInt8 } from '../ops/sgd.ts';
import type { Kernel } from '../program/types.ts';
import type { ExecEnv } from './kernels.ts';

const f32 = Math.fround;
const bit = (mask: Uint8Array, i: number) => (mask[i >> 3] >> (i & 7)) & 1;
const optional = <T>(env: ExecEnv, name: unknown) => (name ? (env.param(name as string) as T) : undefined);

/**
 * pw1's whole backward for one output channel c, given that channel's raw gradient in `g`
 * (overwritten by g'): mask, scale, the input-gradient accumulation (old weights), then the weight
 * row and bias updates. Returns the per-channel step and the accumulator to zero first.
 */
function pw1Stream(k: Kernel, env: ExecEnv, pw: Node<'conv2d'>, params: string[], mask: Uint8Array, saved: Int8Array | null, gx: Float32Array | null, row: Float32Array) {
  const pg = convGeom(pw, env.graph);
  const [wP, bP, sP] = params.map((p) => env.param(p)) as [Int8Array, Int32Array, Float32Array];
  const eff = convEffectiveScales(pw, env.graph, sP);
  const velW = optional<Float32Array>(env, k.attrs.weightMomentum), velB = optional<Float32Array>(env, k.attrs.biasMomentum);
  const n = k.attrs.channels as number;
  const sx = f32(k.attrs.xScale as number);
  const hw = pg.ho * pg.wo;
  const keyW = env.roundKey?.(params[0]), keyB = env.roundKey?.(params[1]);
  if (gx) gx.fill(0);
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
      convWeightGradRow(saved, k.attrs.xZero as number, g, pg, 0, n, row);
      const div = f32(sP[c] * sP[c]);
      for (let j = 0; j < n; j++) updateInt8(wP, c * pg.cpg + j, row[j], div, env.hyper.weight, velW, c * n + j, keyW);
    }
    if (k.attrs.bias) {
      const sb = f32(sP[c] * sx);
      updateInt32(bP, c, convBiasGrad(g, 0, hw), f32(sb * sb), env.hyper.bias, velB, c, keyB);
    }
  };
}

/** dw_pw_bwd: the depthwise input gradient streamed into its pw1's backward. */
export function expansionBackward(k: Kernel, env: ExecEnv, pw: Node<'conv2d'>): void {
  const g = env.graph;
  const dw = g.nodes.find((n) => n.name === k.attrs.dw) as Node<'conv2d'>;
  const dg = convGeom(dw, g), pg = convGeom(pw, g);
  const n = k.attrs.channels as number;
  const scratch = env.buf(k.outputs[k.outputs.length - 1]) as Float32Array;
  const hw = pg.ho * pg.wo;
  const tmp = scratch.subarray(0, hw);
  const step = pw1Stream(k, env, pw, k.params.slice(1, 4), env.buf(k.inputs[1]) as Uint8Array,
    n > 0 ? (env.buf(k.inputs[2]) as Int8Array) : null, k.attrs.inputGrad ? (env.buf(k.outputs[0]) as Float32Array) : null,
    scratch.subarray(hw, hw + n));
  const gD = env.buf(k.inputs[0]) as Float32Array;
  const wD = env.param(k.params[0]) as Int8Array;
  for (let c = 0; c < pg.cout; c++) {
    dwBackwardChannel(gD, wD, dg, c, tmp);
    step(c, tmp);
  }
}

/** block_bwd: pw2's input gradient, the depthwise conv's whole backward and pw1's, channel by channel. */
export function blockBackward(k: Kernel, env: ExecEnv, dw: Node<'conv2d'>): void {
  const g = env.graph;
  const find = (name: unknown) => g.nodes.find((n) => n.name === name) as Node<'conv2d'>;
  const pw2 = find(k.attrs.pw2);
  const dg = convGeom(dw, g), g2 = convGeom(pw2, g);
  const scratch = env.buf(k.outputs[k.outputs.length - 1]) as Float32Array;
  const hwo = dg.ho * dg.wo, hwi = dg.h * dg.w;
  const outPlane = scratch.subarray(0, hwo), inPlane = scratch.subarray(hwo, hwo + hwi);
  const row = scratch.subarray(hwo + hwi);
  const g2buf = env.buf(k.inputs[0]) as Float32Array;
  const dMask = env.buf(k.attrs.dwMask as string) as Uint8Array;
  const dSaved = k.attrs.dwSaved ? (env.buf(k.attrs.dwSaved as string) as Int8Array) : null;
  const [w2, wD, bD, sD] = k.params.slice(0, 4).map((p) => env.param(p)) as [Int8Array, Int8Array, Int32Array, Float32Array];
  const effD = convEffectiveScales(dw, g, sD);
  const velW = optional<Float32Array>(env, k.attrs.dwWeightMomentum), velB = optional<Float32Array>(env, k.attrs.dwBiasMomentum);
  const nD = k.attrs.dwChannels as number;
  const sxD = f32(k.attrs.dwXScale as number);
  const kk = dg.k * dg.k;
  const keyW = env.roundKey?.(k.params[1]), keyB = env.roundKey?.(k.params[2]);
  const pw1 = k.attrs.pw1 ? find(k.attrs.pw1) : null;
  const gx = k.outputs.length > 1 ? (env.buf(k.outputs[0]) as Float32Array) : null;
  const pwParams = pw1 ? [pw1.inputs[1], pw1.inputs[2], pw1.inputs[3]] : [];
  const step = pw1 ? pw1Stream(k, env, pw1, pwParams, env.buf(k.attrs.pwMask as string) as Uint8Array,
    k.attrs.pwSaved ? (env.buf(k.attrs.pwSaved as string) as Int8Array) : null, gx, row) : null;
  for (let c = 0; c < dg.cout; c++) {
    // pw2's input gradient for channel c: the sum over pw2's outputs, in the unfused kernel's order.
    outPlane.fill(0);
    for (let oc = 0; oc < g2.cout; oc++) {
      const wv = w2[oc * g2.cpg + c];
      if (wv === 0) continue;
      for (let p = 0, i = oc * hwo; p < hwo; p++, i++) outPlane[p] = f32(outPlane[p] + f32(g2buf[i] * wv));
    }
    const s = effD[c];
    for (let p = 0, i = c * hwo; p < hwo; p++, i++) outPlane[p] = bit(dMask, i) ? f32(outPlane[p] * s) : 0;
    if (k.attrs.dwInputGrad) dwBackwardPlane(outPlane, wD, dg, c, inPlane);
    if (dSaved && c < nD) {
      dwWeightGradPlane(dSaved, k.attrs.dwXZero as number, outPlane, dg, c, row);
      const div = f32(sD[c] * sD[c]);
      for (let e = 0; e < kk; e++) updateInt8(wD, c * kk + e, row[e], div, env.hyper.weight, velW, c * kk + e, keyW);
    }
    if (k.attrs.dwBias) {
      const sb = f32(sD[c] * sxD);
      updateInt32(bD, c, convBiasGrad(outPlane, 0, hwo), f32(sb * sb), env.hyper.bias, velB, c, keyB);
    }
    if (step) step(c, inPlane);
    else if (gx) gx.set(inPlane.subarray(0, hwi), c * hwi);
  }
}
