// The conv backward primitives (twins of src/engine/ops/conv2d.ts) and the unfused kernels built
// from them: conv_bwd_x, conv_grad_w / conv_update_w, conv_grad_b / conv_update_b. The fused
// kernels of block-backward.ts call the same primitives.
//
// Float32 order: SIMD lanes hold independent sums, each in the TypeScript order. The input-gradient
// scatter runs lanes over output positions (each gets one term per tap); the weight gradients run
// lanes over taps (depthwise) or input channels (pointwise), reading a zero-padded or transposed float
// copy of the saved input: a padded tap adds g * 0, which leaves a sum that started at +0 unchanged.
import { Update, updateInt32, updateInt8 } from './sgd';

/** A conv's geometry (ops/conv2d-forward.ts ConvGeom), written by the JavaScript side. */
@unmanaged
export class Geom {
  cin: i32;
  h: i32;
  w: i32;
  cout: i32;
  ho: i32;
  wo: i32;
  cpg: i32;
  k: i32;
  stride: i32;
  pad: i32;
  groups: i32;
}

function isDepthwise(c: Geom): bool {
  return c.groups > 1 && c.groups == c.cin && c.cout == c.cin;
}

function isPointwise(c: Geom): bool {
  return c.k == 1 && c.stride == 1 && c.pad == 0 && c.groups == 1;
}

export function zeroF32(dst: usize, n: i32): void {
  memory.fill(dst, 0, <usize>n << 2);
}

/** dst[p] += src[p] * wv over n values (independent sums: lanes over p). */
export function axpy(dst: usize, src: usize, wv: f32, n: i32): void {
  const wvv = f32x4.splat(wv);
  let p = 0;
  for (; p + 4 <= n; p += 4) {
    const d = dst + (<usize>p << 2);
    v128.store(d, f32x4.add(v128.load(d), f32x4.mul(v128.load(src + (<usize>p << 2)), wvv)));
  }
  for (; p < n; p++) {
    const d = dst + (<usize>p << 2);
    store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>p << 2)) * wv);
  }
}

/** axpy(dst + o * dstStep, src + o * srcStep, w[o * wStride], n) for o = 0 .. count-1, skipping zero weights. */
function axpyEach(dst: usize, dstStep: usize, src: usize, srcStep: usize, w: usize, wStride: i32, count: i32, n: i32): void {
  if (n <= 0) return;
  for (let o = 0; o < count; o++, dst += dstStep, src += srcStep) {
    const wi = <i32>load<i8>(w + <usize>(o * wStride));
    if (wi != 0) axpy(dst, src, <f32>wi, n);
  }
}

/**
 * dst[p] += g[o, p] * w[o * wStride] for o = 0 .. count-1 in that order, skipping zero weights, over
 * n values per plane (planes of g n apart): the pointwise input gradient of one input channel. Lanes
 * over p; 16 values of dst stay in registers while the sum runs over o.
 */
export function pointwiseGather(dst: usize, g: usize, w: usize, wStride: i32, count: i32, n: i32): void {
  const plane = <usize>n << 2;
  let p = 0;
  for (; p + 16 <= n; p += 16) {
    const d = dst + (<usize>p << 2);
    let a0 = v128.load(d), a1 = v128.load(d, 16), a2 = v128.load(d, 32), a3 = v128.load(d, 48);
    let src = g + (<usize>p << 2);
    for (let o = 0; o < count; o++, src += plane) {
      const wi = <i32>load<i8>(w + <usize>(o * wStride));
      if (wi == 0) continue;
      const wv = f32x4.splat(<f32>wi);
      a0 = f32x4.add(a0, f32x4.mul(v128.load(src), wv));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(src, 16), wv));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(src, 32), wv));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(src, 48), wv));
    }
    v128.store(d, a0);
    v128.store(d, a1, 16);
    v128.store(d, a2, 32);
    v128.store(d, a3, 48);
  }
  const at = <usize>p << 2;
  axpyEach(dst + at, 0, g + at, plane, w, wStride, count, n - p);
}

/**
 * gx[i, p] += g[p] * w[i] for i = 0 .. count-1 (planes of gx n apart), skipping zero weights: one
 * output channel's share of the pointwise input gradient. 16 values of g stay in registers.
 */
export function pointwiseScatter(gx: usize, g: usize, w: usize, count: i32, n: i32): void {
  const plane = <usize>n << 2;
  let p = 0;
  for (; p + 16 <= n; p += 16) {
    const s = g + (<usize>p << 2);
    const g0 = v128.load(s), g1 = v128.load(s, 16), g2 = v128.load(s, 32), g3 = v128.load(s, 48);
    let d = gx + (<usize>p << 2);
    for (let i = 0; i < count; i++, d += plane) {
      const wi = <i32>load<i8>(w + <usize>i);
      if (wi == 0) continue;
      const wv = f32x4.splat(<f32>wi);
      v128.store(d, f32x4.add(v128.load(d), f32x4.mul(g0, wv)));
      v128.store(d, f32x4.add(v128.load(d, 16), f32x4.mul(g1, wv)), 16);
      v128.store(d, f32x4.add(v128.load(d, 32), f32x4.mul(g2, wv)), 32);
      v128.store(d, f32x4.add(v128.load(d, 48), f32x4.mul(g3, wv)), 48);
    }
  }
  const at = <usize>p << 2;
  axpyEach(gx + at, plane, g + at, 0, w, 1, count, n - p);
}

/** plane[p] = bit (base + p) of mask ? plane[p] * s : 0. */
export function maskScale(plane: usize, mask: usize, base: i32, s: f32, n: i32): void {
  let p = 0;
  if ((base & 7) == 0) {
    // A whole mask byte per 8 values: lane l of the low (high) vector keeps its product if bit l (l + 4) is set.
    const sv = f32x4.splat(s), zero = f32x4.splat(0);
    const lo = i32x4(1, 2, 4, 8), hi = i32x4(16, 32, 64, 128);
    const bytes = mask + <usize>(base >> 3);
    for (; p + 8 <= n; p += 8) {
      const b = i32x4.splat(<i32>load<u8>(bytes + <usize>(p >> 3)));
      const at = plane + (<usize>p << 2);
      const keepLo = i32x4.ne(v128.and(b, lo), zero), keepHi = i32x4.ne(v128.and(b, hi), zero);
      v128.store(at, v128.bitselect(f32x4.mul(v128.load(at), sv), zero, keepLo));
      v128.store(at, v128.bitselect(f32x4.mul(v128.load(at, 16), sv), zero, keepHi), 16);
    }
  }
  for (; p < n; p++) {
    const i = base + p;
    const at = plane + (<usize>p << 2);
    store<f32>(at, (<i32>load<u8>(mask + <usize>(i >> 3)) >> (i & 7)) & 1 ? load<f32>(at) * s : 0);
  }
}

/** The sum of n values in order (a bias gradient: one reduction, scalar). */
export function sumF32(g: usize, n: i32): f32 {
  let acc: f32 = 0;
  for (let p = 0; p < n; p++) acc += load<f32>(g + (<usize>p << 2));
  return acc;
}

/** First output index o with o * stride - pad + t >= 0, and one past the last with it < size. */
function firstIn(t: i32, stride: i32, pad: i32): i32 {
  let o = 0;
  while (o * stride - pad + t < 0) o++;
  return o;
}

function endIn(t: i32, stride: i32, pad: i32, size: i32, outs: i32, first: i32): i32 {
  let o = outs;
  while (o > first && (o - 1) * stride - pad + t >= size) o--;
  return o;
}

/**
 * dst (one H x W plane) += conv_transpose of one output channel's gradient plane g through the k x k
 * filter at wf, in the order ky, kx, oy, ox (scatterInputGrad). Zero weights are skipped as there.
 */
export function scatterFilter(g: usize, wf: usize, c: Geom, dst: usize): void {
  const k = c.k, s = c.stride, pad = c.pad, wd = c.w, wo = c.wo;
  const zero = f32x4.splat(0);
  for (let ky = 0; ky < k; ky++) {
    const oy0 = firstIn(ky, s, pad), oy1 = endIn(ky, s, pad, c.h, c.ho, oy0);
    for (let kx = 0; kx < k; kx++) {
      const wi = <i32>load<i8>(wf + <usize>(ky * k + kx));
      if (wi == 0) continue;
      const wv = <f32>wi;
      const wvv = f32x4.splat(wv);
      const ox0 = firstIn(kx, s, pad), ox1 = endIn(kx, s, pad, wd, wo, ox0);
      const len = ox1 - ox0;
      if (len <= 0) continue;
      for (let oy = oy0; oy < oy1; oy++) {
        const src = g + (<usize>(oy * wo + ox0) << 2);
        const d = dst + (<usize>((oy * s - pad + ky) * wd + ox0 * s - pad + kx) << 2);
        if (s == 1) {
          axpy(d, src, wv, len);
        } else if (s == 2) {
          // Outputs j land on d[2j]: the products interleaved with zeros, added to two vectors of d
          // (the odd lanes add +0, which changes nothing; j + 5 <= len keeps them inside this row).
          let j = 0;
          for (; j + 5 <= len; j += 4) {
            const pr = f32x4.mul(v128.load(src + (<usize>j << 2)), wvv);
            const d0 = d + (<usize>j << 3);
            v128.store(d0, f32x4.add(v128.load(d0), v128.shuffle<f32>(pr, zero, 0, 4, 1, 4)));
            v128.store(d0, f32x4.add(v128.load(d0, 16), v128.shuffle<f32>(pr, zero, 2, 4, 3, 4)), 16);
          }
          for (; j < len; j++) {
            const at = d + (<usize>j << 3);
            store<f32>(at, load<f32>(at) + load<f32>(src + (<usize>j << 2)) * wv);
          }
        } else {
          for (let j = 0; j < len; j++) {
            const at = d + (<usize>(j * s) << 2);
            store<f32>(at, load<f32>(at) + load<f32>(src + (<usize>j << 2)) * wv);
          }
        }
      }
    }
  }
}

/** Width of a padded plane: room for 8-lane tap loads past the right edge. */
export function paddedWidth(c: Geom): i32 {
  return c.w + 2 * c.pad + 8;
}

/** Bytes of a padded plane (padPlane), with slack for the last row's vector loads. */
export function paddedBytes(c: Geom): i32 {
  return (paddedWidth(c) * (c.h + 2 * c.pad) + 8) << 2;
}

/** xp = the H x W int8 plane at x minus x_zero, as float32, inside a border of zeros (pad wide). */
export function padPlane(x: usize, xZero: i32, c: Geom, xp: usize): void {
  const pw = paddedWidth(c);
  memory.fill(xp, 0, <usize>paddedBytes(c));
  for (let iy = 0; iy < c.h; iy++) {
    const row = xp + (<usize>((iy + c.pad) * pw + c.pad) << 2);
    const src = x + <usize>(iy * c.w);
    for (let ix = 0; ix < c.w; ix++) store<f32>(row + (<usize>ix << 2), <f32>(<i32>load<i8>(src + <usize>ix) - xZero));
  }
}

/**
 * One k x k filter's gradient from a padded input plane and an output gradient plane (filterGrad):
 * out[ky, kx] = sum over (oy, ox) of g * x. Lanes: kx .. kx + 7 of one row of taps.
 */
export function filterGrad(xp: usize, g: usize, c: Geom, out: usize): void {
  const k = c.k, s = c.stride, ho = c.ho, wo = c.wo;
  const rowBytes = <usize>paddedWidth(c) << 2;
  const wide = k > 4;
  for (let ky = 0; ky < k; ky++) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
    for (let oy = 0; oy < ho; oy++) {
      const xr = xp + <usize>(oy * s + ky) * rowBytes;
      const gr = g + (<usize>(oy * wo) << 2);
      if (wide) {
        for (let ox = 0; ox < wo; ox++) {
          const gv = v128.load32_splat(gr + (<usize>ox << 2));
          const xa = xr + (<usize>(ox * s) << 2);
          a0 = f32x4.add(a0, f32x4.mul(gv, v128.load(xa)));
          a1 = f32x4.add(a1, f32x4.mul(gv, v128.load(xa, 16)));
        }
      } else {
        for (let ox = 0; ox < wo; ox++) {
          const gv = v128.load32_splat(gr + (<usize>(ox) << 2));
          a0 = f32x4.add(a0, f32x4.mul(gv, v128.load(xr + (<usize>(ox * s) << 2))));
        }
      }
    }
    const o = out + (<usize>(ky * k) << 2);
    store<f32>(o, f32x4.extract_lane(a0, 0));
    if (k > 1) store<f32>(o, f32x4.extract_lane(a0, 1), 4);
    if (k > 2) store<f32>(o, f32x4.extract_lane(a0, 2), 8);
    if (k > 3) store<f32>(o, f32x4.extract_lane(a0, 3), 12);
    if (k > 4) store<f32>(o, f32x4.extract_lane(a1, 0), 16);
    if (k > 5) store<f32>(o, f32x4.extract_lane(a1, 1), 20);
    if (k > 6) store<f32>(o, f32x4.extract_lane(a1, 2), 24);
    if (k > 7) for (let kx = 8; kx < k; kx++) store<f32>(o + (<usize>kx << 2), scalarTap(xp, g, c, ky, kx));
  }
}

/** One tap of filterGrad, for kernels wider than 8. */
function scalarTap(xp: usize, g: usize, c: Geom, ky: i32, kx: i32): f32 {
  const pw = paddedWidth(c);
  let acc: f32 = 0;
  for (let oy = 0; oy < c.ho; oy++) {
    for (let ox = 0; ox < c.wo; ox++) {
      acc += load<f32>(g + (<usize>(oy * c.wo + ox) << 2)) * load<f32>(xp + (<usize>((oy * c.stride + ky) * pw + ox * c.stride + kx) << 2));
    }
  }
  return acc;
}

/** Channels rounded up to whole vectors of 8, the row length of a transposed input. */
export function transposedWidth(n: i32): i32 {
  return (n + 7) & ~7;
}

/** xt[p, j] = x[j, p] - x_zero for the first n channels of an int8 [n, hw] input (zeros past n). */
export function transposeInput(x: usize, xZero: i32, n: i32, hw: i32, xt: usize): void {
  const n8 = transposedWidth(n);
  memory.fill(xt, 0, <usize>(hw * n8) << 2);
  for (let j = 0; j < n; j++) {
    const src = x + <usize>(j * hw);
    for (let p = 0; p < hw; p++) store<f32>(xt + (<usize>(p * n8 + j) << 2), <f32>(<i32>load<i8>(src + <usize>p) - xZero));
  }
}

/** A pointwise weight-gradient row: out[j] = sum over p of g[p] * xt[p, j], j < n; lanes over j. */
export function pointwiseGradRow(xt: usize, g: usize, n: i32, hw: i32, out: usize): void {
  const n8 = transposedWidth(n);
  const stride = <usize>n8 << 2;
  for (let j = 0; j < n; j += 8) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
    let xr = xt + (<usize>j << 2);
    for (let p = 0; p < hw; p++, xr += stride) {
      const gv = v128.load32_splat(g + (<usize>p << 2));
      a0 = f32x4.add(a0, f32x4.mul(gv, v128.load(xr)));
      a1 = f32x4.add(a1, f32x4.mul(gv, v128.load(xr, 16)));
    }
    const o = out + (<usize>j << 2);
    const m = n - j;
    store<f32>(o, f32x4.extract_lane(a0, 0));
    if (m > 1) store<f32>(o, f32x4.extract_lane(a0, 1), 4);
    if (m > 2) store<f32>(o, f32x4.extract_lane(a0, 2), 8);
    if (m > 3) store<f32>(o, f32x4.extract_lane(a0, 3), 12);
    if (m > 4) store<f32>(o, f32x4.extract_lane(a1, 0), 16);
    if (m > 5) store<f32>(o, f32x4.extract_lane(a1, 1), 20);
    if (m > 6) store<f32>(o, f32x4.extract_lane(a1, 2), 24);
    if (m > 7) store<f32>(o, f32x4.extract_lane(a1, 3), 28);
  }
}

/** gx = conv_transpose(g, W) (convBackwardInput); tmp: H x W floats of scratch. */
export function convBackwardInput(g: usize, w: usize, c: Geom, gx: usize, tmp: usize): void {
  const hw = c.h * c.w, howo = c.ho * c.wo, kk = c.k * c.k;
  if (isDepthwise(c)) {
    for (let ch = 0; ch < c.cout; ch++) {
      zeroF32(tmp, hw);
      scatterFilter(g + (<usize>(ch * howo) << 2), w + <usize>(ch * kk), c, tmp);
      memory.copy(gx + (<usize>(ch * hw) << 2), tmp, <usize>hw << 2);
    }
    return;
  }
  zeroF32(gx, c.cin * hw);
  if (isPointwise(c)) {
    // Each gx value sums over oc in order, as the TypeScript's oc-outer loops do.
    for (let ic = 0; ic < c.cpg; ic++) pointwiseGather(gx + (<usize>(ic * hw) << 2), g, w + <usize>ic, c.cpg, c.cout, hw);
    return;
  }
  const coutPerGroup = c.cout / c.groups;
  for (let oc = 0; oc < c.cout; oc++) {
    const g0 = (oc / coutPerGroup) * c.cpg;
    for (let ic = 0; ic < c.cpg; ic++) {
      scatterFilter(g + (<usize>(oc * howo) << 2), w + <usize>((oc * c.cpg + ic) * kk), c, gx + (<usize>((g0 + ic) * hw) << 2));
    }
  }
}

/** A weight gradient over whole planes (convWeightGradRow tests no groups here). */
function isPointwiseGrad(c: Geom): bool {
  return c.k == 1 && c.stride == 1 && c.pad == 0 && !isDepthwise(c);
}

/** Scratch bytes convWeightGrad needs. */
export function weightGradScratch(c: Geom, n: i32): i32 {
  return isPointwiseGrad(c) ? (c.h * c.w * transposedWidth(n)) << 2 : paddedBytes(c);
}

/**
 * The weight gradients of a conv's first n trained input channels (conv_grad_w), rows as
 * convWeightGradRow: depthwise [n, k, k], otherwise [cout, n, k, k].
 */
export function convWeightGrad(x: usize, xZero: i32, g: usize, c: Geom, n: i32, out: usize, scratch: usize): void {
  const hw = c.h * c.w, howo = c.ho * c.wo, kk = c.k * c.k;
  if (isDepthwise(c)) {
    for (let ch = 0; ch < n; ch++) {
      padPlane(x + <usize>(ch * hw), xZero, c, scratch);
      filterGrad(scratch, g + (<usize>(ch * howo) << 2), c, out + (<usize>(ch * kk) << 2));
    }
    return;
  }
  if (isPointwiseGrad(c)) {
    transposeInput(x, xZero, n, hw, scratch);
    for (let oc = 0; oc < c.cout; oc++) pointwiseGradRow(scratch, g + (<usize>(oc * hw) << 2), n, hw, out + (<usize>(oc * n) << 2));
    return;
  }
  for (let j = 0; j < n; j++) {
    padPlane(x + <usize>(j * hw), xZero, c, scratch);
    for (let oc = 0; oc < c.cout; oc++) filterGrad(scratch, g + (<usize>(oc * howo) << 2), c, out + (<usize>((oc * n + j) * kk) << 2));
  }
}

/** The int8 updates of a weight from its gradient rows (kernels.ts weightUpdate). sW: the weight scales. */
export function applyWeightUpdate(gw: usize, w: usize, sW: usize, c: Geom, n: i32, u: Update): void {
  const kk = c.k * c.k;
  const dw = isDepthwise(c);
  const rows = dw ? n : c.cout;
  const per = dw ? 1 : n;
  for (let oc = 0; oc < rows; oc++) {
    const s = load<f32>(sW + (<usize>oc << 2));
    const div = s * s;
    for (let j = 0; j < per; j++) {
      for (let e = 0; e < kk; e++) {
        const ri = (oc * per + j) * kk + e;
        updateInt8(w, (oc * c.cpg + j) * kk + e, load<f32>(gw + (<usize>ri << 2)), div, u, ri);
      }
    }
  }
}

/** gb[oc] = the sum of output channel oc's gradient plane (conv_grad_b). */
export function convBiasGrad(g: usize, cout: i32, howo: i32, gb: usize): void {
  for (let oc = 0; oc < cout; oc++) store<f32>(gb + (<usize>oc << 2), sumF32(g + (<usize>(oc * howo) << 2), howo));
}

/** The int32 updates of a bias from its gradients (kernels.ts biasUpdate). */
export function applyBiasUpdate(gb: usize, b: usize, sW: usize, xScale: f32, cout: i32, u: Update): void {
  for (let oc = 0; oc < cout; oc++) {
    const s = load<f32>(sW + (<usize>oc << 2)) * xScale;
    updateInt32(b, oc, load<f32>(gb + (<usize>oc << 2)), s * s, u, oc);
  }
}
