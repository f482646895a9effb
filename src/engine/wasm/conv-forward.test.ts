/**
 * The C int8 forward in WebAssembly (tt_conv2d, tt_conv_chain, tt_add through ./kernel-calls.ts) against the TypeScript
 * kernels it replaces, bit for bit: convInt8 over random geometries (outputs and clamp mask bits),
 * addInt8, and every fused conv chain of the zoo models, whole and streamed input.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backboneConvs, type Graph, type ParamStore } from '../ir/graph.ts';
import { buildGraph } from '../models/build.ts';
import { modelFromTflite } from '../models/from-tflite.ts';
import { syntheticParams } from '../models/synthetic.ts';
import { ZOO_NAMES, zooArch } from '../models/zoo.ts';
import { addInt8 } from '../ops/add.ts';
import { convInt8, taps, type ConvGeom } from '../ops/conv2d.ts';
import { compileTraining } from '../program/compile.ts';
import { runBoundChain } from '../runtime/conv-chain.ts';
import { isOp } from '../program/types.ts';
import { builtinScheme, builtinSchemeNames } from '../train/builtin-schemes.ts';
import { mulberry32 } from '../util/random.ts';
import { addCall, addQCall, conv2dCall } from './kernel-calls.ts';
import { addMultipliers, convMultipliers } from '../quant/tflite-int.ts';
import { wasmKernels } from './instance.ts';
import { chainInPlace, chainLayoutOf, type ChainAdd } from '../schedule/fuse-rows.ts';
import { convChainFast } from './kernel-table.ts';

/** The kernels under test: the wasm ones (fast) or their TypeScript references; rq: TFLite's arithmetic. */
let fast = false;
const conv: typeof convInt8 = (x, xZero, w, bias, eff, y, yZero, c, mask, _round, rq) =>
  fast ? conv2dCall(wasmKernels()!, x, { xZero, yZero, w, bias, eff, rq }, y as Int8Array, c, mask) : convInt8(x, xZero, w, bias, eff, y, yZero, c, mask, true, rq);
const add: typeof addInt8 = (a, sa, za, b, sb, zb, y, sy, zy, mask, _round, rq) =>
  fast ? (rq ? addQCall(wasmKernels()!, a, za, b, zb, y, zy, rq, mask) : addCall(wasmKernels()!, a, sa, za, b, sb, zb, y, sy, zy, mask))
    : addInt8(a, sa, za, b, sb, zb, y, sy, zy, mask, true, rq);

/** Runs f with the wasm kernels and then with the TypeScript ones; returns both results. */
function both<T>(f: () => T): [T, T] {
  expect(wasmKernels()).not.toBeNull();
  fast = true;
  const wasm = f();
  fast = false;
  const ts = f();
  return [wasm, ts];
}

function expectSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) expect.fail(`${what}: element ${i} is ${got[i]}, want ${want[i]}`);
}

const ints = (rand: () => number, n: number, lo: number, hi: number) => Array.from({ length: n }, () => lo + Math.floor(rand() * (hi - lo + 1)));

interface Case { geom: ConvGeom; xZero: number; yZero: number; x: Int8Array; w: Int8Array; bias: Int32Array; eff: Float32Array }

/**
 * A random conv: kind 0 standard, 1 depthwise, 2 pointwise, 3 grouped; scales from gentle to saturating.
 * nonSquare: a kh x kw kernel with kh != kw (a keyword-spotting stem's 10 x 4, a 1 x 7, ...) and its
 * own padding per axis.
 */
function randomCase(rand: () => number, kind: number, nonSquare = false): Case {
  const k = kind === 2 ? 1 : [1, 3, 5, 7][Math.floor(rand() * 4)];
  const stride = kind === 2 ? 1 : 1 + Math.floor(rand() * 2);
  const pad = kind === 2 ? 0 : Math.floor(rand() * (k + 1) / 2 + (rand() < 0.3 ? 1 : 0));
  let kh = k, kw = k, ph = pad, pw = pad;
  if (nonSquare) {
    [kh, kw] = [[10, 4], [4, 10], [3, 1], [1, 3], [1, 7], [5, 3], [2, 3]][Math.floor(rand() * 7)];
    ph = Math.floor(rand() * (kh + 1) / 2);
    pw = Math.floor(rand() * (kw + 1) / 2);
  }
  // Depthwise convs on planes under 8 columns wide take their own path (8 channels per vector).
  const small = kind === 1 && rand() < 0.5;
  const h = kh + Math.floor(rand() * (small ? 6 : 20)), w = kw + Math.floor(rand() * (small ? 6 : 37));
  let cin: number, cout: number, groups: number;
  if (kind === 1) { cin = cout = groups = 2 + Math.floor(rand() * 20); }
  else if (kind === 3) { groups = 2 + Math.floor(rand() * 2); cin = groups * (1 + Math.floor(rand() * 4)); cout = groups * (1 + Math.floor(rand() * 4)); }
  else { groups = 1; cin = 1 + Math.floor(rand() * (kind === 2 ? 41 : 9)); cout = 1 + Math.floor(rand() * 23); }
  const cpg = cin / groups;
  const ho = Math.floor((h + 2 * ph - kh) / stride) + 1, wo = Math.floor((w + 2 * pw - kw) / stride) + 1;
  const extreme = rand() < 0.25;
  const xZero = extreme ? (rand() < 0.5 ? -128 : 127) : ints(rand, 1, -20, 20)[0];
  const yZero = extreme ? (rand() < 0.5 ? 127 : -128) : ints(rand, 1, -20, 20)[0];
  // Effective scales around 1 / (typical |acc|), and some large enough that most values saturate.
  const typical = Math.sqrt(cpg * kh * kw) * 60 * 60 / 100;
  const eff = Float32Array.from({ length: cout }, () => (rand() < 0.2 ? 0.5 + rand() : (0.2 + rand() * 2) / typical));
  return {
    geom: { cin, h, w, cout, ho, wo, cpg, kh, kw, stride, ph, pw, groups }, xZero, yZero,
    x: Int8Array.from(ints(rand, cin * h * w, -128, 127)),
    w: Int8Array.from(ints(rand, cout * cpg * kh * kw, -128, 127)),
    bias: Int32Array.from(ints(rand, cout, -3000, 3000)),
    eff,
  };
}

describe('wasm int8 conv forward = TypeScript kernels', () => {
  for (const tflite of [false, true]) {
  it(`random geometries: outputs and clamp mask bits${tflite ? ', in TFLite\'s arithmetic' : ''}`, () => {
    const rand = mulberry32(tflite ? 43 : 42);
    let saturated = 0;
    for (let t = 0; t < 400; t++) {
      const c = randomCase(rand, t % 4);
      const n = c.geom.cout * c.geom.ho * c.geom.wo;
      const mask0 = Uint8Array.from(ints(rand, Math.ceil(n / 8) + 1, 0, 255));
      // TFLite's multipliers of other scales than eff: a kernel that read eff instead would not match.
      const rq = tflite ? convMultipliers(1, Float32Array.from(c.eff, (e) => e * 1.3), 1) : undefined;
      const [got, want] = both(() => {
        const y = new Int8Array(n).fill(99), mask = mask0.slice();
        conv(c.x, c.xZero, c.w, c.bias, c.eff, y, c.yZero, c.geom, mask, true, rq);
        return { y, mask };
      });
      const what = `case ${t} ${JSON.stringify(c.geom)} zeros ${c.xZero}/${c.yZero}`;
      expectSame(got.y, want.y, what);
      expectSame(got.mask, want.mask, `${what} mask`);
      for (let i = 0; i < n; i++) if (!((want.mask[i >> 3] >> (i & 7)) & 1)) saturated++;
    }
    // The cases saturate often enough that the mask's cleared bits are tested too.
    expect(saturated).toBeGreaterThan(1000);
  });
  }

  it('non-square kernels (kh != kw, padding per axis): standard, depthwise and grouped, in both arithmetics', () => {
    const rand = mulberry32(44);
    const seen = new Set<string>();
    for (let t = 0; t < 240; t++) {
      const kind = [0, 1, 3][t % 3];
      const c = randomCase(rand, kind, true);
      seen.add(`${kind} ${c.geom.kh}x${c.geom.kw}`);
      const n = c.geom.cout * c.geom.ho * c.geom.wo;
      const rq = t % 2 ? convMultipliers(1, Float32Array.from(c.eff, (e) => e * 1.3), 1) : undefined;
      const [got, want] = both(() => {
        const y = new Int8Array(n).fill(99), mask = new Uint8Array(Math.ceil(n / 8));
        conv(c.x, c.xZero, c.w, c.bias, c.eff, y, c.yZero, c.geom, mask, true, rq);
        return { y, mask };
      });
      const what = `case ${t} ${JSON.stringify(c.geom)}`;
      expectSame(got.y, want.y, what);
      expectSame(got.mask, want.mask, `${what} mask`);
    }
    expect(seen.size).toBeGreaterThan(15);
  });

  it('a standard conv too large to splat all its taps up front (over 1 MB of them)', () => {
    const rand = mulberry32(11);
    const geom: ConvGeom = { cin: 48, h: 9, w: 11, cout: 48, ho: 5, wo: 6, cpg: 48, kh: 7, kw: 7, stride: 2, ph: 3, pw: 3, groups: 1 };
    const n = geom.cout * geom.ho * geom.wo;
    const x = Int8Array.from(ints(rand, geom.cin * geom.h * geom.w, -128, 127)), w = Int8Array.from(ints(rand, geom.cout * geom.cin * 49, -128, 127));
    const bias = Int32Array.from(ints(rand, geom.cout, -3000, 3000)), eff = Float32Array.from({ length: geom.cout }, () => 0.00002 + rand() * 0.0001);
    const [got, want] = both(() => {
      const y = new Int8Array(n), mask = new Uint8Array(Math.ceil(n / 8));
      conv(x, 3, w, bias, eff, y, -5, geom, mask);
      return { y, mask };
    });
    expectSame(got.y, want.y, 'large taps');
    expectSame(got.mask, want.mask, 'large taps mask');
  });

  it('depthwise in place (y over x), with and without a mask, in both arithmetics', () => {
    const rand = mulberry32(7);
    for (let t = 0; t < 40; t++) {
      const c = randomCase(rand, 1);
      const g = { ...c.geom, stride: 1, ph: (c.geom.kh - 1) >> 1, pw: (c.geom.kw - 1) >> 1 };
      g.ho = g.h; g.wo = g.w;
      const rq = t % 4 >= 2 ? convMultipliers(1, c.eff, 1) : undefined;
      const [got, want] = both(() => {
        const buf = c.x.slice(), mask = t % 2 ? new Uint8Array(Math.ceil(buf.length / 8)) : undefined;
        conv(buf, c.xZero, c.w, c.bias, c.eff, buf, c.yZero, g, mask, true, rq);
        return { buf, mask: mask ?? [] };
      });
      expectSame(got.buf, want.buf, `in place ${JSON.stringify(g)}`);
      expectSame(got.mask, want.mask, `in place ${JSON.stringify(g)} mask`);
    }
  });

  it('addInt8: outputs and mask bits, odd lengths and saturating scales, in both arithmetics (tt_add, tt_add_q)', () => {
    const rand = mulberry32(9);
    for (let t = 0; t < 120; t++) {
      const n = 1 + Math.floor(rand() * 300);
      const a = Int8Array.from(ints(rand, n, -128, 127)), b = Int8Array.from(ints(rand, n, -128, 127));
      const sa = 0.01 + rand() * 0.1, sb = 0.01 + rand() * 0.1, sy = t % 3 ? 0.05 + rand() * 0.2 : 0.001 + rand() * 0.01;
      const [za, zb, zy] = ints(rand, 3, -128, 127);
      const mask0 = Uint8Array.from(ints(rand, Math.ceil(n / 8), 0, 255));
      const [got, want] = both(() => {
        const y = new Int8Array(n), mask = mask0.slice();
        add(a, sa, za, b, sb, zb, y, sy, zy, mask, true, t >= 60 ? addMultipliers(sa, sb, sy) : undefined);
        return { y, mask };
      });
      expectSame(got.y, want.y, `add ${t}`);
      expectSame(got.mask, want.mask, `add ${t} mask`);
    }
  });
});

/** Whether the zoo's chains exercised an output written over its input. */
const seen = { inPlace: false };

/** Runs one program's conv chains on random inputs (an in-place chain's output is its input); returns their outputs, scratch and input rings. */
function runChains(model: string, g: Graph, params: ParamStore, streamInput: boolean, seed: number): Int8Array[][] {
  // The model's first paper scheme: its frozen early stage runs as chains.
  const program = compileTraining(g, builtinScheme(builtinSchemeNames(model)[0], backboneConvs(g).length)!, { streamInput });
  const chains = program.kernels.filter((k) => isOp(k, 'conv_chain'));
  expect(chains.length).toBeGreaterThan(0);
  return chains.map((k) => {
    const rand = mulberry32(seed);
    const size = (t: string) => program.tensors[t].bytes;
    const input = Int8Array.from(ints(rand, size(k.inputs[0]), -128, 127));
    const inPlace = program.tensors[k.outputs[0]].aliasOf === k.inputs[0];
    const output = inPlace ? input : new Int8Array(size(k.outputs[0]));
    seen.inPlace ||= inPlace;
    const scratch = new Int8Array(size(k.attrs.scratch));
    const ring = k.attrs.ring ? new Int8Array(size(k.attrs.ring)) : undefined;
    (fast ? convChainFast : runBoundChain)(k.bound, (n) => params[n], input, output, scratch, ring);
    return ring ? [output, scratch, ring] : [output, scratch];
  });
}

describe('wasm conv chain = TypeScript chain', () => {
  for (const model of ZOO_NAMES) {
    for (const stream of [true, false]) {
      it(`${model}, ${stream ? 'streamed' : 'whole'} input`, () => {
        const g = buildGraph(zooArch(model), { resolution: 64, classes: 10 });
        const params = syntheticParams(g, 5);
        const [got, want] = both(() => runChains(model, g, params, stream, 17));
        expect(got.length).toBe(want.length);
        got.forEach((bufs, i) => bufs.forEach((b, j) => expectSame(b, want[i][j], `${model} chain ${i} buffer ${j}`)));
        if (stream) expect(want.some((bufs) => bufs.length === 3)).toBe(true);
      });
    }
  }
  it('the zoo\'s chains include outputs written over their inputs', () => {
    expect(seen).toEqual({ inPlace: true });
  });
});

describe('wasm conv chain = TypeScript chain, chains across residual blocks', () => {
  // The zoo's best splits keep one block a chain (schedule/fuse-rows.ts: partition); these join blocks, their skips in rings.
  const geometry = (cin: number, h: number, cout: number, k: number, stride: number, groups: number): ConvGeom => {
    const ho = Math.floor((h + 2 * ((k - 1) >> 1) - k) / stride) + 1;
    return { cin, h, w: h, cout, ho, wo: ho, cpg: cin / groups, kh: k, kw: k, stride, ph: (k - 1) >> 1, pw: (k - 1) >> 1, groups };
  };
  const block = (c: number, h: number, e: number, k: number): ConvGeom[] =>
    [geometry(c, h, e, 1, 1, 1), geometry(e, h, e, k, 1, e), geometry(e, h, c, 1, 1, 1)];
  const CASES: [string, ConvGeom[], ChainAdd[], boolean, boolean[]?][] = [
    ['a strided block, then two residual blocks (3x3, 7x7)',
      [geometry(4, 14, 12, 1, 1, 1), geometry(12, 14, 12, 3, 2, 12), geometry(12, 7, 8, 1, 1, 1), ...block(8, 7, 16, 3), ...block(8, 7, 24, 7)],
      [{ stage: 5, skip: 3 }, { stage: 8, skip: 6 }], false],
    ['three residual blocks, in place', [...block(6, 8, 12, 3), ...block(6, 8, 18, 5), ...block(6, 8, 12, 3)],
      [{ stage: 2, skip: 0 }, { stage: 5, skip: 3 }, { stage: 8, skip: 6 }], true],
    // Split rings (schedule/fuse-rows.ts: splitRing): a 7x7 stride-2 depthwise conv's and residual blocks' new rows one channel at a time.
    ['a strided 7x7 block, then two residual blocks, split rings',
      [geometry(4, 14, 12, 1, 1, 1), geometry(12, 14, 12, 7, 2, 12), geometry(12, 7, 8, 1, 1, 1), ...block(8, 7, 16, 3), ...block(8, 7, 24, 5)],
      [{ stage: 5, skip: 3 }, { stage: 8, skip: 6 }], false, [true, false, false, true, false, false, true, false]],
    ['three residual blocks, split rings, in place', [...block(6, 8, 12, 3), ...block(6, 8, 18, 5), ...block(6, 8, 12, 3)],
      [{ stage: 2, skip: 0 }, { stage: 5, skip: 3 }, { stage: 8, skip: 6 }], true, [true, false, false, true, false, false, true, false]],
  ];
  for (const [name, geoms, adds, inPlace, split = []] of CASES) {
    for (const tflite of [false, true]) {
      it(`${name}${tflite ? ', TFLite\'s arithmetic' : ''}`, () => {
        expect(chainInPlace(geoms, adds, split)).toBe(inPlace);
        const rand = mulberry32(31);
        const params: ParamStore = {};
        const stages = geoms.map((c, i) => {
          params[`w${i}`] = Int8Array.from(ints(rand, c.cout * c.cpg * taps(c), -128, 127));
          params[`b${i}`] = Int32Array.from(ints(rand, c.cout, -2000, 2000));
          params[`s${i}`] = Float32Array.from({ length: c.cout }, () => 0.002 + rand() * 0.01);
          return { node: `c${i}`, geom: c, xScale: 0.05, xZero: i - 2, yScale: 0.06, yZero: 3 - i, weight: `w${i}`, bias: `b${i}`, wScales: `s${i}`,
            ...(tflite ? { requant: 'tflite' as const } : {}) };
        });
        const bound = adds.map((a, i) => {
          const q = { a: { scale: 0.05 + 0.01 * i, zeroPoint: i - 2 }, b: { scale: 0.09, zeroPoint: 1 }, y: { scale: 0.07, zeroPoint: 4 - i } };
          return { ...a, q: { ...q, ...(tflite ? { rq: addMultipliers(q.a.scale, q.b.scale, q.y.scale) } : {}) } };
        });
        const chain = { stages, adds: bound, layout: chainLayoutOf(geoms, adds, split) };
        const g0 = geoms[0], last = geoms[geoms.length - 1];
        const x = Int8Array.from(ints(rand, g0.cin * g0.h * g0.w, -128, 127));
        if (split.length) {
          // The split rings' values are the plain rings'.
          const plain = { ...chain, layout: chainLayoutOf(geoms, adds) };
          const [a, b] = [new Int8Array(last.cout * last.ho * last.wo), new Int8Array(last.cout * last.ho * last.wo)];
          runBoundChain(plain, (n) => params[n], x.slice(), a, new Int8Array(plain.layout.bytes));
          runBoundChain(chain, (n) => params[n], x.slice(), b, new Int8Array(chain.layout.bytes));
          expect(b).toEqual(a);
        }
        const [got, want] = both(() => {
          const input = x.slice();
          const output = inPlace ? input : new Int8Array(last.cout * last.ho * last.wo);
          (fast ? convChainFast : runBoundChain)(chain, (n) => params[n], input, output, new Int8Array(chain.layout.bytes));
          return output;
        });
        expectSame(got, want, name);
      });
    }
  }
});

describe('wasm conv chain = TypeScript chain, an imported .tflite in TFLite\'s arithmetic', () => {
  const bytes = new Uint8Array(readFileSync(new URL('../../../../shared/models/tflite/mcunet-vww.tflite', import.meta.url)));
  const m = modelFromTflite(bytes, { fileName: 'mcunet-vww.tflite', classes: 10 });
  for (const stream of [true, false]) {
    it(`mcunet-vww.tflite last-3, ${stream ? 'streamed' : 'whole'} input (chains with residual adds)`, () => {
      expect(m.graph.requant).toBe('tflite');
      const program = compileTraining(m.graph, builtinScheme('last-3', backboneConvs(m.graph).length)!, { streamInput: stream });
      const chains = program.kernels.filter((k) => isOp(k, 'conv_chain'));
      expect(chains.some((k) => k.bound.adds.some((a) => a.q.rq))).toBe(true);
      const [got, want] = both(() => chains.map((k) => {
        const rand = mulberry32(23);
        const size = (t: string) => program.tensors[t].bytes;
        const input = Int8Array.from(ints(rand, size(k.inputs[0]), -128, 127));
        const output = new Int8Array(size(k.outputs[0])), scratch = new Int8Array(size(k.attrs.scratch));
        const ring = k.attrs.ring ? new Int8Array(size(k.attrs.ring)) : undefined;
        (fast ? convChainFast : runBoundChain)(k.bound, (n) => m.params[n], input, output, scratch, ring);
        return output;
      }));
      got.forEach((b, i) => expectSame(b, want[i], `vww chain ${i}`));
    });
  }
});
