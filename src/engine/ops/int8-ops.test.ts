/**
 * The int8 ops checked exactly against hand-computed values. Every expectation is worked out in the
 * comments (or in plain JS next to them), independently of the kernels; scales are powers of two
 * (exact in float32) unless a test is about float32 itself.
 */
import { describe, expect, it } from 'vitest';
import type { Conv2dAttrs, Graph, Node } from '../ir/graph.ts';
import type { DType, QParams, Tensor, TypedArray } from '../ir/tensor.ts';
import { validateGraph } from '../ir/validate.ts';
import { clampInt8, dequantize, effectiveScale, quantize, requantize, rint } from '../quant/arith.ts';
import { add, addInt8 } from './add.ts';
import { avgpool, avgpoolInt8 } from './avgpool.ts';
import { conv2d, convGeom, convInt8, convRowInt8, ringRows, type ConvGeom } from './conv2d.ts';
import { mulberry32 } from '../util/random.ts';
import { linear } from './linear.ts';
import { softmaxCe, softmaxCeBackward } from './softmax-ce.ts';

const f32 = Math.fround;

function tensor(name: string, kind: Tensor['kind'], shape: number[], dtype: DType, q?: QParams): Tensor {
  return q ? { name, kind, shape, dtype, q } : { name, kind, shape, dtype };
}

interface ConvCase {
  cin: number; h: number; w: number; cout: number;
  k: number; stride: number; pad: number; groups: number;
  xq: QParams; yq: QParams;
  x: number[]; weight: number[]; bias: number[]; wScales: number[];
}

/** A one-conv graph (validated, so the shape rule is exercised too) and its forward output. */
function runConv(c: ConvCase): { y: Int8Array; mask: Uint8Array; g: Graph; node: Node<'conv2d'> } {
  const ho = Math.floor((c.h + 2 * c.pad - c.k) / c.stride) + 1;
  const wo = Math.floor((c.w + 2 * c.pad - c.k) / c.stride) + 1;
  const tensors: Record<string, Tensor> = {};
  for (const t of [
    tensor('x', 'input', [c.cin, c.h, c.w], 'int8', c.xq),
    tensor('w', 'weight', [c.cout, c.cin / c.groups, c.k, c.k], 'int8'),
    tensor('b', 'bias', [c.cout], 'int32'),
    tensor('s', 'scales', [c.cout], 'float32'),
    tensor('y', 'output', [c.cout, ho, wo], 'int8', c.yq),
  ]) tensors[t.name] = t;
  const attrs: Conv2dAttrs = { kernel: c.k, stride: c.stride, padding: c.pad, groups: c.groups, role: 'stem', block: -1, convIndex: 0 };
  const node: Node<'conv2d'> = { name: 'conv0', op: 'conv2d', inputs: ['x', 'w', 'b', 's'], outputs: ['y'], attrs };
  const g: Graph = { name: 'one-conv', tensors, nodes: [node], input: 'x', logits: 'y' };
  validateGraph(g);
  const y = new Int8Array(c.cout * ho * wo);
  const mask = new Uint8Array(Math.ceil(y.length / 8));
  const ins: TypedArray[] = [Int8Array.from(c.x), Int8Array.from(c.weight), Int32Array.from(c.bias), Float32Array.from(c.wScales)];
  conv2d.forward(node, g, ins, [y, mask]);
  return { y, mask, g, node };
}

const maskBits = (mask: Uint8Array, n: number) => Array.from({ length: n }, (_, i) => (mask[i >> 3] >> (i & 7)) & 1);
const unit: QParams = { scale: 1, zeroPoint: 0 };

describe('quantization arithmetic (quant/arith.ts)', () => {
  it('rint rounds half to even, like torch.round and rintf', () => {
    const cases: [number, number][] = [
      [0.5, 0], [1.5, 2], [2.5, 2], [3.5, 4], [-0.5, 0], [-1.5, -2], [-2.5, -2], [-3.5, -4],
      [2.4999, 2], [2.5001, 3], [-2.5001, -3], [127.5, 128], [-128.5, -128], [7, 7], [-7, -7],
    ];
    for (const [x, want] of cases) expect([x, rint(x) + 0]).toEqual([x, want]);
  });

  it('requantize computes round(float32(acc * scale)) + zero, then clamps to int8', () => {
    expect(requantize(5, 0.5, 0)).toBe(2); // 2.5 -> 2
    expect(requantize(7, 0.5, 0)).toBe(4); // 3.5 -> 4
    expect(requantize(-5, 0.5, 0)).toBe(-2); // -2.5 -> -2
    expect(requantize(5, 0.5, 10)).toBe(12); // round first, then add the zero point
    expect(requantize(1000, 0.25, 0)).toBe(127); // 250 clamps
    expect(requantize(-1000, 0.25, 0)).toBe(-128);
    expect(requantize(510, 0.5, -128)).toBe(127); // 255 - 128
    expect(requantize(512, 0.5, -128)).toBe(127); // 256 - 128 = 128 clamps
    expect(requantize(-2, 0.5, -128)).toBe(-128); // -1 - 128 = -129 clamps
  });

  it('the float32 product matters: 5 * f32(0.1) rounds to exactly 0.5 in float32, hence 0', () => {
    const s = f32(0.1); // 0.100000001490116...
    expect(5 * s).toBeGreaterThan(0.5); // in float64 it would round to 1
    expect(f32(5 * s)).toBe(0.5);
    expect(requantize(5, s, 0)).toBe(0);
    expect(requantize(25, s, 0)).toBe(2); // f32(2.50000003...) = 2.5 -> 2
  });

  it('effective scale is x_scale * w_scale / y_scale in float32', () => {
    expect(effectiveScale(0.5, 0.25, 0.5)).toBe(0.25);
    expect(effectiveScale(2, 0.125, 0.25)).toBe(1);
    expect(effectiveScale(0.1, 0.2, 0.3)).toBe(f32(f32(f32(0.1) * f32(0.2)) / f32(0.3)));
    expect(effectiveScale(0.1, 0.2, 0.3)).not.toBe(0.1 * 0.2 / 0.3);
  });

  it('quantize and dequantize are inverse on the grid', () => {
    expect(dequantize(10, 0.25, -2)).toBe(3); // (10 + 2) * 0.25
    expect(quantize(3, 0.25, -2)).toBe(10);
    expect(quantize(0.375, 0.25, 0)).toBe(2); // 1.5 -> 2
    expect(quantize(0.625, 0.25, 0)).toBe(2); // 2.5 -> 2
    expect(quantize(1e6, 0.25, 0)).toBe(127);
    expect(clampInt8(-200)).toBe(-128);
  });
});

describe('conv2d', () => {
  it('pointwise: rounds half to even at every output', () => {
    // 1x1, one channel in and out, w = 1, bias 0, effective scale 1 * 0.5 / 1 = 0.5: y = rint(x / 2).
    const x = [5, 7, -5, 3, 4, -7, 1, -1];
    const { y } = runConv({ cin: 1, h: 2, w: 4, cout: 1, k: 1, stride: 1, pad: 0, groups: 1, xq: unit, yq: unit, x, weight: [1], bias: [0], wScales: [0.5] });
    // 2.5 -> 2, 3.5 -> 4, -2.5 -> -2, 1.5 -> 2, 2, -3.5 -> -4, 0.5 -> 0, -0.5 -> 0
    expect(Array.from(y)).toEqual([2, 4, -2, 2, 2, -4, 0, 0]);
  });

  it('clamps at -128 and 127 and records the clamp in the mask', () => {
    // acc = x * 1 + bias 100, scale 1, zero -128: y = x + 100 - 128 = x - 28.
    const x = [127, 120, 0, -128, 50, -100, -101, 28];
    const { y, mask } = runConv({
      cin: 1, h: 1, w: 8, cout: 1, k: 1, stride: 1, pad: 0, groups: 1, xq: unit, yq: { scale: 1, zeroPoint: -128 },
      x, weight: [1], bias: [100], wScales: [1],
    });
    // 99, 92, -28, -156 -> -128, 22, -128, -129 -> -128, 0
    expect(Array.from(y)).toEqual([99, 92, -28, -128, 22, -128, -128, 0]);
    expect(maskBits(mask, 8)).toEqual([1, 1, 1, 0, 1, 1, 0, 1]);
    // And above: 127 + 100 = 227 with zero -100 -> 127 fits exactly; 228 - 100 = 128 does not.
    const hi = runConv({ cin: 1, h: 1, w: 2, cout: 1, k: 1, stride: 1, pad: 0, groups: 1, xq: unit, yq: { scale: 1, zeroPoint: -100 },
      x: [127, 127], weight: [1], bias: [100], wScales: [1] });
    expect(Array.from(hi.y)).toEqual([127, 127]);
    const over = runConv({ cin: 1, h: 1, w: 1, cout: 1, k: 1, stride: 1, pad: 0, groups: 1, xq: unit, yq: { scale: 1, zeroPoint: -99 },
      x: [127], weight: [1], bias: [100], wScales: [1] });
    expect(Array.from(over.y)).toEqual([127]);
    expect(maskBits(over.mask, 1)).toEqual([0]);
  });

  it('subtracts the input zero point, and padded pixels (equal to x_zero) contribute nothing', () => {
    // 3x3 input of 10s with x_zero 5, so x - x_zero = 5 everywhere; 3x3 kernel of ones, pad 1.
    // A corner output covers 4 real pixels (20), an edge 6 (30), the centre 9 (45).
    // If the padding were raw zeros it would add (0 - 5) per padded tap, e.g. corner 20 - 25 = -5.
    const { y } = runConv({
      cin: 1, h: 3, w: 3, cout: 1, k: 3, stride: 1, pad: 1, groups: 1, xq: { scale: 1, zeroPoint: 5 }, yq: unit,
      x: Array(9).fill(10), weight: Array(9).fill(1), bias: [0], wScales: [1],
    });
    expect(Array.from(y)).toEqual([20, 30, 20, 30, 45, 30, 20, 30, 20]);
    // Bias 3, y_zero -10, x_scale 0.5, w_scale 0.5, y_scale 0.5: eff 0.5, y = rint((acc + 3) / 2) - 10.
    // corner 23 / 2 = 11.5 -> 12 -> 2; edge 33 / 2 = 16.5 -> 16 -> 6; centre 48 / 2 = 24 -> 14.
    const q = runConv({
      cin: 1, h: 3, w: 3, cout: 1, k: 3, stride: 1, pad: 1, groups: 1, xq: { scale: 0.5, zeroPoint: 5 }, yq: { scale: 0.5, zeroPoint: -10 },
      x: Array(9).fill(10), weight: Array(9).fill(1), bias: [3], wScales: [0.5],
    });
    expect(Array.from(q.y)).toEqual([2, 6, 2, 6, 14, 6, 2, 6, 2]);
  });

  it('uses a per-output-channel weight scale', () => {
    // Pointwise, 2 -> 2 channels, 1 x 2 pixels. x_zero 1: x ch0 = [3, -1] -> [2, -2]; ch1 = [2, 5] -> [1, 4].
    // W oc0 = [1, 2], oc1 = [-3, 1]; bias [1, -2].
    // acc oc0 = [2 + 2 + 1, -2 + 8 + 1] = [5, 7]; oc1 = [-6 + 1 - 2, 6 + 4 - 2] = [-7, 8].
    // eff = 0.5 * w_scale / 0.5 = [0.25, 1]: oc0 = [1.25 -> 1, 1.75 -> 2]; oc1 = [-7, 8]; then + y_zero 3.
    const { y } = runConv({
      cin: 2, h: 1, w: 2, cout: 2, k: 1, stride: 1, pad: 0, groups: 1, xq: { scale: 0.5, zeroPoint: 1 }, yq: { scale: 0.5, zeroPoint: 3 },
      x: [3, -1, 2, 5], weight: [1, 2, -3, 1], bias: [1, -2], wScales: [0.25, 1],
    });
    expect(Array.from(y)).toEqual([4, 5, -4, 11]);
  });

  it('3x3, stride 2, padding 1', () => {
    // 4x4 input X[r][c] = 4r + c + 1 (1..16), Sobel kernel [[1,0,-1],[2,0,-2],[1,0,-1]]: output 2x2,
    // centred at input (0,0), (0,2), (2,0), (2,2). out = sum_r k_r * (X[r][c-1] - X[r][c+1]):
    //  (0,0): row 0: (pad - 2) * 2 = -4; row 1: (pad - 6) * 1 = -6           -> -10
    //  (0,2): row 0: (2 - 4) * 2 = -4;   row 1: (6 - 8) = -2                 -> -6
    //  (2,0): rows 1..3: -6 * 1 + -10 * 2 + -14 * 1                          -> -40
    //  (2,2): rows 1..3: -2 + -2 * 2 + -2                                    -> -8
    const sobel = [1, 0, -1, 2, 0, -2, 1, 0, -1];
    const X = Array.from({ length: 16 }, (_, i) => i + 1);
    const base = { cin: 1, h: 4, w: 4, cout: 1, k: 3, stride: 2, pad: 1, groups: 1, weight: sobel, bias: [0], wScales: [1] };
    expect(Array.from(runConv({ ...base, xq: unit, yq: unit, x: X }).y)).toEqual([-10, -6, -40, -8]);
    // The same with x shifted by x_zero = 3 (padding must still count as zero) and eff 0.25:
    // -2.5 -> -2, -1.5 -> -2, -10, -2.
    const shifted = runConv({ ...base, xq: { scale: 1, zeroPoint: 3 }, yq: { scale: 4, zeroPoint: 0 }, x: X.map((v) => v + 3) });
    expect(Array.from(shifted.y)).toEqual([-2, -2, -10, -2]);
  });

  it('depthwise (groups = C), also in place over its input', () => {
    // 2 channels of 3x3, pad 1. ch0: all ones, kernel all ones -> number of in-bounds taps.
    // ch1: X = 1..9, kernel 2 at the centre only, bias 1, eff 0.5 -> rint(x + 0.5), half to even:
    // 1.5 -> 2, 2.5 -> 2, 3.5 -> 4, 4.5 -> 4, 5.5 -> 6, 6.5 -> 6, 7.5 -> 8, 8.5 -> 8, 9.5 -> 10.
    const c: ConvCase = {
      cin: 2, h: 3, w: 3, cout: 2, k: 3, stride: 1, pad: 1, groups: 2, xq: { scale: 0.5, zeroPoint: 0 }, yq: { scale: 0.5, zeroPoint: 0 },
      x: [...Array(9).fill(1), 1, 2, 3, 4, 5, 6, 7, 8, 9],
      weight: [...Array(9).fill(1), 0, 0, 0, 0, 2, 0, 0, 0, 0], bias: [0, 1], wScales: [1, 0.5],
    };
    const want = [4, 6, 4, 6, 9, 6, 4, 6, 4, 2, 2, 4, 4, 6, 6, 8, 8, 10];
    const { y, g, node } = runConv(c);
    expect(Array.from(y)).toEqual(want);
    // In place: the kernel computes each channel into a workspace before writing it.
    const geom: ConvGeom = convGeom(node, g);
    const buf = Int8Array.from(c.x);
    convInt8(buf, 0, Int8Array.from(c.weight), Int32Array.from(c.bias), Float32Array.of(1, 0.5), buf, 0, geom);
    expect(Array.from(buf)).toEqual(want);
  });

  it('a 2-group grouped conv reads only its group\'s input channels', () => {
    // 4 -> 4 channels, groups 2 (not depthwise): oc 0, 1 read ch 0, 1; oc 2, 3 read ch 2, 3.
    // 1x1 kernels: oc0 = [0, 1] -> x1; oc1 = [1, 0] -> x0; oc2 = [0, 1] -> x3; oc3 = [2, 1] -> 2 x2 + x3.
    const x = [1, 2, 3, 4, /* ch1 */ 10, 20, 30, 40, /* ch2 */ -1, -2, -3, -4, /* ch3 */ 5, 6, 7, 8];
    const { y } = runConv({
      cin: 4, h: 2, w: 2, cout: 4, k: 1, stride: 1, pad: 0, groups: 2, xq: unit, yq: unit,
      x, weight: [0, 1, 1, 0, 0, 1, 2, 1], bias: [0, 0, 0, 0], wScales: [1, 1, 1, 1],
    });
    expect(Array.from(y)).toEqual([10, 20, 30, 40, 1, 2, 3, 4, 5, 6, 7, 8, 3, 2, 1, 0]);
  });

  it('depthwise 3x3 with stride 2 and a 2-group 3x3 conv with stride 2', () => {
    // Depthwise, 2 channels, 3x3 input, stride 2, pad 1 -> 2x2, centred at (0,0), (0,2), (2,0), (2,2).
    // ch0: X = 1..9, kernel of ones -> sums of the in-bounds 2x2 blocks:
    //   (1+2+4+5) = 12, (2+3+5+6) = 16, (4+5+7+8) = 24, (5+6+8+9) = 28.
    // ch1: all 2, kernel 1 at tap (0,0) only, which reads input (cy-1, cx-1): padding except at (2,2).
    const X = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const ones = Array(9).fill(1), tap00 = [1, 0, 0, 0, 0, 0, 0, 0, 0];
    const centre = (v: number) => [0, 0, 0, 0, v, 0, 0, 0, 0];
    const dw = runConv({
      cin: 2, h: 3, w: 3, cout: 2, k: 3, stride: 2, pad: 1, groups: 2, xq: unit, yq: unit,
      x: [...X, ...Array(9).fill(2)], weight: [...ones, ...tap00], bias: [0, 0], wScales: [1, 1],
    });
    expect(Array.from(dw.y)).toEqual([12, 16, 24, 28, 0, 0, 0, 2]);
    // Grouped: 4 -> 2 channels, groups 2 (2 input channels per group, one output per group).
    // oc0 = ch0 * ones + ch1 (all 1) * centre 1          -> [12, 16, 24, 28] + 1 = [13, 17, 25, 29]
    // oc1 = ch2 (all 2) * tap00 + ch3 (1..9) * centre -1 -> [0, 0, 0, 2] - X at the centres [1, 3, 7, 9]
    //                                                      = [-1, -3, -7, -7]
    const grouped = runConv({
      cin: 4, h: 3, w: 3, cout: 2, k: 3, stride: 2, pad: 1, groups: 2, xq: unit, yq: unit,
      x: [...X, ...Array(9).fill(1), ...Array(9).fill(2), ...X],
      weight: [...ones, ...centre(1), ...tap00, ...centre(-1)], bias: [0, 0], wScales: [1, 1],
    });
    expect(Array.from(grouped.y)).toEqual([13, 17, 25, 29, -1, -3, -7, -7]);
  });

  it('counts MACs as cout * ho * wo * cin_per_group * k * k', () => {
    const { g, node } = runConv({
      cin: 4, h: 4, w: 4, cout: 2, k: 3, stride: 2, pad: 1, groups: 2, xq: unit, yq: unit,
      x: Array(64).fill(0), weight: Array(2 * 2 * 9).fill(0), bias: [0, 0], wScales: [1, 1],
    });
    expect(conv2d.macs(node, g)).toBe(2 * 2 * 2 * 2 * 9);
  });

  it('pointwise fast paths (planes and rows, any span length, any output-channel count) equal the definition', () => {
    const r = mulberry32(5);
    const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    for (const [cin, cout, h, w] of [[37, 11, 5, 9], [3, 1, 1, 70], [16, 6, 8, 8]]) {
      const xq = { scale: 0.02, zeroPoint: int(-20, 20) }, yq = { scale: 0.05, zeroPoint: int(-128, 10) };
      const x = Array.from({ length: cin * h * w }, () => int(-128, 127));
      const weight = Array.from({ length: cout * cin }, () => (r() < 0.1 ? 0 : int(-128, 127)));
      const bias = Array.from({ length: cout }, () => int(-5000, 5000));
      const wScales = Array.from({ length: cout }, () => f32(0.0005 + r() * 0.002));
      const { y, mask } = runConv({ cin, h, w, cout, k: 1, stride: 1, pad: 0, groups: 1, xq, yq, x, weight, bias, wScales });
      // The definition, output by output.
      const want: number[] = [], wantMask: number[] = [];
      for (let oc = 0; oc < cout; oc++) {
        for (let p = 0; p < h * w; p++) {
          let acc = bias[oc];
          for (let ic = 0; ic < cin; ic++) acc += (x[ic * h * w + p] - xq.zeroPoint) * weight[oc * cin + ic];
          const v = rint(f32(acc * effectiveScale(xq.scale, wScales[oc], yq.scale))) + yq.zeroPoint;
          want.push(clampInt8(v));
          wantMask.push(v >= -128 && v <= 127 ? 1 : 0);
        }
      }
      expect(Array.from(y)).toEqual(want);
      expect(maskBits(mask, want.length)).toEqual(wantMask);
      // Row by row from a 2-row ring into a 1-row ring, as the fused stage runs it.
      const c: ConvGeom = { cin, h, w, cout, ho: h, wo: w, cpg: cin, kh: 1, kw: 1, stride: 1, ph: 0, pw: 0, groups: 1 };
      const eff = Float32Array.from(wScales, (s) => effectiveScale(xq.scale, s, yq.scale));
      const ring = new Int8Array(cin * 2 * w), out = new Int8Array(cout * w);
      for (let oy = 0; oy < h; oy++) {
        for (let ic = 0; ic < cin; ic++) for (let ox = 0; ox < w; ox++) ring[ic * 2 * w + (oy % 2) * w + ox] = x[ic * h * w + oy * w + ox];
        convRowInt8(ringRows(ring, 2, w), xq.zeroPoint, Int8Array.from(weight), Int32Array.from(bias), eff, ringRows(out, 1, w), yq.zeroPoint, c, oy);
        for (let oc = 0; oc < cout; oc++) expect(Array.from(out.subarray(oc * w, (oc + 1) * w))).toEqual(want.slice(oc * h * w + oy * w, oc * h * w + (oy + 1) * w));
      }
    }
  });
});

describe('residual add', () => {
  it('dequantizes both inputs with their own scales, adds, and requantizes (half to even, clamped)', () => {
    // a: scale 0.5, zero 0; b: scale 0.25, zero -2.
    // a = [3, 5, 127, -128, 1]  -> [1.5, 2.5, 63.5, -64, 0.5]
    // b = [2, 8, 127, 0, -1]    -> (b + 2) / 4 = [1, 2.5, 32.25, 0.5, 0.25]
    // sum                       =  [2.5, 5, 95.75, -63.5, 0.75]
    const a = Int8Array.of(3, 5, 127, -128, 1), b = Int8Array.of(2, 8, 127, 0, -1);
    const y = new Int8Array(5);
    // Output scale 1, zero 3: rint(sum) = [2, 5, 96, -64, 1], + 3.
    addInt8(a, 0.5, 0, b, 0.25, -2, y, 1, 3);
    expect(Array.from(y)).toEqual([5, 8, 99, -61, 4]);
    // Output scale 0.5, zero -1: sum / 0.5 = [5, 10, 191.5, -127, 1.5] -> [5, 10, 192, -127, 2] - 1,
    // with 191 clamped to 127.
    const mask = new Uint8Array(1);
    addInt8(a, 0.5, 0, b, 0.25, -2, y, 0.5, -1, mask);
    expect(Array.from(y)).toEqual([4, 9, 127, -128, 1]);
    expect(maskBits(mask, 5)).toEqual([1, 1, 0, 1, 1]);
  });

  it('the add op reads the scales off the graph', () => {
    const tensors: Record<string, Tensor> = {
      a: tensor('a', 'input', [1, 1, 2], 'int8', { scale: 0.5, zeroPoint: 0 }),
      b: tensor('b', 'input', [1, 1, 2], 'int8', { scale: 0.25, zeroPoint: -2 }),
      y: tensor('y', 'output', [1, 1, 2], 'int8', { scale: 1, zeroPoint: 3 }),
    };
    const node: Node<'add'> = { name: 'block0.add', op: 'add', inputs: ['a', 'b'], outputs: ['y'], attrs: { block: 0 } };
    const g: Graph = { name: 'add', tensors, nodes: [node], input: 'a', logits: 'y' };
    validateGraph(g);
    const y = new Int8Array(2);
    add.forward(node, g, [Int8Array.of(3, 5), Int8Array.of(2, 8)], [y]);
    expect(Array.from(y)).toEqual([5, 8]);
  });
});

describe('global average pool', () => {
  it('rounds the mean half to even and keeps the scale and zero point', () => {
    // Means: 10/4 = 2.5 -> 2; 14/4 = 3.5 -> 4; -10/4 = -2.5 -> -2; -128; 127; 9/4 = 2.25 -> 2; 11/4 = 2.75 -> 3.
    const x = Int8Array.of(1, 2, 3, 4, 1, 2, 3, 8, -1, -2, -3, -4, -128, -128, -128, -128, 127, 127, 127, 127, 0, 0, 0, 9, 0, 0, 0, 11);
    const y = new Int8Array(7);
    avgpoolInt8(x, 7, 4, y);
    expect(Array.from(y)).toEqual([2, 4, -2, -128, 127, 2, 3]);
    // Over 3 values: 2 / 3 = 0.667 -> 1; -4 / 3 = -1.333 -> -1.
    const z = new Int8Array(2);
    avgpoolInt8(Int8Array.of(1, 1, 0, -2, -2, 0), 2, 3, z);
    expect(Array.from(z)).toEqual([1, -1]);

    const q = { scale: 0.125, zeroPoint: -7 };
    const inShapes = avgpool.inferShapes({ name: 'pool', op: 'avgpool', inputs: ['x'], outputs: ['p'], attrs: {} },
      [tensor('x', 'activation', [7, 2, 2], 'int8', q)]);
    expect(inShapes).toEqual([[7, 1, 1]]);
  });
});

describe('float32 head (linear)', () => {
  it('dequantizes the pooled features, then y = W x + b', () => {
    // x = [0, 2, -2] at scale 0.5, zero -2 -> real [1, 2, 0].
    // W = [[1, 2, 3], [-1, 0.5, 4]], b = [0.25, -1]:
    // y0 = 0.25 + 1 + 4 + 0 = 5.25; y1 = -1 - 1 + 1 + 0 = -1.
    const tensors: Record<string, Tensor> = {
      x: tensor('x', 'input', [3, 1, 1], 'int8', { scale: 0.5, zeroPoint: -2 }),
      w: tensor('w', 'weight', [2, 3], 'float32'),
      b: tensor('b', 'bias', [2], 'float32'),
      y: tensor('y', 'output', [2, 1, 1], 'float32'),
    };
    const node: Node<'linear'> = { name: 'classifier', op: 'linear', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: {} };
    const g: Graph = { name: 'head', tensors, nodes: [node], input: 'x', logits: 'y' };
    validateGraph(g);
    const y = new Float32Array(2);
    linear.forward(node, g, [Int8Array.of(0, 2, -2), Float32Array.of(1, 2, 3, -1, 0.5, 4), Float32Array.of(0.25, -1)], [y]);
    expect(Array.from(y)).toEqual([5.25, -1]);
    expect(linear.macs(node, g)).toBe(6);
  });
});

describe('softmax cross-entropy', () => {
  const lossOf = (logits: TypedArray, label: number, q?: QParams): number => {
    const tensors: Record<string, Tensor> = {
      z: tensor('z', 'input', [logits.length, 1, 1], logits instanceof Int8Array ? 'int8' : 'float32', q),
      label: tensor('label', 'label', [1], 'int32'),
      loss: tensor('loss', 'output', [1], 'float32'),
    };
    const node: Node<'softmax_ce'> = { name: 'loss', op: 'softmax_ce', inputs: ['z', 'label'], outputs: ['loss'], attrs: {} };
    const g: Graph = { name: 'ce', tensors, nodes: [node], input: 'z', logits: 'loss' };
    validateGraph(g);
    const out = new Float32Array(1);
    softmaxCe.forward(node, g, [logits, Int32Array.of(label)], [out]);
    return out[0];
  };

  it('is -log softmax(z)[label]', () => {
    // z = [1, 2, 3]: -log(e^3 / (e + e^2 + e^3)) = log(1 + e^-1 + e^-2) = 0.40760596...
    const want = Math.log(1 + Math.exp(-1) + Math.exp(-2));
    expect(lossOf(Float32Array.of(1, 2, 3), 2)).toBeCloseTo(want, 6);
    // label 0: log(e + e^2 + e^3) - 1 = 2.40760596...
    expect(lossOf(Float32Array.of(1, 2, 3), 0)).toBeCloseTo(want + 2, 5);
    // Equal logits: log(4).
    expect(lossOf(Float32Array.of(7, 7, 7, 7), 3)).toBeCloseTo(Math.log(4), 6);
    // int8 logits are dequantized first: [2, 4, 6] at scale 0.5 are [1, 2, 3].
    expect(lossOf(Int8Array.of(2, 4, 6), 2, { scale: 0.5, zeroPoint: 0 })).toBeCloseTo(want, 6);
    expect(lossOf(Int8Array.of(0, 2, 4), 2, { scale: 0.5, zeroPoint: -2 })).toBeCloseTo(want, 6);
    // Large logits do not overflow: [1000, 1010] -> log(1 + e^-10) for label 1.
    expect(lossOf(Float32Array.of(1000, 1010), 1)).toBeCloseTo(Math.log(1 + Math.exp(-10)), 6);
    expect(lossOf(Float32Array.of(30, 0), 1)).toBeCloseTo(30, 4);
  });

  it('its gradient is softmax - onehot (times the logit scale for int8 logits)', () => {
    const p = [1, 2, 3].map((v) => Math.exp(v)).map((e, _i, a) => e / a.reduce((s, v) => s + v, 0));
    const loss = new Float32Array(1), g = new Float32Array(3);
    softmaxCeBackward(Float32Array.of(1, 2, 3), undefined, 1, loss, g);
    expect(Array.from(g).map((v, i) => v - (p[i] - (i === 1 ? 1 : 0))).every((d) => Math.abs(d) < 1e-6)).toBe(true);
    softmaxCeBackward(Int8Array.of(2, 4, 6), { scale: 0.5, zeroPoint: 0 }, 1, loss, g);
    expect(Array.from(g).map((v, i) => v - 0.5 * (p[i] - (i === 1 ? 1 : 0))).every((d) => Math.abs(d) < 1e-6)).toBe(true);
    expect(loss[0]).toBeCloseTo(-Math.log(p[1]), 6);
  });
});
