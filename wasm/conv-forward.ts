// The int8 conv forward (twin of src/engine/ops/conv2d-forward.ts, round mode): one output row of
// any conv, or a whole tensor, described by a stage record (see src/engine/wasm/conv-forward.ts,
// which fills it). Integer sums are exact in any order; the requantization is op for op the one of
// quant/arith.ts: f32(acc) * eff in float32, round half to even, + zero, clamp to int8.

import { depthwiseLanes } from './depthwise-lanes';
import { emit8, requant } from './int8';
import { BIAS, CIN, COUT, CPG, DST, DST_CS, DST_ROWS, EFF, get, GROUPS, H, HO, K, MASK, PACKED, PAD, SRC, SRC_CS, SRC_ROWS, STRIDE, W, WEIGHT, WO, XZERO, YZERO } from './stage';

/** Grows the memory so that [0, end) exists (the JavaScript side only reserves the operands). */
export function reserve(end: usize): void {
  const have = <usize>memory.size() << 16;
  if (end > have) memory.grow(<i32>((end - have + 0xffff) >> 16));
}

// ---- Pointwise: channel pairs interleaved, i32x4.dot_i16x8_s gives 4 positions per vector. ----

/** Pairs of input channels (the last padded with a zero channel). */
function pairs(cin: i32): i32 {
  return (cin + 1) >> 1;
}

/** Output channels rounded up to the block of 4 (the extra rows are zero weights, their sums dropped). */
function coutBlocks(cout: i32): i32 {
  return (cout + 3) & ~3;
}

/**
 * Packs a pointwise weight [cout][cin] as int16 pairs: word (oc, p) = w[oc][2p] | w[oc][2p + 1] << 16,
 * zero past cin and past cout. Returns the bytes used.
 */
function packPointwise(rec: usize, out: usize): usize {
  const cin = get(rec, CIN), cout = get(rec, COUT), np = pairs(cin), cb = coutBlocks(cout);
  const w = <usize>get(rec, WEIGHT);
  for (let oc = 0; oc < cb; oc++) {
    for (let p = 0; p < np; p++) {
      let word = 0;
      if (oc < cout) {
        const r = w + <usize>(oc * cin);
        const lo = <i32>load<i8>(r + (p << 1));
        const hi = 2 * p + 1 < cin ? <i32>load<i8>(r + (p << 1) + 1) : 0;
        word = (lo & 0xffff) | (hi << 16);
      }
      store<i32>(out + (<usize>(oc * np + p) << 2), word);
    }
  }
  return <usize>(cb * np) << 2;
}

/** Positions per pointwise span: its interleaved input (SPAN x pairs x 4 bytes) stays in cache while every output channel reads it. */
const SPAN = 64;

/**
 * A pointwise conv at n positions: input x[xBase + ic * xStride + p], output y[yBase + oc * yStride + p],
 * mask bit index maskBase + oc * yStride + p. `work` holds SPAN * pairs * 4 bytes.
 */
function pointwise(rec: usize, xBase: usize, xStride: i32, n: i32, yBase: usize, yStride: i32, maskBase: i32, work: usize): void {
  const cin = get(rec, CIN), cout = get(rec, COUT), np = pairs(cin);
  const xz = i16x8.splat(<i16>get(rec, XZERO));
  const zero = f32x4.splat(<f32>get(rec, YZERO));
  const packed = <usize>get(rec, PACKED), bias = <usize>get(rec, BIAS), eff = <usize>get(rec, EFF);
  const mask = <usize>get(rec, MASK);
  for (let p0 = 0; p0 < n; p0 += SPAN) {
    const ns = min(SPAN, n - p0);
    // x - x_zero of channels 2q, 2q + 1 interleaved: pair q's row holds (c0, c1) for position p at word p.
    // Positions past n (up to the block of 8) read whatever follows; their sums are dropped.
    for (let q = 0; q < np; q++) {
      const c0 = xBase + <usize>(2 * q * xStride + p0);
      const hasC1 = 2 * q + 1 < cin;
      const row = work + (<usize>(q * SPAN) << 2);
      for (let p = 0; p < ns; p += 8) {
        const a = i16x8.sub(v128.load8x8_s(c0 + p), xz);
        const b = hasC1 ? i16x8.sub(v128.load8x8_s(c0 + xStride + p), xz) : i16x8.splat(0);
        v128.store(row + (<usize>p << 2), i16x8.shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11));
        v128.store(row + (<usize>p << 2) + 16, i16x8.shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15));
      }
    }
    for (let oc = 0; oc < cout; oc += 4) {
      const w0 = packed + (<usize>(oc * np) << 2);
      const w1 = w0 + (<usize>np << 2), w2 = w1 + (<usize>np << 2), w3 = w2 + (<usize>np << 2);
      // The sums start at the bias (a block's missing channels read what follows it: dropped).
      const ba = v128.load32_splat(bias + (<usize>oc << 2)), bb = v128.load32_splat(bias + (<usize>oc << 2) + 4);
      const bc = v128.load32_splat(bias + (<usize>oc << 2) + 8), bd = v128.load32_splat(bias + (<usize>oc << 2) + 12);
      for (let p = 0; p < ns; p += 8) {
        let a0 = ba, a1 = ba, b0 = bb, b1 = bb, c0 = bc, c1 = bc, d0 = bd, d1 = bd;
        let xr = work + (<usize>p << 2);
        for (let q = 0; q < np; q++) {
          const x0 = v128.load(xr), x1 = v128.load(xr, 16);
          const q4 = <usize>q << 2;
          const v0 = v128.load32_splat(w0 + q4);
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(x0, v0));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(x1, v0));
          const v1 = v128.load32_splat(w1 + q4);
          b0 = i32x4.add(b0, i32x4.dot_i16x8_s(x0, v1));
          b1 = i32x4.add(b1, i32x4.dot_i16x8_s(x1, v1));
          const v2 = v128.load32_splat(w2 + q4);
          c0 = i32x4.add(c0, i32x4.dot_i16x8_s(x0, v2));
          c1 = i32x4.add(c1, i32x4.dot_i16x8_s(x1, v2));
          const v3 = v128.load32_splat(w3 + q4);
          d0 = i32x4.add(d0, i32x4.dot_i16x8_s(x0, v3));
          d1 = i32x4.add(d1, i32x4.dot_i16x8_s(x1, v3));
          xr += SPAN << 2;
        }
        const m = ns - p;
        const at = p0 + p;
        emitPair(a0, a1, oc, eff, zero, yBase, yStride, at, m, mask, maskBase);
        if (oc + 1 < cout) emitPair(b0, b1, oc + 1, eff, zero, yBase, yStride, at, m, mask, maskBase);
        if (oc + 2 < cout) emitPair(c0, c1, oc + 2, eff, zero, yBase, yStride, at, m, mask, maskBase);
        if (oc + 3 < cout) emitPair(d0, d1, oc + 3, eff, zero, yBase, yStride, at, m, mask, maskBase);
      }
    }
  }
}

/** Requantizes and stores 8 positions (of which m < 8 may be real) of output channel oc. */
function emitPair(lo: v128, hi: v128, oc: i32, eff: usize, zero: v128,
  yBase: usize, yStride: i32, at: i32, m: i32, mask: usize, maskBase: i32): void {
  const e = v128.load32_splat(eff + (<usize>oc << 2));
  const y = yBase + <usize>(oc * yStride + at);
  const mi = maskBase + oc * yStride + at;
  emit8(requant(lo, e, zero), requant(hi, e, zero), y, min(8, m), mask, mi);
}

// ---- Spatial convs (depthwise, grouped, standard): vectorized across 8 output positions. ----

/** int16 elements per phase row: the 8-wide loads of the last block and any column of the input fit. */
function phaseLen(rec: usize): i32 {
  const wo = get(rec, WO), k = get(rec, K), s = get(rec, STRIDE), pad = get(rec, PAD), w = get(rec, W);
  const need = max(((wo + 7) & ~7) + (k - 1) / s + 1, (w + pad + s - 1) / s + 1);
  return (need + 7) & ~7;
}

/**
 * Input row `row` (int8, w values) as s phase rows of int16 x - x_zero with the padding as zeros:
 * phase r, element j = padded column s * j + r. A tap kx of output ox then reads phase kx % s at
 * ox + kx / s, so 8 outputs read 8 consecutive elements. Zero taps are exact: they add nothing.
 */
function buildPhases(row: usize, w: i32, pad: i32, s: i32, xz: i32, out: usize, len: i32): void {
  // A store loop, not memory.fill: the rows are short and the engine's fill is a call.
  const end = out + (<usize>(s * len) << 1);
  for (let p = out; p < end; p += 16) v128.store(p, i32x4.splat(0));
  const xzv = i16x8.splat(<i16>xz);
  let ix = 0;
  if (s == 1) {
    for (; ix + 8 <= w; ix += 8) v128.store(out + (<usize>(ix + pad) << 1), i16x8.sub(v128.load8x8_s(row + ix), xzv));
  } else if (s == 2) {
    // Even columns go to phase pad & 1, odd ones to the other; column 2m lands at m + (pad >> 1), 2m + 1 at m + ((pad + 1) >> 1).
    const even = out + (<usize>((pad & 1) * len + (pad >> 1)) << 1);
    const odd = out + (<usize>(((pad + 1) & 1) * len + ((pad + 1) >> 1)) << 1);
    for (; ix + 16 <= w; ix += 16) {
      const v = v128.load(row + ix);
      const e = i8x16.shuffle(v, v, 0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14);
      const o = i8x16.shuffle(v, v, 1, 3, 5, 7, 9, 11, 13, 15, 1, 3, 5, 7, 9, 11, 13, 15);
      v128.store(even + (<usize>(ix >> 1) << 1), i16x8.sub(i16x8.extend_low_i8x16_s(e), xzv));
      v128.store(odd + (<usize>(ix >> 1) << 1), i16x8.sub(i16x8.extend_low_i8x16_s(o), xzv));
    }
  }
  // The rest one by one (no division for strides 1 and 2: it would cost more than the copy).
  for (; ix < w; ix++) {
    const c = ix + pad;
    const at = s == 1 ? c : s == 2 ? (c & 1) * len + (c >> 1) : (c % s) * len + c / s;
    store<i16>(out + (<usize>at << 1), <i16>(<i32>load<i8>(row + ix) - xz));
  }
}

/** The taps of output channel oc splatted into `taps`: tap (ic, ky, kx) at index (ic * k + ky) * k + kx. */
function splatTaps(rec: usize, oc: i32, taps: usize): void {
  const n = get(rec, CPG) * get(rec, K) * get(rec, K);
  const wr = <usize>get(rec, WEIGHT) + <usize>(oc * n);
  for (let t = 0; t < n; t++) v128.store(taps + (<usize>t << 4), i16x8.splat(<i16>load<i8>(wr + t)));
}

/** Where oc's splatted taps are: prepared by convPrepare, or splatted now into `scratch`. */
function tapsOf(rec: usize, oc: i32, scratch: usize): usize {
  const packed = <usize>get(rec, PACKED);
  if (packed) return packed + (<usize>(oc * get(rec, CPG) * get(rec, K) * get(rec, K)) << 4);
  splatTaps(rec, oc, scratch);
  return scratch;
}

/** Bytes of every output channel's splatted taps; above SPLAT_LIMIT each channel splats its own as it runs. */
function splatBytes(rec: usize): usize {
  return <usize>(get(rec, COUT) * get(rec, CPG) * get(rec, K) * get(rec, K)) << 4;
}
const SPLAT_LIMIT: usize = 1 << 20;

/**
 * Output row oy of channel oc from phase rows: the rows of input channel ic and row iy0 + ky start at
 * rows0 + ic * icStride + ky * rowBytes (iy0 = oy * stride - pad). Each 8 outputs sum their taps with
 * i32x4.extmul of int16.
 */
function spatialOut(rec: usize, oc: i32, oy: i32, taps: usize, rows0: usize, icStride: usize, len: i32): void {
  const h = get(rec, H), wo = get(rec, WO), cpg = get(rec, CPG), k = get(rec, K), s = get(rec, STRIDE);
  const zero = f32x4.splat(<f32>get(rec, YZERO)), mask = <usize>get(rec, MASK);
  const dstCS = get(rec, DST_CS);
  const rowBytes = <usize>(s * len) << 1;
  const iy0 = oy * s - get(rec, PAD);
  const kyLo = max(0, -iy0), kyHi = min(k, h - iy0);
  const b = v128.load32_splat(<usize>get(rec, BIAS) + (<usize>oc << 2));
  const e = v128.load32_splat(<usize>get(rec, EFF) + (<usize>oc << 2));
  const yRow = (oy % get(rec, DST_ROWS)) * wo;
  // 3x3 taps (most depthwise convs and the stem) unrolled: kx = 1, 2 read at these byte offsets from kx = 0.
  const three = k == 3;
  const o1 = <usize>(s == 1 ? 1 : len) << 1, o2 = <usize>(s == 1 ? 2 : s == 2 ? 1 : 2 * len) << 1;
  for (let ox = 0; ox < wo; ox += 8) {
    let lo = b, hi = b;
    for (let ic = 0; three && ic < cpg; ic++) for (let ky = kyLo; ky < kyHi; ky++) {
      const row = rows0 + <usize>ic * icStride + <usize>ky * rowBytes + (<usize>ox << 1), tap = taps + <usize>((ic * 3 + ky) * 48);
      const x0 = v128.load(row), x1 = v128.load(row + o1), x2 = v128.load(row + o2);
      const w0 = v128.load(tap), w1 = v128.load(tap, 16), w2 = v128.load(tap, 32);
      lo = i32x4.add(lo, i32x4.add(i32x4.add(i32x4.extmul_low_i16x8_s(x0, w0), i32x4.extmul_low_i16x8_s(x1, w1)), i32x4.extmul_low_i16x8_s(x2, w2)));
      hi = i32x4.add(hi, i32x4.add(i32x4.add(i32x4.extmul_high_i16x8_s(x0, w0), i32x4.extmul_high_i16x8_s(x1, w1)), i32x4.extmul_high_i16x8_s(x2, w2)));
    }
    for (let ic = 0; !three && ic < cpg; ic++) {
      for (let ky = kyLo; ky < kyHi; ky++) {
        const rowAt = rows0 + <usize>ic * icStride + <usize>ky * rowBytes + (<usize>ox << 1);
        const tapRow = taps + (<usize>((ic * k + ky) * k) << 4);
        // Taps kx = r, r + s, ... read phase r at consecutive elements (two at a time).
        const step = <usize>s << 4;
        for (let r = 0; r < s; r++) {
          let xa = rowAt + (<usize>(r * len) << 1), tap = tapRow + (<usize>r << 4);
          let kx = r;
          for (; kx + s < k; kx += 2 * s) {
            const x0 = v128.load(xa), x1 = v128.load(xa, 2), w0 = v128.load(tap), w1 = v128.load(tap + step);
            lo = i32x4.add(lo, i32x4.add(i32x4.extmul_low_i16x8_s(x0, w0), i32x4.extmul_low_i16x8_s(x1, w1)));
            hi = i32x4.add(hi, i32x4.add(i32x4.extmul_high_i16x8_s(x0, w0), i32x4.extmul_high_i16x8_s(x1, w1)));
            xa += 4;
            tap += step << 1;
          }
          if (kx < k) {
            const xv = v128.load(xa), wv = v128.load(tap);
            lo = i32x4.add(lo, i32x4.extmul_low_i16x8_s(xv, wv));
            hi = i32x4.add(hi, i32x4.extmul_high_i16x8_s(xv, wv));
          }
        }
      }
    }
    const m = wo - ox;
    const y = <usize>get(rec, DST) + <usize>(oc * dstCS + yRow + ox);
    const mi = oc * dstCS + yRow + ox;
    emit8(requant(lo, e, zero), requant(hi, e, zero), y, min(8, m), mask, mi);
  }
}

/** Input row iy of channel ch as phase rows at `out`. */
function phasesOf(rec: usize, ch: i32, iy: i32, out: usize, len: i32): void {
  const w = get(rec, W);
  const row = <usize>get(rec, SRC) + <usize>(ch * get(rec, SRC_CS) + (iy % get(rec, SRC_ROWS)) * w);
  buildPhases(row, w, get(rec, PAD), get(rec, STRIDE), get(rec, XZERO), out, len);
}

/** One output row oy of a spatial conv: per group, the k input rows of its channels become phase rows. */
function spatialRow(rec: usize, oy: i32, work: usize): void {
  const h = get(rec, H), cout = get(rec, COUT), cpg = get(rec, CPG), k = get(rec, K), s = get(rec, STRIDE);
  const len = phaseLen(rec), perGroup = cout / get(rec, GROUPS);
  const iy0 = oy * s - get(rec, PAD);
  const kyLo = max(0, -iy0), kyHi = min(k, h - iy0);
  const rowBytes = <usize>(s * len) << 1, icStride = <usize>k * rowBytes;
  const taps = work + <usize>cpg * icStride;
  for (let g = 0; g < get(rec, GROUPS); g++) {
    for (let ic = 0; ic < cpg; ic++) {
      for (let ky = kyLo; ky < kyHi; ky++) phasesOf(rec, g * cpg + ic, iy0 + ky, work + <usize>ic * icStride + <usize>ky * rowBytes, len);
    }
    for (let oc = g * perGroup; oc < (g + 1) * perGroup; oc++) {
      spatialOut(rec, oc, oy, tapsOf(rec, oc, taps), work, icStride, len);
    }
  }
}

/**
 * A whole spatial conv: per group, every input row becomes phase rows once, and each output channel
 * splats its taps once for all its rows.
 */
function spatialWhole(rec: usize, work: usize): void {
  const h = get(rec, H), ho = get(rec, HO), cout = get(rec, COUT), cpg = get(rec, CPG), k = get(rec, K), s = get(rec, STRIDE);
  const len = phaseLen(rec), perGroup = cout / get(rec, GROUPS), pad = get(rec, PAD);
  const rowBytes = <usize>(s * len) << 1, icStride = <usize>h * rowBytes;
  const taps = work + <usize>cpg * icStride;
  reserve(taps + (<usize>(cpg * k * k) << 4) + 64);
  for (let g = 0; g < get(rec, GROUPS); g++) {
    for (let ic = 0; ic < cpg; ic++) {
      for (let iy = 0; iy < h; iy++) phasesOf(rec, g * cpg + ic, iy, work + <usize>ic * icStride + <usize>iy * rowBytes, len);
    }
    for (let oc = g * perGroup; oc < (g + 1) * perGroup; oc++) {
      const t = tapsOf(rec, oc, taps);
      // rows0 is the phase row of input row oy * s - pad (before the plane when it is padding: only rows in the image are read).
      for (let oy = 0; oy < ho; oy++) spatialOut(rec, oc, oy, t, work + <usize>((oy * s - pad) * <i32>rowBytes), icStride, len);
    }
  }
}

/** Scratch bytes spatialRow needs. */
function spatialWork(rec: usize): usize {
  const cpg = get(rec, CPG), k = get(rec, K), s = get(rec, STRIDE);
  return (<usize>(cpg * k * s * phaseLen(rec)) << 1) + (<usize>(cpg * k * k) << 4);
}

function isPointwise(rec: usize): bool {
  return get(rec, K) == 1 && get(rec, STRIDE) == 1 && get(rec, PAD) == 0 && get(rec, GROUPS) == 1;
}

/** Prepares a stage (packs a pointwise weight at `work`); returns the first free byte after it. */
export function convPrepare(rec: usize, work: usize): usize {
  if (!isPointwise(rec)) {
    // Splatted once here rather than at every row of a chain.
    const bytes = splatBytes(rec);
    if (bytes > SPLAT_LIMIT) return work;
    reserve(work + bytes);
    for (let oc = 0; oc < get(rec, COUT); oc++) splatTaps(rec, oc, work + (<usize>(oc * get(rec, CPG) * get(rec, K) * get(rec, K)) << 4));
    store<i32>(rec + (PACKED << 2), <i32>work);
    return work + bytes;
  }
  const cin = get(rec, CIN), cout = get(rec, COUT);
  reserve(work + (<usize>(coutBlocks(cout) * pairs(cin)) << 2));
  store<i32>(rec + (PACKED << 2), <i32>work);
  return (work + packPointwise(rec, work) + 15) & ~15;
}

/** Scratch bytes one row of a prepared stage needs. */
function rowWork(rec: usize): usize {
  return isPointwise(rec) ? <usize>(SPAN * pairs(get(rec, CIN))) << 2 : spatialWork(rec);
}

/** Output row oy of a prepared stage, reading its source rows and writing its destination's (rings or whole tensors). */
export function convRow(rec: usize, oy: i32, work: usize): void {
  reserve(work + rowWork(rec) + 64);
  if (isPointwise(rec)) {
    const w = get(rec, W);
    const x = <usize>get(rec, SRC) + <usize>((oy % get(rec, SRC_ROWS)) * w);
    const yRow = (oy % get(rec, DST_ROWS)) * get(rec, WO);
    pointwise(rec, x, get(rec, SRC_CS), w, <usize>get(rec, DST) + <usize>yRow, get(rec, DST_CS), yRow, work);
  } else {
    spatialRow(rec, oy, work);
  }
}

/** The whole conv of a stage over whole tensors (SRC_ROWS = h, DST_ROWS = ho): convInt8. */
export function convWhole(rec: usize, work: usize): void {
  if (get(rec, CPG) == 1 && get(rec, GROUPS) == get(rec, COUT) && get(rec, WO) < 8) {
    depthwiseLanes(rec, work);
    return;
  }
  work = convPrepare(rec, work);
  if (isPointwise(rec)) {
    const hw = get(rec, H) * get(rec, W);
    reserve(work + rowWork(rec) + 64);
    pointwise(rec, <usize>get(rec, SRC), hw, hw, <usize>get(rec, DST), hw, 0, work);
    return;
  }
  spatialWhole(rec, work);
}
