/**
 * The TypeScript reference of each int8 kernel, with TFLite Micro's reference-kernel semantics
 * (integer requantization from quant/tflite-int.ts; C's truncating division where TFLite divides).
 * One implementation per kernel op, indexed by op so a new op must add one. Straightforward loops:
 * the reference the fast kernels are checked against, not the fast kernels.
 */
import { clamp, requantizeInt, roundHalfAway, truncDiv } from '../quant/tflite-int.ts';
import type { KernelOf, KernelOp, TensorValues } from './types.ts';

const f32 = Math.fround;

/** Reads a kernel's operands and writes its output tensor. */
export interface KernelIO {
  get(tensor: number): TensorValues;
  set(tensor: number, values: TensorValues): void;
}

type Impl<K extends KernelOp> = (k: KernelOf<K>, io: KernelIO) => void;

const i8 = (io: KernelIO, t: number) => io.get(t) as Int8Array;
const i32OrNull = (io: KernelIO, t: number | null) => (t === null ? null : (io.get(t) as Int32Array));

function convLike(k: KernelOf<'conv2d'> | KernelOf<'depthwise_conv2d'>, io: KernelIO, depthwise: boolean): void {
  const x = i8(io, k.x), w = i8(io, k.w), bias = i32OrNull(io, k.b);
  const { inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft } = k.geo;
  const { inputOffset, multipliers, shifts, outputOffset, actMin, actMax, rounding } = k.rq;
  const y = new Int8Array(outH * outW * outC);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      for (let oc = 0; oc < outC; oc++) {
        let acc = 0;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH - padTop + ky;
          if (iy < 0 || iy >= inH) continue; // a padded tap adds nothing: padding is the input zero point
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW - padLeft + kx;
            if (ix < 0 || ix >= inW) continue;
            if (depthwise) {
              // Depth multiplier 1: output channel oc reads input channel oc; filter [1, kH, kW, C].
              acc += w[(ky * kW + kx) * outC + oc] * (x[(iy * inW + ix) * inC + oc] + inputOffset);
            } else {
              const wBase = ((oc * kH + ky) * kW + kx) * inC;
              const xBase = (iy * inW + ix) * inC;
              for (let ic = 0; ic < inC; ic++) acc += w[wBase + ic] * (x[xBase + ic] + inputOffset);
            }
          }
        }
        if (bias) acc += bias[oc];
        acc = requantizeInt(acc, multipliers[oc], shifts[oc], rounding) + outputOffset;
        y[(oy * outW + ox) * outC + oc] = clamp(acc, actMin, actMax);
      }
    }
  }
  io.set(k.y, y);
}

function pool(k: KernelOf<'avg_pool2d'> | KernelOf<'max_pool2d'>, io: KernelIO, average: boolean): void {
  const x = i8(io, k.x);
  const { inH, inW, inC, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = k.geo;
  const y = new Int8Array(outH * outW * inC);
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * strideH - padTop;
    const fy0 = Math.max(0, -y0), fy1 = Math.min(kH, inH - y0);
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * strideW - padLeft;
      const fx0 = Math.max(0, -x0), fx1 = Math.min(kW, inW - x0);
      for (let c = 0; c < inC; c++) {
        // Only the taps inside the input count (TFLite's pools ignore padding).
        let acc = average ? 0 : -128;
        let count = 0;
        for (let fy = fy0; fy < fy1; fy++) {
          for (let fx = fx0; fx < fx1; fx++) {
            const v = x[((y0 + fy) * inW + x0 + fx) * inC + c];
            if (average) acc += v;
            else if (v > acc) acc = v;
            count++;
          }
        }
        if (average) {
          if (count === 0) throw new Error('average pool window entirely in the padding');
          // Rounded division of the raw int8 sum, ties away from zero (input and output share quantization).
          acc = acc > 0 ? truncDiv(acc + (count >> 1), count) : truncDiv(acc - (count >> 1), count);
        }
        y[(oy * outW + ox) * inC + c] = clamp(acc, k.actMin, k.actMax);
      }
    }
  }
  io.set(k.y, y);
}

function mean(k: KernelOf<'mean'>, io: KernelIO): void {
  const x = i8(io, k.x);
  const shape = k.inShape;
  const reduced = new Set(k.axes);
  const outShape = shape.map((d, i) => (reduced.has(i) ? 1 : d));
  const outSize = outShape.reduce((a, b) => a * b, 1);
  let count = 1;
  for (const a of k.axes) count *= shape[a];
  // Sum over the reduced axes (of x - zp for the 'spatial' rule, of the raw values otherwise).
  const sums = new Int32Array(outSize);
  const sub = k.rule === 'spatial' ? k.inZero : 0;
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    for (let d = 0; d < shape.length; d++) o = o * outShape[d] + (reduced.has(d) ? 0 : idx[d]);
    sums[o] += x[i] - sub;
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
  const y = new Int8Array(outSize);
  const scale = f32(k.inScale / k.outScale);
  const bias = f32(-k.inZero * scale);
  for (let o = 0; o < outSize; o++) {
    let v: number;
    if (k.rule === 'spatial') {
      const s = requantizeInt(sums[o], k.multiplier, k.shift, k.rounding);
      v = (s > 0 ? truncDiv(s + (count >> 1), count) : truncDiv(s - (count >> 1), count)) + k.outZero;
    } else if (k.rule === 'truncate') {
      v = truncDiv(sums[o], count);
    } else {
      const m = f32(sums[o] / count);
      v = roundHalfAway(f32(f32(m * scale) + bias)) + k.outZero;
    }
    y[o] = clamp(v, -128, 127);
  }
  io.set(k.y, y);
}

function softmax(k: KernelOf<'softmax'>, io: KernelIO): void {
  const x = io.get(k.x);
  const rows = x.length / k.depth;
  const y = k.in === 'float32' ? new Float32Array(x.length) : new Int8Array(x.length);
  const row = new Float64Array(k.depth);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < k.depth; c++) {
      const v = k.in === 'float32' ? x[r * k.depth + c] : k.inScale * x[r * k.depth + c];
      row[c] = v * k.beta;
      if (row[c] > max) max = row[c];
    }
    let sum = 0;
    for (let c = 0; c < k.depth; c++) sum += Math.exp(row[c] - max);
    for (let c = 0; c < k.depth; c++) {
      const p = k.log ? row[c] - max - Math.log(sum) : Math.exp(row[c] - max) / sum;
      y[r * k.depth + c] = k.in === 'float32' ? p : clamp(roundHalfAway(p / k.outScale) + k.outZero, -128, 127);
    }
  }
  io.set(k.y, y);
}

export const REFERENCE_KERNELS: { [K in KernelOp]: Impl<K> } = {
  conv2d: (k, io) => convLike(k, io, false),
  depthwise_conv2d: (k, io) => convLike(k, io, true),
  fully_connected: (k, io) => {
    const x = i8(io, k.x), w = i8(io, k.w), bias = i32OrNull(io, k.b);
    const { inputOffset, multipliers, shifts, outputOffset, actMin, actMax, rounding } = k.rq;
    const batches = x.length / k.depth;
    const y = new Int8Array(batches * k.units);
    for (let n = 0; n < batches; n++) {
      for (let u = 0; u < k.units; u++) {
        let acc = 0;
        for (let d = 0; d < k.depth; d++) acc += w[u * k.depth + d] * (x[n * k.depth + d] + inputOffset);
        if (bias) acc += bias[u];
        acc = requantizeInt(acc, multipliers[u], shifts[u], rounding) + outputOffset;
        y[n * k.units + u] = clamp(acc, actMin, actMax);
      }
    }
    io.set(k.y, y);
  },
  add: (k, io) => {
    const a = i8(io, k.a), b = i8(io, k.b);
    const y = new Int8Array(k.size);
    const lift = 2 ** k.leftShift;
    for (let i = 0; i < k.size; i++) {
      const sa = requantizeInt((a[i] + k.aOffset) * lift, k.aMultiplier, k.aShift, k.rounding);
      const sb = requantizeInt((b[i] + k.bOffset) * lift, k.bMultiplier, k.bShift, k.rounding);
      y[i] = clamp(requantizeInt(sa + sb, k.outMultiplier, k.outShift, k.rounding) + k.outOffset, k.actMin, k.actMax);
    }
    io.set(k.y, y);
  },
  avg_pool2d: (k, io) => pool(k, io, true),
  max_pool2d: (k, io) => pool(k, io, false),
  mean,
  copy: (k, io) => io.set(k.y, io.get(k.x)),
  transpose: (k, io) => {
    const x = i8(io, k.x);
    const rank = k.inShape.length;
    const outShape = k.perm.map((p) => k.inShape[p]);
    const inStrides = new Array<number>(rank);
    for (let d = rank - 1, s = 1; d >= 0; d--) { inStrides[d] = s; s *= k.inShape[d]; }
    const y = new Int8Array(x.length);
    const idx = new Array<number>(rank).fill(0);
    for (let o = 0; o < y.length; o++) {
      let i = 0;
      for (let d = 0; d < rank; d++) i += idx[d] * inStrides[k.perm[d]];
      y[o] = x[i];
      for (let d = rank - 1; d >= 0 && ++idx[d] === outShape[d]; d--) idx[d] = 0;
    }
    io.set(k.y, y);
  },
  pad: (k, io) => {
    const x = i8(io, k.x);
    const rank = k.inShape.length;
    const y = new Int8Array(k.outShape.reduce((a, b) => a * b, 1)).fill(k.value);
    const outStrides = new Array<number>(rank);
    for (let d = rank - 1, s = 1; d >= 0; d--) { outStrides[d] = s; s *= k.outShape[d]; }
    const idx = new Array<number>(rank).fill(0);
    for (let i = 0; i < x.length; i++) {
      let o = 0;
      for (let d = 0; d < rank; d++) o += (idx[d] + k.before[d]) * outStrides[d];
      y[o] = x[i];
      for (let d = rank - 1; d >= 0 && ++idx[d] === k.inShape[d]; d--) idx[d] = 0;
    }
    io.set(k.y, y);
  },
  concat: (k, io) => {
    const total = k.sizes.reduce((a, b) => a + b, 0);
    const y = new Int8Array(k.outer * total * k.inner);
    let at = 0;
    k.xs.forEach((t, j) => {
      const x = i8(io, t);
      const n = k.sizes[j] * k.inner;
      for (let o = 0; o < k.outer; o++) y.set(x.subarray(o * n, (o + 1) * n), o * total * k.inner + at);
      at += n;
    });
    io.set(k.y, y);
  },
  softmax,
  quantize: (k, io) => {
    const x = io.get(k.x) as Float32Array;
    const y = new Int8Array(x.length);
    for (let i = 0; i < x.length; i++) y[i] = clamp(roundHalfAway(f32(x[i] / k.scale)) + k.zero, -128, 127);
    io.set(k.y, y);
  },
  requantize: (k, io) => {
    const x = i8(io, k.x);
    const y = new Int8Array(x.length);
    for (let i = 0; i < x.length; i++) y[i] = clamp(requantizeInt(x[i] - k.inZero, k.multiplier, k.shift, k.rounding) + k.outZero, -128, 127);
    io.set(k.y, y);
  },
  dequantize: (k, io) => {
    const x = i8(io, k.x);
    const y = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) y[i] = f32(k.scale * (x[i] - k.zero));
    io.set(k.y, y);
  },
};
