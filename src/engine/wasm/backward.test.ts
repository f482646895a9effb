/**
 * The C backward kernels in WebAssembly (./kernel-calls.ts) against their TypeScript twins, bit for bit, over random
 * geometries (kernel 1/3/5/7, stride 1/2, odd widths and channel counts, partly trained channels)
 * and update rules (momentum, QAS, stochastic or nearest rounding); whole training steps of the
 * real models are compared in wasm/training.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { convBackwardInput, convBiasGrad, convOutSize, convWeightGradRow, isDepthwise, taps, type ConvGeom } from '../ops/conv2d.ts';
import {
  blockBackward, expansionBackward, type BlockOperands, type ExpansionOperands, type ParamUpdate, type PwOperands,
} from '../runtime/streamed-backward.ts';
import { gaussian, mulberry32 } from '../util/random.ts';
import { blockBwdCall, convBwdXCall, convGradBCall, convGradWCall, dwPwBwdCall } from './kernel-calls.ts';
import { wasmKernels } from './instance.ts';

const kernels = wasmKernels()!;

function maker(seed: number) {
  const r = mulberry32(seed);
  const gs = gaussian(r);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  return {
    r, int,
    pick: <T>(xs: T[]) => xs[int(0, xs.length - 1)],
    f32: (n: number, sd = 1) => Float32Array.from({ length: n }, () => gs() * sd),
    /** A gradient to add onto: some -0 and +0 among the values (a sum must not start at -0: accumulateStart). */
    onto: (n: number) => Float32Array.from({ length: n }, () => (r() < 0.1 ? -0 : r() < 0.1 ? 0 : gs() * 0.1)),
    /** Mostly small weights, some zero (the kernels skip those), a few at the clamps. */
    i8: (n: number) => Int8Array.from({ length: n }, () => (r() < 0.15 ? 0 : r() < 0.05 ? (r() < 0.5 ? -128 : 127) : int(-40, 40))),
    i32: (n: number) => Int32Array.from({ length: n }, () => int(-5000, 5000)),
    bits: (n: number) => Uint8Array.from({ length: Math.ceil(n / 8) }, () => int(0, 255)),
    scales: (n: number) => Float32Array.from({ length: n }, () => 0.002 + r() * 0.05),
  };
}
type Maker = ReturnType<typeof maker>;

/** A conv's geometry; k and pad: [rows, columns] for a non-square kernel. */
function geom(cin: number, h: number, w: number, cout: number, k: number | [number, number], stride: number, pad: number | [number, number], groups: number): ConvGeom {
  const [kh, kw] = typeof k === 'number' ? [k, k] : k, [ph, pw] = typeof pad === 'number' ? [pad, pad] : pad;
  return { cin, h, w, cout, cpg: cin / groups, kh, kw, stride, ph, pw, groups, ho: convOutSize(h, kh, stride, ph), wo: convOutSize(w, kw, stride, pw) };
}

/** A random update rule; `n` velocity entries. */
function update(m: Maker, n: number): ParamUpdate {
  return {
    cfg: { lr: m.pick([1e-5, 1e-4, 0.01, 0.05]), momentum: 0.9, qas: m.r() < 0.75 },
    velocity: m.r() < 0.5 ? m.f32(n, 0.01) : undefined,
    key: m.r() < 0.5 ? (m.int(0, 2 ** 32 - 1) >>> 0) : undefined,
  };
}

const clone = <T>(o: T): T => structuredClone(o);

/** Every typed array of two operand objects, equal; and returns how many int8/int32 values changed from `before`. */
function expectSame(got: unknown, want: unknown, path = ''): void {
  if (ArrayBuffer.isView(want)) {
    expect(Array.from(got as Float32Array), path).toEqual(Array.from(want as Float32Array));
  } else if (want && typeof want === 'object') {
    for (const key of Object.keys(want)) expectSame((got as Record<string, unknown>)[key], (want as Record<string, unknown>)[key], `${path}.${key}`);
  }
}

function changed(a: Int8Array | Int32Array, b: Int8Array | Int32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

function pwOperands(m: Maker, cin: number, h: number, w: number, cout: number, gx: boolean): PwOperands {
  const g = geom(cin, h, w, cout, 1, 1, 0, 1);
  // Trained input channels: at most the weight's (more would overlap the next row).
  const n = Math.min(cin, m.pick([0, 1, 3, 8, 9, cin]));
  const s = m.scales(cout);
  const o: PwOperands = {
    geom: g, w: m.i8(cout * cin), b: m.i32(cout), s, eff: m.scales(cout).map((v) => v * 20), mask: m.bits(cout * h * w),
    saved: n > 0 ? m.i8(n * h * w) : null, xZero: m.int(-20, 20), n, gx: gx ? new Float32Array(cin * h * w) : null, accumulate: false,
    bias: m.r() < 0.7, xScale: 0.02 + m.r() * 0.1, weight: update(m, cout * n), biasUpdate: update(m, cout),
  };
  // Half the input gradients add onto a skip gradient.
  if (o.gx && m.r() < 0.5) {
    o.accumulate = true;
    o.gx = m.onto(o.gx.length);
  }
  return o;
}

/** A depthwise geometry: kernel 3/5/7, stride 1/2, odd and even sizes, padding as the models' or less. */
function dwGeom(m: Maker): ConvGeom {
  const k = m.pick([3, 5, 7]), stride = m.pick([1, 2]);
  const c = m.int(1, 9), h = m.int(k, 17), w = m.int(k, 19);
  return geom(c, h, w, c, k, stride, m.pick([(k - 1) / 2, (k - 1) / 2, 0, 1]), c > 1 ? c : 1);
}

describe('wasm backward kernels equal the TypeScript ones', () => {
  it('block_bwd over random geometries and update rules', () => {
    let moved = 0;
    for (let t = 0; t < 60; t++) {
      const m = maker(100 + t);
      let dg = dwGeom(m);
      if (dg.cin === 1) dg = { ...dg, cin: 2, cout: 2, groups: 2 };
      const c = dg.cout, hwo = dg.ho * dg.wo, kk = taps(dg);
      const cout2 = m.int(1, 11);
      const withPw = m.r() < 0.7;
      const n = m.pick([0, 1, c, Math.max(1, c - 1)]);
      // Every fourth case: pw2's output gradient per channel under a mask (a global pool's backward).
      const perChannel = t % 4 === 3;
      const o: BlockOperands = {
        g2: m.f32(perChannel ? cout2 : cout2 * hwo, 0.1), g2Mask: perChannel ? m.bits(cout2 * hwo) : null, w2: m.i8(cout2 * c), geom2: geom(c, dg.ho, dg.wo, cout2, 1, 1, 0, 1), geom: dg,
        mask: m.bits(c * hwo), saved: n > 0 ? m.i8(n * dg.h * dg.w) : null, xZero: m.int(-20, 20), n,
        w: m.i8(c * kk), b: m.i32(c), s: m.scales(c), eff: m.scales(c).map((v) => v * 20),
        weight: update(m, n * kk), biasUpdate: update(m, c), inputGrad: withPw || m.r() < 0.5, bias: m.r() < 0.7, xScale: 0.05,
        pw: null, gx: null,
      };
      if (withPw) {
        // One rule per kind of parameter in a block, as the runtime's (env.hyper, one rounding key per update).
        const pw = pwOperands(m, m.int(1, 13), dg.h, dg.w, c, m.r() < 0.7);
        const same = (u: ParamUpdate, as: ParamUpdate): ParamUpdate => ({ ...u, cfg: as.cfg, key: as.key === undefined ? undefined : (u.key ?? 12345) });
        o.pw = { ...pw, weight: same(pw.weight, o.weight), biasUpdate: same(pw.biasUpdate, o.biasUpdate) };
      }
      else if (o.inputGrad) o.gx = new Float32Array(c * dg.h * dg.w);
      if (o.pw) o.gx = o.pw.gx;
      const want = clone(o), got = clone(o);
      const scratch = hwo + dg.h * dg.w + Math.max(kk, o.pw?.n ?? 0);
      blockBackward(want, new Float32Array(scratch));
      blockBwdCall(kernels, got, scratch);
      expectSame(got, want, `case ${t} ${JSON.stringify(dg)}`);
      moved += changed(o.w, want.w) + changed(o.b, want.b) + (o.pw ? changed(o.pw.w, want.pw!.w) + changed(o.pw.b, want.pw!.b) : 0);
    }
    expect(moved).toBeGreaterThan(500);
  });

  it('dw_pw_bwd over random geometries and update rules', () => {
    let moved = 0;
    for (let t = 0; t < 40; t++) {
      const m = maker(500 + t);
      const dg = dwGeom(m);
      const o: ExpansionOperands = {
        g: m.f32(dg.cout * dg.ho * dg.wo, 0.1), w: m.i8(dg.cout * taps(dg)), geom: dg,
        pw: pwOperands(m, m.int(1, 13), dg.h, dg.w, dg.cout, m.r() < 0.7),
      };
      const want = clone(o), got = clone(o);
      const scratch = dg.h * dg.w + o.pw.n;
      expansionBackward(want, new Float32Array(scratch));
      dwPwBwdCall(kernels, got, scratch);
      expectSame(got, want, `case ${t} ${JSON.stringify(dg)}`);
      moved += changed(o.pw.w, want.pw.w) + changed(o.pw.b, want.pw.b);
    }
    expect(moved).toBeGreaterThan(100);
  });

  it('conv_bwd_x, conv_grad_w and conv_grad_b over random geometries', () => {
    const seen = new Set<string>();
    for (let t = 0; t < 200; t++) {
      const m = maker(900 + t);
      const kind = m.pick(['depthwise', 'pointwise', 'standard', 'grouped'] as const);
      let c: ConvGeom;
      if (kind === 'depthwise') c = dwGeom(m);
      else if (kind === 'pointwise') c = geom(m.int(1, 19), m.int(1, 13), m.int(1, 15), m.int(1, 17), 1, 1, 0, 1);
      else {
        const k = m.pick([1, 3, 5, 7]), groups = kind === 'grouped' ? m.pick([2, 3]) : 1;
        c = geom(groups * m.int(1, 4), m.int(k, 15), m.int(k, 16), groups * m.int(1, 5), k, m.pick([1, 2]), m.int(0, (k - 1) / 2), groups);
      }
      if (isDepthwise(c) && c.cin === 1) continue;
      seen.add(`${kind} k${c.kh} s${c.stride}`);
      checkConvBackward(m, c, `case ${t} ${kind} ${JSON.stringify(c)}`);
    }
    for (const k of [1, 3, 5, 7]) for (const s of [1, 2]) expect(seen.has(`standard k${k} s${s}`) || k === 1, `standard k${k} s${s}`).toBe(true);
  });

  it('conv_bwd_x, conv_grad_w and conv_grad_b of non-square kernels (kh != kw, padding per axis)', () => {
    const seen = new Set<string>();
    for (let t = 0; t < 120; t++) {
      const m = maker(1300 + t);
      const kind = m.pick(['depthwise', 'standard', 'grouped'] as const);
      const [kh, kw] = m.pick([[10, 4], [4, 10], [3, 1], [1, 3], [1, 7], [5, 3]] as [number, number][]);
      const pad: [number, number] = [m.int(0, (kh - 1) >> 1), m.int(0, (kw - 1) >> 1)];
      const groups = kind === 'grouped' ? m.pick([2, 3]) : 1;
      const ch = m.int(2, 6);
      const c = kind === 'depthwise' ? geom(ch, m.int(kh, 15), m.int(kw, 16), ch, [kh, kw], m.pick([1, 2]), pad, ch)
        : geom(groups * m.int(1, 4), m.int(kh, 15), m.int(kw, 16), groups * m.int(1, 5), [kh, kw], m.pick([1, 2]), pad, groups);
      seen.add(`${kind} ${kh}x${kw}`);
      checkConvBackward(m, c, `case ${t} ${kind} ${JSON.stringify(c)}`);
    }
    expect(seen.size).toBeGreaterThan(12);
  });
});

/** conv_bwd_x, conv_grad_w and conv_grad_b of one geometry through wasm, equal to the TypeScript kernels. */
function checkConvBackward(m: Maker, c: ConvGeom, label: string): void {
  const kk = taps(c), howo = c.ho * c.wo;
  const g = m.f32(c.cout * howo, 0.1), w = m.i8(c.cout * c.cpg * kk), x = m.i8(c.cin * c.h * c.w), xZero = m.int(-20, 20);

  const want = new Float32Array(c.cin * c.h * c.w), got = new Float32Array(want.length);
  convBackwardInput(g, w, c, want);
  convBwdXCall(kernels, g, w, c, got);
  expect(Array.from(got), label).toEqual(Array.from(want));
  if (!isDepthwise(c)) {
    // Added onto a skip gradient (schedule/accumulate-grads.ts): the same sums from its values.
    const onto = m.onto(want.length), wantAcc = onto.slice(), gotAcc = onto.slice();
    convBackwardInput(g, w, c, wantAcc, true);
    convBwdXCall(kernels, g, w, c, gotAcc, true);
    expect(Array.from(gotAcc), `${label} accumulate`).toEqual(Array.from(wantAcc));
  }

  const n = isDepthwise(c) ? m.int(1, c.cout) : m.int(1, c.cpg);
  const rows = isDepthwise(c) ? n : c.cout, per = isDepthwise(c) ? kk : n * kk;
  const wantW = new Float32Array(rows * per), gotW = new Float32Array(rows * per);
  for (let oc = 0; oc < rows; oc++) convWeightGradRow(x, xZero, g, c, oc, n, wantW.subarray(oc * per, (oc + 1) * per));
  convGradWCall(kernels, x, xZero, g, c, n, gotW);
  expect(Array.from(gotW), label).toEqual(Array.from(wantW));

  const wantB = Float32Array.from({ length: c.cout }, (_, oc) => convBiasGrad(g, oc, howo)), gotB = new Float32Array(c.cout);
  convGradBCall(kernels, g, gotB);
  expect(Array.from(gotB), label).toEqual(Array.from(wantB));
}
