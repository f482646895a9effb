/**
 * The int8 forward kernels of conv2d (semantics in conv2d.ts), shared by both executors and the fused
 * row-by-row stage. Three shapes get their own loops, because they are where the time goes:
 * pointwise (a whole plane per input channel, sequential reads), depthwise (one channel plane at a
 * time, which also lets it write over its own input) and anything else (row by row, taps clipped to
 * the image instead of tested one by one). Integer accumulation is exact, so every path gives the
 * same values as the plain definition; the requantization is the one of quant/arith.ts, or, for a
 * model in TFLite's arithmetic (Graph.requant 'tflite'), quant/tflite-int.ts's integer one with the
 * conv's multipliers (`rq`).
 */
import type { TypedArray } from '../ir/tensor.ts';
import { requantizeUnclamped } from '../quant/arith.ts';
import { multiplyByQuantizedMultiplierSingle, type ConvMultipliers } from '../quant/tflite-int.ts';
import { setMaskBit } from './grad-kernels.ts';

const f32 = Math.fround;

/** Everything a conv kernel needs to know about shapes. */
export interface ConvGeom {
  cin: number; h: number; w: number;
  cout: number; ho: number; wo: number;
  /** Input channels per group (1 for depthwise). */
  cpg: number;
  /** Kernel rows and columns (kh x kw, which may differ: a keyword-spotting stem's 10 x 4). */
  kh: number; kw: number;
  stride: number;
  /** Padding of the rows (top and bottom) and of the columns (left and right); padding that differs before and after is an explicit pad op. */
  ph: number; pw: number;
  groups: number;
}

export const isDepthwise = (c: ConvGeom) => c.groups > 1 && c.groups === c.cin && c.cout === c.cin;
export const isPointwise = (c: ConvGeom) => c.kh === 1 && c.kw === 1 && c.stride === 1 && c.ph === 0 && c.pw === 0 && c.groups === 1;
/** Weights per filter (kh x kw). */
export const taps = (c: ConvGeom) => c.kh * c.kw;
/** A square window padded alike both ways: the shape the fast paths (C's DSP, Helium and wasm SIMD loops) are written for. */
export const isSquare = (c: ConvGeom) => c.kh === c.kw && c.ph === c.pw;

/** Where the rows of a tensor live: a whole C x H x W tensor, or a ring of `rows` rows per channel. */
export interface RowSource {
  data: Int8Array;
  /** Elements from one channel to the next. */
  channelStride: number;
  /** Offset of row `y` within a channel. */
  rowOffset(y: number): number;
}

export function wholeRows(data: Int8Array, h: number, w: number): RowSource {
  return { data, channelStride: h * w, rowOffset: (y) => y * w };
}

export function ringRows(data: Int8Array, rows: number, w: number): RowSource {
  return { data, channelStride: rows * w, rowOffset: (y) => (y % rows) * w };
}

// Workspaces reused across calls (kernels run one at a time in a thread).
let ws16 = new Int16Array(0);
let wsRow = new Int32Array(0);
// Float64: a depthwise accumulator stays exact for the integer requantization (float mode rounds it to float32 anyway).
let wsPlane = new Float64Array(0);
const i16 = (n: number) => (ws16.length < n ? (ws16 = new Int16Array(n)) : ws16);
const rowOffs = (n: number) => (wsRow.length < n ? (wsRow = new Int32Array(n)) : wsRow);
const plane = (n: number) => (wsPlane.length < n ? (wsPlane = new Float64Array(n)) : wsPlane);

/** Requantize output channel oc's accumulator, record the clamp mask bit, clamp and store one output value. */
function emit(y: TypedArray, i: number, acc: number, eff: Float32Array, rq: ConvMultipliers | undefined, oc: number, zero: number,
  round: boolean, mask: Uint8Array | undefined, mi: number): void {
  const v = !round ? f32(f32(acc) * eff[oc]) + zero
    : rq ? multiplyByQuantizedMultiplierSingle(acc, rq.multipliers[oc], rq.shifts[oc]) + zero : requantizeUnclamped(acc, eff[oc], zero);
  if (mask) setMaskBit(mask, mi, v >= -128 && v <= 127);
  y[i] = v < -128 ? -128 : v > 127 ? 127 : v;
}

/**
 * The whole int8 convolution. `mask` (optional) receives the clamp mask the backward pass needs;
 * `round = false` is float mode (the same function without rounding, for gradient checks). A
 * depthwise conv may run in place (y over x): each channel goes through a workspace first. The
 * reference: the fast kernels (wasm/kernel-table.ts) are held to it. `rq`: TFLite's integer
 * requantization instead of the float one (int8 mode only).
 */
export function convInt8(
  x: Int8Array, xZero: number, w: Int8Array, bias: Int32Array, eff: Float32Array,
  y: TypedArray, yZero: number, c: ConvGeom, mask?: Uint8Array, round = true, rq?: ConvMultipliers,
): void {
  // Float mode holds fractional activations: only the plain-number path keeps them (and never runs in place).
  if (round && isDepthwise(c)) {
    const howo = c.ho * c.wo;
    const tmp = plane(howo);
    for (let ch = 0; ch < c.cout; ch++) {
      depthwisePlane(x, ch * c.h * c.w, xZero, w, bias[ch], eff[ch], yZero, c, ch, tmp);
      for (let p = 0, i = ch * howo; p < howo; p++, i++) emit(y, i, tmp[p], eff, rq, ch, yZero, round, mask, i);
    }
    return;
  }
  if (round && isPointwise(c)) {
    pointwisePlanes(x, xZero, w, bias, eff, rq, y, yZero, c, mask, round);
    return;
  }
  const src = wholeRows(x, c.h, c.w);
  for (let oy = 0; oy < c.ho; oy++) genericRow(src, xZero, w, bias, eff, rq, y, yZero, c, oy, oy * c.wo, c.ho * c.wo, mask, round);
}

/** One output row of a conv (all channels), reading rows from `x` and writing rows of `y`. */
export function convRowInt8(x: RowSource, xZero: number, w: Int8Array, bias: Int32Array, eff: Float32Array,
  y: RowSource, yZero: number, c: ConvGeom, oy: number, rq?: ConvMultipliers): void {
  const out = y.data, at = y.rowOffset(oy), cs = y.channelStride;
  if (isPointwise(c)) pointwiseRow(x, xZero, w, bias, eff, rq, out, at, cs, yZero, c, oy);
  else if (isDepthwise(c)) depthwiseRow(x, xZero, w, bias, eff, rq, out, at, cs, yZero, c, oy);
  else genericRow(x, xZero, w, bias, eff, rq, out, yZero, c, oy, at, cs, undefined, true);
}

function pointwisePlanes(x: Int8Array, xZero: number, w: Int8Array, bias: Int32Array, eff: Float32Array, rq: ConvMultipliers | undefined,
  y: TypedArray, yZero: number, c: ConvGeom, mask: Uint8Array | undefined, round: boolean): void {
  const hw = c.h * c.w;
  for (let p0 = 0; p0 < hw; p0 += SPAN) pointwiseSpan(x, p0, hw, Math.min(SPAN, hw - p0), xZero, w, bias, eff, rq, y, p0, hw, yZero, c, mask, round);
}

function pointwiseRow(x: RowSource, xZero: number, w: Int8Array, bias: Int32Array, eff: Float32Array, rq: ConvMultipliers | undefined,
  out: Int8Array, at: number, cs: number, yZero: number, c: ConvGeom, oy: number): void {
  const xr = x.rowOffset(oy);
  for (let o0 = 0; o0 < c.wo; o0 += SPAN) {
    pointwiseSpan(x.data, xr + o0, x.channelStride, Math.min(SPAN, c.wo - o0), xZero, w, bias, eff, rq, out, at + o0, cs, yZero, c, undefined, true);
  }
}

/** Positions per pointwise span: its input (SPAN x C_in int16) stays in cache while every output channel reads it. */
const SPAN = 32;

/**
 * A pointwise conv at n consecutive positions of each channel plane (x[xBase + ic * xStride + p],
 * y[yBase + oc * yStride + p]; the mask bit has the index of y). The span's x - x_zero is copied
 * position-major, so each output is a dot product over contiguous input channels, four output
 * channels at a time in local sums. Integer sums are exact (| 0 keeps the Int32Array's wrap-around),
 * so the order of the additions does not change any value.
 */
function pointwiseSpan(x: Int8Array, xBase: number, xStride: number, n: number, xZero: number, w: Int8Array, bias: Int32Array, eff: Float32Array,
  rq: ConvMultipliers | undefined, y: TypedArray, yBase: number, yStride: number, yZero: number, c: ConvGeom, mask: Uint8Array | undefined, round: boolean): void {
  const cin = c.cpg, cout = c.cout;
  const xt = i16(n * cin);
  for (let ic = 0; ic < cin; ic++) {
    for (let p = 0, xi = xBase + ic * xStride; p < n; p++, xi++) xt[p * cin + ic] = x[xi] - xZero;
  }
  for (let oc = 0; oc < cout; oc += 4) {
    const m = Math.min(4, cout - oc);
    // Missing channels of the last block repeat the first one's row; their sums are dropped.
    const r0 = oc * cin, r1 = m > 1 ? r0 + cin : r0, r2 = m > 2 ? r0 + 2 * cin : r0, r3 = m > 3 ? r0 + 3 * cin : r0;
    const b0 = bias[oc], b1 = bias[oc + (m > 1 ? 1 : 0)], b2 = bias[oc + (m > 2 ? 2 : 0)], b3 = bias[oc + (m > 3 ? 3 : 0)];
    for (let p = 0; p < n; p++) {
      let s0 = b0, s1 = b1, s2 = b2, s3 = b3;
      for (let ic = 0, xi = p * cin; ic < cin; ic++, xi++) {
        const v = xt[xi];
        s0 += v * w[r0 + ic];
        s1 += v * w[r1 + ic];
        s2 += v * w[r2 + ic];
        s3 += v * w[r3 + ic];
      }
      const i = yBase + oc * yStride + p;
      emit(y, i, s0 | 0, eff, rq, oc, yZero, round, mask, i);
      if (m > 1) emit(y, i + yStride, s1 | 0, eff, rq, oc + 1, yZero, round, mask, i + yStride);
      if (m > 2) emit(y, i + 2 * yStride, s2 | 0, eff, rq, oc + 2, yZero, round, mask, i + 2 * yStride);
      if (m > 3) emit(y, i + 3 * yStride, s3 | 0, eff, rq, oc + 3, yZero, round, mask, i + 3 * yStride);
    }
  }
}

/** A depthwise channel's accumulators (bias included) for the whole output plane, into out. */
function depthwisePlane(x: Int8Array, xBase: number, xZero: number, w: Int8Array, b: number, _scale: number, _yZero: number,
  c: ConvGeom, ch: number, out: Float64Array): void {
  const { h, w: wd, ho, wo, kh, kw, stride, ph, pw } = c;
  const wBase = ch * kh * kw;
  for (let oy = 0; oy < ho; oy++) {
    const iy0 = oy * stride - ph;
    const kyLo = Math.max(0, -iy0), kyHi = Math.min(kh, h - iy0);
    for (let ox = 0; ox < wo; ox++) {
      const ix0 = ox * stride - pw;
      const kxLo = Math.max(0, -ix0), kxHi = Math.min(kw, wd - ix0);
      let acc = b;
      for (let ky = kyLo; ky < kyHi; ky++) {
        const xr = xBase + (iy0 + ky) * wd + ix0, wr = wBase + ky * kw;
        for (let kx = kxLo; kx < kxHi; kx++) acc += (x[xr + kx] - xZero) * w[wr + kx];
      }
      out[oy * wo + ox] = acc;
    }
  }
}

function depthwiseRow(x: RowSource, xZero: number, w: Int8Array, bias: Int32Array, eff: Float32Array, rq: ConvMultipliers | undefined,
  out: Int8Array, at: number, cs: number, yZero: number, c: ConvGeom, oy: number): void {
  const { h, w: wd, wo, kh, kw, stride, ph, pw } = c;
  const iy0 = oy * stride - ph;
  const kyLo = Math.max(0, -iy0), kyHi = Math.min(kh, h - iy0);
  const offs = rowOffs(kh);
  for (let ky = kyLo; ky < kyHi; ky++) offs[ky] = x.rowOffset(iy0 + ky);
  const data = x.data;
  for (let ch = 0; ch < c.cout; ch++) {
    const xBase = ch * x.channelStride, wBase = ch * kh * kw;
    for (let ox = 0; ox < wo; ox++) {
      const ix0 = ox * stride - pw;
      const kxLo = Math.max(0, -ix0), kxHi = Math.min(kw, wd - ix0);
      let acc = bias[ch];
      for (let ky = kyLo; ky < kyHi; ky++) {
        const xr = xBase + offs[ky] + ix0, wr = wBase + ky * kw;
        for (let kx = kxLo; kx < kxHi; kx++) acc += (data[xr + kx] - xZero) * w[wr + kx];
      }
      emit(out, ch * cs + at + ox, acc, eff, rq, ch, yZero, true, undefined, 0);
    }
  }
}

/** Any conv, one output row: taps outside the image are clipped once per row and column. */
function genericRow(x: RowSource, xZero: number, w: Int8Array, bias: Int32Array, eff: Float32Array, rq: ConvMultipliers | undefined,
  out: TypedArray, yZero: number, c: ConvGeom, oy: number, at: number, cs: number, mask: Uint8Array | undefined, round: boolean): void {
  const { h, w: wd, cout, wo, cpg, kh, kw, stride, ph, pw } = c;
  const coutPerGroup = cout / c.groups;
  const iy0 = oy * stride - ph;
  const kyLo = Math.max(0, -iy0), kyHi = Math.min(kh, h - iy0);
  const offs = rowOffs(kh);
  for (let ky = kyLo; ky < kyHi; ky++) offs[ky] = x.rowOffset(iy0 + ky);
  const data = x.data;
  for (let oc = 0; oc < cout; oc++) {
    const g0 = Math.floor(oc / coutPerGroup) * cpg;
    for (let ox = 0; ox < wo; ox++) {
      const ix0 = ox * stride - pw;
      const kxLo = Math.max(0, -ix0), kxHi = Math.min(kw, wd - ix0);
      let acc = bias[oc];
      for (let ic = 0; ic < cpg; ic++) {
        const xBase = (g0 + ic) * x.channelStride + ix0, wBase = (oc * cpg + ic) * kh * kw;
        for (let ky = kyLo; ky < kyHi; ky++) {
          const xr = xBase + offs[ky], wr = wBase + ky * kw;
          for (let kx = kxLo; kx < kxHi; kx++) acc += (data[xr + kx] - xZero) * w[wr + kx];
        }
      }
      const i = oc * cs + at + ox;
      emit(out, i, acc, eff, rq, oc, yZero, round, mask, i);
    }
  }
}
