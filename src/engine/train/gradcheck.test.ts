/**
 * Gradient check of the compiled training step. In float mode (runReference with round: false) the
 * program computes the same function as the int8 graph without rounding, which is piecewise linear in
 * every parameter up to the softmax; so the weight and bias gradients it materialises (reorder: false:
 * `wgrad:<param>`, `bgrad:<param>`, in integer units, before QAS) must equal central finite differences
 * of its loss. This covers every op's gradient rule (stem conv, pw1, depthwise k3/k5 stride 1/2, pw2,
 * residual add, avgpool, float32 linear head, int8 conv head, softmax cross-entropy) and, through the
 * weights of early convs, the input-gradient chain that reaches them.
 *
 * Finite differences: eps is half an integer step for int8 weights (the function is linear between
 * clamp kinks, so the step can be that large and stays far above float32 noise), 4 steps for int32
 * biases (whose effect is smaller), 0.01 for the float head. The loss is recomputed in float64 from the
 * logits. A side whose perturbation flips a clamp mask bit crossed a kink: the other side's one-sided
 * difference is used, or both are retried with eps / 4; a sample is skipped only if that flips too
 * (counted, and bounded).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backboneConvs, type Graph, type Node, type ParamStore } from '../ir/graph.ts';
import { archFromRows, convCount, type ArchSpec, type BlockRow } from '../models/arch.ts';
import { buildGraph } from '../models/build.ts';
import { modelFromFile } from '../models/model-file.ts';
import { syntheticParams } from '../models/synthetic.ts';
import { convGeom, convInt8, taps, type ConvGeom } from '../ops/conv2d.ts';
import { compileTraining, type TrainingProgram } from '../program/compile.ts';
import { rint } from '../quant/arith.ts';
import { runReference, type ReferenceRun } from '../runtime/executor.ts';
import type { Hyper } from '../runtime/kernels.ts';
import { mulberry32 } from '../util/random.ts';
import { nonSquareNetTflite } from '../../../tests/nonsquare-net.ts';
import { padNetTflite } from '../../../tests/pad-net.ts';
import type { Scheme, WeightUpdate } from './scheme.ts';

const f32 = Math.fround;
const SAMPLES = 20;
const RTOL = 2e-2;
/** Absolute tolerance, relative to the largest gradient of the tensor. */
const ATOL_REL = 2e-3;
/**
 * Float32 noise of the loss: the forward pass rounds every activation to float32, and the rounding
 * errors change chaotically with the perturbation (measured up to about 2e-6 on these networks).
 * A finite difference over a step h carries LOSS_NOISE / h of it.
 */
const LOSS_NOISE = 4e-6;
const EPS = { weight: 0.5, bias: 4, head: 0.01 };

const hyper = (w: number, b: number, h: number): Hyper => ({
  weight: { lr: w, momentum: 0, qas: true }, bias: { lr: b, momentum: 0, qas: true }, head: { lr: h, momentum: 0, qas: false },
});
const FROZEN = hyper(0, 0, 0);

/** Float-mode parameters: every int8/int32 parameter as float32 (same values), so it can be nudged. */
const toFloat = (p: ParamStore): ParamStore => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Float32Array.from(v)]));

/**
 * Synthetic parameters in float mode, with per-output-channel weight scales spread by up to 1.4x either
 * way (synthetic weights share one scale per conv, which would hide a channel mix-up).
 */
function floatParams(g: Graph, seed: number): ParamStore {
  const p = toFloat(syntheticParams(g, seed));
  const rand = mulberry32(seed ^ 0x5ca1e);
  for (const n of g.nodes) {
    if (n.op !== 'conv2d') continue;
    const s = p[n.inputs[3]];
    for (let i = 0; i < s.length; i++) s[i] = f32(s[i] * (0.7 + 0.7 * rand()));
  }
  return p;
}

/** Cross-entropy in float64 from the program's logits. */
function crossEntropy(logits: Float32Array, label: number): number {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  return Math.log(sum) + max - logits[label];
}

interface Case {
  name: string;
  arch: ArchSpec;
  resolution: number;
  head: 'float32' | 'int8';
  scheme: (n: number, g: Graph) => Scheme;
  seed: number;
}

/** Ratios cycled over the trained convs: every fraction, a channel count, and bias-only. */
const CYCLE: WeightUpdate[] = ['1/8', '1/4', '1/2', 1, { channels: 3 }, 0];

const SCHEMES: { name: string; head: 'float32' | 'int8'; make: (n: number, g: Graph) => Scheme }[] = [
  { name: 'full update', head: 'float32', make: (n) => ({ nBias: n, weights: Object.fromEntries(Array.from({ length: n }, (_, i) => [i, 1])), head: 'float32', momentum: false }) },
  {
    name: 'channel ratios', head: 'float32',
    make: (n, g) => ({
      nBias: n, head: 'float32', momentum: false,
      // Each conv gets the next ratio; a channel count larger than the conv has is clipped to all of them.
      weights: Object.fromEntries(backboneConvs(g).map((c, i) => {
        const r = CYCLE[i % CYCLE.length];
        const [cout, cpg] = g.tensors[c.inputs[1]].shape;
        const total = c.attrs.groups > 1 ? cout : cpg;
        return [i, typeof r === 'object' ? { channels: Math.min(r.channels, total) } : r];
      })),
    }),
  },
  { name: 'bias only, int8 head', head: 'int8', make: (n) => ({ nBias: n, weights: {}, head: 'int8', momentum: false }) },
  {
    name: 'last half, int8 head', head: 'int8',
    make: (n) => {
      const k = Math.ceil(n / 2);
      const weights: Record<string, WeightUpdate> = {};
      for (let i = n - k, j = 0; i < n; i += 2, j++) weights[i] = CYCLE[j % 4];
      return { nBias: k, weights, head: 'int8', momentum: false };
    },
  },
];

/** A hand-made network that has every block kind: no-pw1, dw k3/k5 at stride 1 and 2, residuals. */
const COVERING = archFromRows('gc-cover', 8, [
  [0, 8, 3, 1],
  [16, 8, 3, 2],
  [16, 8, 5, 1, '+'],
  [24, 12, 5, 2],
  [24, 12, 3, 1, '+'],
]);

function randomArch(seed: number): ArchSpec {
  const rand = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  let cin = pick([4, 8]);
  const stem = cin;
  const rows: BlockRow[] = [];
  for (let b = 0; b < 3; b++) {
    const mid = b === 0 && rand() < 0.5 ? 0 : pick([8, 12, 16]);
    const stride = pick([1, 2]);
    const out = stride === 1 && rand() < 0.6 ? cin : pick([8, 12]);
    const k = pick([3, 5]);
    rows.push(stride === 1 && out === cin ? [mid, out, k, stride, '+'] : [mid, out, k, stride]);
    cin = out;
  }
  return archFromRows(`gc-rand${seed}`, stem, rows);
}

const ARCHS: [ArchSpec, number][] = [[COVERING, 16], [randomArch(3), 12], [randomArch(8), 14]];

const CASES: Case[] = ARCHS.flatMap(([arch, resolution], ai) => SCHEMES.map((s, si) => ({
  name: `${arch.name} @${resolution}: ${s.name}`, arch, resolution, head: s.head, scheme: s.make, seed: 100 + ai * 10 + si,
})));

/** Index in the full parameter of element q of its (channel-sliced) gradient tensor. */
function paramIndex(node: Node<'conv2d'>, c: ConvGeom, gradShape: number[], q: number): number {
  const kk = taps(c);
  if (node.attrs.groups > 1) return q; // depthwise: [n, 1, kh, kw] is the first n channels of [C, 1, kh, kw]
  const n = gradShape[1];
  const oc = Math.floor(q / (n * kk)), j = Math.floor(q / kk) % n, e = q % kk;
  return (oc * c.cpg + j) * kk + e;
}

function sampleIndices(grad: ArrayLike<number>, rand: () => number): number[] {
  const all = grad.length;
  if (all <= SAMPLES) return Array.from({ length: all }, (_, i) => i);
  const set = new Set<number>();
  let top = 0;
  for (let i = 1; i < all; i++) if (Math.abs(grad[i]) > Math.abs(grad[top])) top = i;
  set.add(top);
  while (set.size < SAMPLES) set.add(Math.floor(rand() * all));
  return [...set];
}

interface Sample { tensor: string; index: number; analytic: number; numeric: number }

class Checker {
  readonly masks: string[];
  readonly base: ReferenceRun;
  readonly loss: number;
  mismatches: Sample[] = [];
  checked = 0;
  nonZero = 0;
  kinks = 0;

  constructor(readonly program: TrainingProgram, readonly params: ParamStore, readonly input: Int8Array, readonly label: number) {
    this.base = this.run(params);
    this.loss = crossEntropy(this.base.logits, label);
    this.masks = Object.keys(program.tensors).filter((t) => program.tensors[t].category === 'mask');
  }

  /** One float-mode step on a copy of the parameters (the deferred updates re-quantize them, even at lr 0). */
  run(params: ParamStore, h: Hyper = FROZEN): ReferenceRun & { params: ParamStore } {
    const copy = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.slice()])) as ParamStore;
    return { ...runReference(this.program, copy, this.input, this.label, { round: false, hyper: h }), params: copy };
  }

  /** Same clamp decisions as the unperturbed run? */
  sameMasks(r: ReferenceRun): boolean {
    return this.masks.every((m) => {
      const a = r.values[m], b = this.base.values[m];
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
      return true;
    });
  }

  /**
   * Finite difference of the float64 loss in one parameter element, with the step it used (central:
   * 2 * eps; one-sided: eps). A side whose perturbation flips a clamp mask bit crossed a kink and is not
   * used; if both sides flip, eps / 4 is tried; null if that flips too.
   */
  numeric(param: string, i: number, eps: number): { value: number; step: number } | null {
    for (const e of [eps, eps / 4]) {
      const at = (d: number) => {
        const p = { ...this.params, [param]: Float32Array.from(this.params[param]) };
        p[param][i] += d;
        return this.run(p);
      };
      const plus = at(e), minus = at(-e);
      const okPlus = this.sameMasks(plus), okMinus = this.sameMasks(minus);
      const lp = crossEntropy(plus.logits, this.label), lm = crossEntropy(minus.logits, this.label);
      if (okPlus && okMinus) return { value: (lp - lm) / (2 * e), step: 2 * e };
      if (okPlus) return { value: (lp - this.loss) / e, step: e };
      if (okMinus) return { value: (this.loss - lm) / e, step: e };
    }
    return null;
  }

  compare(tensor: string, analytic: ArrayLike<number>, indices: number[], toParam: (q: number) => [string, number], eps: number): void {
    let scale = 0;
    for (let i = 0; i < analytic.length; i++) scale = Math.max(scale, Math.abs(analytic[i]));
    for (const q of indices) {
      const [param, i] = toParam(q);
      const num = this.numeric(param, i, eps);
      if (num === null) {
        this.kinks++;
        continue;
      }
      this.checked++;
      const a = analytic[q];
      if (a !== 0) this.nonZero++;
      const tol = LOSS_NOISE / num.step + ATOL_REL * scale + RTOL * Math.max(Math.abs(a), Math.abs(num.value));
      if (Math.abs(a - num.value) > tol) this.mismatches.push({ tensor, index: q, analytic: a, numeric: num.value });
    }
  }
}

describe('float-mode gradients equal finite differences (reorder: false)', () => {
  it('the cases cover every op and block kind', () => {
    const kinds = new Set<string>();
    for (const [arch] of ARCHS) {
      for (const b of arch.blocks) kinds.add(`dw k${b.kernel} s${b.stride}`).add(b.expand ? 'pw1' : 'no pw1').add(b.residual ? 'residual' : 'plain');
    }
    expect([...kinds].sort()).toEqual(['dw k3 s1', 'dw k3 s2', 'dw k5 s1', 'dw k5 s2', 'no pw1', 'plain', 'pw1', 'residual'].sort());
    expect(new Set(SCHEMES.map((s) => s.head))).toEqual(new Set(['float32', 'int8']));
  });

  for (const c of CASES) {
    it(c.name, () => {
      const g = buildGraph(c.arch, { resolution: c.resolution, classes: 5, head: c.head });
      const scheme = c.scheme(convCount(c.arch), g);
      const program = compileTraining(g, scheme, { reorder: false });
      const rand = mulberry32(c.seed);
      const input = Int8Array.from({ length: 3 * c.resolution * c.resolution }, () => Math.floor(rand() * 256) - 128);
      const label = Math.floor(rand() * 5);
      const params = floatParams(g, c.seed);
      const chk = new Checker(program, params, input, label);
      const convs = new Map(g.nodes.filter((n) => n.op === 'conv2d').map((n) => [n.name, n as Node<'conv2d'>]));

      const gradTensors = Object.keys(program.tensors).filter((t) => /^[wb]grad:/.test(t));
      // Every trained conv parameter (the int8 head's too) has its gradient tensor; the float head has none.
      const expected = program.trainable.filter((t) => g.tensors[t.param].dtype !== 'float32')
        .map((t) => `${g.tensors[t.param].kind === 'weight' ? 'wgrad' : 'bgrad'}:${t.param}`);
      expect(gradTensors.sort()).toEqual(expected.sort());

      for (const t of gradTensors) {
        const param = t.slice(6);
        const isBias = t.startsWith('bgrad');
        const node = convs.get(param.slice(0, param.lastIndexOf('.')))!;
        const geom = convGeom(node, g);
        const grad = chk.base.values[t];
        chk.compare(t, grad, sampleIndices(grad, rand),
          (q) => [param, isBias ? q : paramIndex(node, geom, program.tensors[t].shape, q)], isBias ? EPS.bias : EPS.weight);
      }

      if (c.head === 'float32') {
        // The float head is updated in place by linear_update: with lr 1 and no momentum, w_before - w_after
        // is its gradient (up to one float32 rounding of w_after).
        const stepped = chk.run(params, hyper(0, 0, 1)).params;
        for (const p of ['classifier.weight', 'classifier.bias']) {
          const grad = Float64Array.from(params[p], (w, i) => w - stepped[p][i]);
          chk.compare(`head ${p}`, grad, sampleIndices(grad, rand), (q) => [p, q], EPS.head);
        }
      }

      const total = chk.checked + chk.kinks;
      const report = `${c.name}: ${chk.mismatches.length} of ${chk.checked} samples mismatch (${chk.kinks} skipped on clamp kinks)\n` +
        chk.mismatches.slice(0, 12).map((m) => `  ${m.tensor}[${m.index}]: program ${m.analytic.toExponential(4)}, finite difference ${m.numeric.toExponential(4)}`).join('\n');
      expect(chk.mismatches, report).toEqual([]);
      expect(chk.kinks, report).toBeLessThanOrEqual(Math.ceil(total * 0.1));
      // Not vacuous: most sampled gradients are non-zero.
      expect(chk.checked).toBeGreaterThan(gradTensors.length * 5);
      expect(chk.nonZero, report).toBeGreaterThan(chk.checked / 2);
    });
  }
});

describe('float mode is the int8 function without rounding', () => {
  // The gradient check relies on it: each conv kind, run with round: false on fractional inputs and
  // weights, must equal the exact float computation clamp(acc * eff + y_zero).
  const kinds: [string, Omit<ConvGeom, 'ho' | 'wo'>][] = [
    ['pointwise 1x1', { cin: 6, h: 5, w: 5, cout: 4, cpg: 6, kh: 1, kw: 1, stride: 1, ph: 0, pw: 0, groups: 1 }],
    ['stem 3x3 stride 2', { cin: 3, h: 7, w: 7, cout: 4, cpg: 3, kh: 3, kw: 3, stride: 2, ph: 1, pw: 1, groups: 1 }],
    ['depthwise 5x5', { cin: 4, h: 6, w: 6, cout: 4, cpg: 1, kh: 5, kw: 5, stride: 1, ph: 2, pw: 2, groups: 4 }],
    ['stem 10x4 stride 2', { cin: 1, h: 13, w: 7, cout: 3, cpg: 1, kh: 10, kw: 4, stride: 2, ph: 2, pw: 1, groups: 1 }],
    ['depthwise 1x5', { cin: 4, h: 6, w: 8, cout: 4, cpg: 1, kh: 1, kw: 5, stride: 1, ph: 0, pw: 2, groups: 4 }],
  ];
  for (const [name, geom] of kinds) {
    it(name, () => {
      const ho = Math.floor((geom.h + 2 * geom.ph - geom.kh) / geom.stride) + 1, wo = Math.floor((geom.w + 2 * geom.pw - geom.kw) / geom.stride) + 1;
      const c: ConvGeom = { ...geom, ho, wo };
      const rand = mulberry32(9);
      const x = Float32Array.from({ length: c.cin * c.h * c.w }, () => f32(rand() * 40 - 20 + 0.37));
      const w = Float32Array.from({ length: c.cout * c.cpg * c.kh * c.kw }, () => f32(rand() * 20 - 10 + 0.29));
      const bias = Float32Array.from({ length: c.cout }, () => f32(rand() * 10 + 0.5));
      const eff = Float32Array.from({ length: c.cout }, () => f32(0.05 + rand() * 0.05));
      const xZero = 3, yZero = -7;
      const y = new Float32Array(c.cout * ho * wo);
      convInt8(x as unknown as Int8Array, xZero, w as unknown as Int8Array, bias as unknown as Int32Array, eff, y, yZero, c, undefined, false);
      const cpgOut = c.cout / c.groups;
      for (let oc = 0; oc < c.cout; oc++) {
        for (let oy = 0; oy < ho; oy++) {
          for (let ox = 0; ox < wo; ox++) {
            let acc = bias[oc];
            for (let ic = 0; ic < c.cpg; ic++) {
              const xc = Math.floor(oc / cpgOut) * c.cpg + ic;
              for (let ky = 0; ky < c.kh; ky++) {
                for (let kx = 0; kx < c.kw; kx++) {
                  const iy = oy * c.stride - c.ph + ky, ix = ox * c.stride - c.pw + kx;
                  if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
                  acc += (x[(xc * c.h + iy) * c.w + ix] - xZero) * w[((oc * c.cpg + ic) * c.kh + ky) * c.kw + kx];
                }
              }
            }
            const want = Math.min(127, Math.max(-128, acc * eff[oc] + yZero));
            const got = y[(oc * ho + oy) * wo + ox];
            if (Math.abs(got - want) > 1e-3 * Math.max(1, Math.abs(want))) {
              expect.fail(`${name}: y[${oc}, ${oy}, ${ox}] = ${got}, exact ${want}`);
            }
          }
        }
      }
    });
  }
});

describe('the deferred updates apply the QAS-scaled gradient to exactly the trained slice', () => {
  // wgrad/bgrad are right (above); this checks what apply_update_w/b do with them:
  //   p <- clamp(rint(p - lr * g / s_W^2)) for weights, with (s_W * s_x)^2 for biases; all else untouched.
  it(`${COVERING.name}, channel ratios`, () => {
    const g = buildGraph(COVERING, { resolution: 16, classes: 5 });
    const scheme = SCHEMES[1].make(convCount(COVERING), g);
    const program = compileTraining(g, scheme, { reorder: false });
    const params = floatParams(g, 4);
    const after = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.slice()])) as ParamStore;
    const h = hyper(0.05, 0.02, 0);
    const rand = mulberry32(4);
    const input = Int8Array.from({ length: 3 * 16 * 16 }, () => Math.floor(rand() * 256) - 128);
    const run = runReference(program, after, input, 1, { round: false, hyper: h });
    let moved = 0;
    for (const conv of backboneConvs(g)) {
      const [w, b, s] = conv.inputs.slice(1);
      const geom = convGeom(conv, g);
      const kk = taps(geom);
      const sW = params[s];
      const expectW = Float32Array.from(params[w]);
      const gw = run.values[`wgrad:${w}`];
      if (gw) {
        for (let q = 0; q < gw.length; q++) {
          const i = paramIndex(conv, geom, program.tensors[`wgrad:${w}`].shape, q);
          const oc = Math.floor(i / (geom.cpg * kk));
          const step = f32(f32(h.weight.lr) * f32(gw[q] / f32(sW[oc] * sW[oc])));
          expectW[i] = Math.min(127, Math.max(-128, rint(f32(params[w][i] - step))));
        }
      }
      const expectB = Float32Array.from(params[b]);
      const gb = run.values[`bgrad:${b}`];
      if (gb) {
        const sx = f32(g.tensors[conv.inputs[0]].q!.scale);
        for (let oc = 0; oc < gb.length; oc++) {
          const d = f32(f32(sW[oc] * sx) * f32(sW[oc] * sx));
          expectB[oc] = rint(f32(params[b][oc] - f32(f32(h.bias.lr) * f32(gb[oc] / d))));
        }
      }
      for (const [name, want] of [[w, expectW], [b, expectB]] as const) {
        for (let i = 0; i < want.length; i++) {
          if (after[name][i] !== want[i]) expect.fail(`${name}[${i}]: updated to ${after[name][i]}, expected ${want[i]} (was ${params[name][i]})`);
          if (after[name][i] !== params[name][i]) moved++;
        }
      }
    }
    expect(moved).toBeGreaterThan(50);
  });
});

describe('float-mode gradients of general graphs (max-pool, reshape, FC as a conv, concatenation, a 49x10 input, pads, non-square kernels) equal finite differences', () => {
  // Imported .tflite files of other shapes (models/from-tflite-graph.ts), every conv trained.
  // Every conv's whole weight, or (concat-net) the two branches training different shares of the stem's output.
  const cases: [string, Record<string, WeightUpdate> | null][] = [
    ['cnn-maxpool-fc.tflite', null], ['concat-net.tflite', null], ['ds-cnn-kws.tflite', null], ['concat-net.tflite', { 1: '1/2', 2: '1/4', 3: '1/8' }],
    // Convs padding 0 before and 1 after: the first conv's gradients pass through the pad's (a crop).
    ['pad-net.tflite', null],
    // Non-square kernels (a 5x3 and a 1x3 depthwise, a 4x2 conv; the DS-CNN's 10x4 stem above): the
    // input gradients of the later ones reach the first conv's weight gradient.
    ['nonsquare-net.tflite', null],
  ];
  for (const [file, partial] of cases) {
    it(`${file}${partial ? ` ${JSON.stringify(partial)}` : ''}`, () => {
      const bytes = file === 'pad-net.tflite' ? padNetTflite() : file === 'nonsquare-net.tflite' ? nonSquareNetTflite() : new Uint8Array(readFileSync(new URL(`../../../public/models/${file}`, import.meta.url)));
      const g = modelFromFile(file, bytes, { head: 'int8' }).graph;
      const n = backboneConvs(g).length;
      const weights = partial ?? Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), 1]));
      const program = compileTraining(g, { nBias: n, weights, head: 'int8', momentum: false }, { reorder: false });
      const rand = mulberry32(17);
      const [c, h, w] = g.tensors[g.input].shape;
      const input = Int8Array.from({ length: c * h * w }, () => Math.floor(rand() * 256) - 128);
      const params = floatParams(g, 17);
      const chk = new Checker(program, params, input, 3);
      const convs = new Map(g.nodes.filter((x) => x.op === 'conv2d').map((x) => [x.name, x as Node<'conv2d'>]));
      const gradTensors = Object.keys(program.tensors).filter((t) => /^[wb]grad:/.test(t));
      expect(gradTensors.length).toBe(n + 1 + Object.keys(weights).length + 1);
      for (const t of gradTensors) {
        const param = t.slice(6);
        const isBias = t.startsWith('bgrad');
        const node = convs.get(param.slice(0, param.lastIndexOf('.')))!;
        const grad = chk.base.values[t];
        // Smaller steps: a max-pool's argmax is a kink no clamp mask shows, and near-ties are common.
        chk.compare(t, grad, sampleIndices(grad, rand), (q) => [param, isBias ? q : paramIndex(node, convGeom(node, g), program.tensors[t].shape, q)], (isBias ? EPS.bias : EPS.weight) / 16);
      }
      const report = `${file}: ${chk.mismatches.length} of ${chk.checked} samples mismatch (${chk.kinks} skipped on clamp kinks)\n` +
        chk.mismatches.slice(0, 12).map((m) => `  ${m.tensor}[${m.index}]: program ${m.analytic.toExponential(4)}, finite difference ${m.numeric.toExponential(4)}`).join('\n');
      expect(chk.mismatches, report).toEqual([]);
      expect(chk.kinks, report).toBeLessThanOrEqual(Math.ceil((chk.checked + chk.kinks) * 0.1));
      expect(chk.nonZero, report).toBeGreaterThan(chk.checked / 2);
    }, 120_000);
  }
});
