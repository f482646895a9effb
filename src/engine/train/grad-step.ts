/**
 * One forward + backward pass of a training program that hands every trained parameter's gradient to
 * the caller instead of updating in place. This is what gradient accumulation, the float32 baseline,
 * stochastic rounding and the `grad` verb need; the device program (in-place updates, operator
 * reordering) is the same arithmetic with the update fused in.
 *
 * The program is compiled with `reorder: false` (see gradProgram): each trained conv then writes its
 * whole weight and bias gradient (`conv_grad_w`, `conv_grad_b`) into the arena and a deferred
 * `apply_update_*` kernel would consume it. The runner runs every forward and backward kernel and, at
 * the point where an update kernel would run, passes the gradient to a sink (its buffer is still live
 * there: the memory plan was made with the update in place). The float head's update is computed from
 * its input and output gradient the same way.
 *
 * Two precisions:
 *  - int8: the arena as on the device (one ArrayBuffer, planned offsets), int8 activations, rounding.
 *  - fp32: the same network without rounding (float activations in integer units, float parameters),
 *    a buffer per tensor as the reference executor does. The pointwise fast path of convInt8
 *    accumulates in an Int32Array, so this mode runs pointwise convs with its own float kernel.
 */
import type { Graph, ParamStore } from '../ir/graph.ts';
import { numel, type TypedArray } from '../ir/tensor.ts';
import { convEff } from '../kernels/conv-binding.ts';
import { convInt8, isPointwise, taps } from '../ops/conv2d.ts';
import { setMaskBit } from '../ops/grad-kernels.ts';
import { compileTraining, type TrainingProgram } from '../program/compile.ts';
import type { Kernel, ProgramKernel, ProgramKernelOf } from '../program/types.ts';
import { dequantize } from '../quant/arith.ts';
import { arenaViews, loadInput } from '../runtime/executor.ts';
import { kernelTable } from '../runtime/backend.ts';
import { runKernel, type ExecEnv, type Hyper } from '../runtime/kernels.ts';
import type { Scheme } from './scheme.ts';

export type Precision = 'int8' | 'fp32';

/** A trained parameter's gradient for one image: `grad[i]` belongs to element `index(i)` of the parameter. */
export interface ParamGrad {
  param: string;
  /** The gradient w.r.t. the stored value (integer units for int8/int32 parameters). */
  grad: Float32Array;
  /** Element of the parameter each gradient entry belongs to. */
  index: Int32Array;
  kind: 'weight' | 'bias' | 'head';
  /** The divisor QAS applies to each entry (s_W^2 or (s_W s_x)^2; 1 for the float head). */
  qasDiv: Float32Array;
}

const HYPER_UNUSED: Hyper = {
  weight: { lr: 0, momentum: 0, qas: false }, bias: { lr: 0, momentum: 0, qas: false }, head: { lr: 0, momentum: 0, qas: false },
};

/** The program a GradRunner needs: gradients kept whole, no momentum state in the program (the trainer keeps its own). */
export function gradProgram(graph: Graph, scheme: Scheme, precision: Precision = 'int8'): TrainingProgram {
  return compileTraining(graph, { ...scheme, momentum: false }, {
    reorder: false, fuseBackward: false, fuseBlockBackward: false, fuseRows: precision === 'int8', inPlace: precision === 'int8',
  });
}

/** Float copies of the parameters, for fp32 training (int8 weights and int32 biases keep their integer units). */
export function floatParams(params: ParamStore): ParamStore {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Float32Array.from(v)]));
}

export class GradRunner {
  private readonly views: Record<string, TypedArray> = {};
  private readonly env: ExecEnv;
  /** Index maps and QAS divisors per update kernel, built once. */
  private readonly layouts = new Map<string, { index: Int32Array; qasDiv: Float32Array; grad: Float32Array }>();

  constructor(readonly program: TrainingProgram, readonly params: ParamStore, readonly precision: Precision = 'int8') {
    if (precision === 'int8') {
      this.views = arenaViews(program, new ArrayBuffer(program.arenaBytes));
    } else {
      for (const t of Object.values(program.tensors)) {
        const n = numel(t.shape);
        this.views[t.name] = t.dtype === 'bit' ? new Uint8Array(Math.ceil(n / 8)) : t.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
      }
    }
    this.env = { buf: (n) => this.views[n], param: (n) => this.params[n], hyper: HYPER_UNUSED, round: precision === 'int8' };
  }

  /** Forward only: returns the logits (real-valued). */
  forward(input: Int8Array | Float32Array): Float32Array {
    this.load(input, 0);
    for (const k of this.program.kernels) if (k.phase === 'forward') this.exec(k);
    return this.logits();
  }

  /** A tensor's value after the last forward (integer units; float in fp32 mode): what activation calibration reads. */
  value(name: string): TypedArray {
    const v = this.views[name];
    if (!v) throw new Error(`internal: the program has no tensor "${name}"`);
    return v;
  }

  /** Forward and backward on one image; `sink` receives each trained parameter's gradient (valid only during the call). */
  step(input: Int8Array | Float32Array, label: number, sink: (g: ParamGrad) => void): { loss: number; logits: Float32Array } {
    this.load(input, label);
    for (const k of this.program.kernels) {
      if (k.phase !== 'update') this.exec(k);
      else for (const pg of this.gradsOf(k)) sink(pg);
    }
    return { loss: this.views[this.program.graph.loss!][0], logits: this.logits() };
  }

  private load(input: Int8Array | Float32Array, label: number): void {
    loadInput(this.program, this.views, input, label);
  }

  private logits(): Float32Array {
    const g = this.program.graph;
    const q = g.tensors[g.logits].q;
    return Float32Array.from(this.views[g.logits], (v) => (q ? (v - q.zeroPoint) * q.scale : v));
  }

  private exec(k: ProgramKernel): void {
    if (this.precision === 'fp32' && k.op === 'conv2d') floatConv(k, this.env);
    else runKernel(kernelTable(this.env.round), k, this.env);
  }

  private gradsOf(k: ProgramKernel): ParamGrad[] {
    if (k.op === 'linear_update') {
      const x = this.views[k.inputs[0]], gy = this.views[k.inputs[1]] as Float32Array;
      const c = x.length, n = gy.length;
      const lay = this.layout(k, () => {
        const idx = new Int32Array(n * c + n);
        for (let i = 0; i < n * c; i++) idx[i] = i;
        for (let o = 0; o < n; o++) idx[n * c + o] = o;
        return { index: idx, qasDiv: new Float32Array(n * c + n).fill(1) };
      });
      for (let o = 0; o < n; o++) {
        for (let i = 0; i < c; i++) lay.grad[o * c + i] = gy[o] * dequantize(x[i], k.attrs.xScale, k.attrs.xZero);
        lay.grad[n * c + o] = gy[o];
      }
      // Two parameters in one kernel: the head weight, then its bias.
      const part = (param: string, a: number, b: number): ParamGrad => ({
        param, grad: lay.grad.subarray(a, b), index: lay.index.subarray(a, b), kind: 'head', qasDiv: lay.qasDiv.subarray(a, b),
      });
      return [part(k.params[0], 0, n * c), part(k.params[1], n * c, n * c + n)];
    }
    if (k.op !== 'apply_update_w' && k.op !== 'apply_update_b') {
      throw new Error(`internal: update kernel ${k.name} (${k.op}) in a gradient program; compile it with gradProgram`);
    }
    const c = k.bound.conv.geom;
    const gbuf = this.views[k.inputs[0]] as Float32Array;
    const sW = this.params[k.bound.conv.wScales] as Float32Array;
    if (k.op === 'apply_update_w') {
      const lay = this.layout(k, () => {
        const n = k.attrs.channels, kk = taps(c);
        const dw = c.groups > 1 && c.groups === c.cin;
        const rows = dw ? n : c.cout, per = dw ? 1 : n;
        const idx = new Int32Array(rows * per * kk), div = new Float32Array(idx.length);
        for (let oc = 0; oc < rows; oc++) {
          for (let j = 0; j < per; j++) {
            for (let e = 0; e < kk; e++) {
              const at = (oc * per + j) * kk + e;
              idx[at] = (oc * c.cpg + j) * kk + e;
              div[at] = Math.fround(sW[oc] * sW[oc]);
            }
          }
        }
        return { index: idx, qasDiv: div };
      });
      lay.grad.set(gbuf);
      return [{ param: k.params[0], grad: lay.grad, index: lay.index, kind: 'weight', qasDiv: lay.qasDiv }];
    }
    // apply_update_b
    const lay = this.layout(k, () => {
      const sx = Math.fround(k.attrs.xScale);
      const idx = Int32Array.from({ length: c.cout }, (_, i) => i);
      const div = Float32Array.from({ length: c.cout }, (_, oc) => {
        const s = Math.fround(sW[oc] * sx);
        return Math.fround(s * s);
      });
      return { index: idx, qasDiv: div };
    });
    lay.grad.set(gbuf);
    return [{ param: k.params[0], grad: lay.grad, index: lay.index, kind: 'bias', qasDiv: lay.qasDiv }];
  }

  private layout(k: Kernel, make: () => { index: Int32Array; qasDiv: Float32Array }) {
    let l = this.layouts.get(k.name);
    if (!l) {
      const m = make();
      l = { ...m, grad: new Float32Array(m.index.length) };
      this.layouts.set(k.name, l);
    }
    return l;
  }
}

/** Float conv for fp32 mode: the pointwise case in float (convInt8's fast path accumulates in int32), others through convInt8. */
function floatConv(k: ProgramKernelOf<'conv2d'>, env: ExecEnv): void {
  const bc = k.bound.conv;
  const c = bc.geom;
  const eff = convEff(bc, env);
  const x = env.buf(k.inputs[0]), w = env.param(bc.weight), b = env.param(bc.bias);
  const y = env.buf(k.outputs[0]);
  const mask = k.attrs.mask ? (env.buf(k.attrs.mask) as Uint8Array) : undefined;
  const xz = bc.xZero, yz = bc.yZero;
  if (!isPointwise(c)) {
    convInt8(x as Int8Array, xz, w as Int8Array, b as Int32Array, eff, y, yz, c, mask, false);
    return;
  }
  const hw = c.h * c.w;
  const acc = new Float32Array(hw);
  for (let oc = 0; oc < c.cout; oc++) {
    acc.fill(b[oc]);
    for (let ic = 0; ic < c.cpg; ic++) {
      const wv = w[oc * c.cpg + ic];
      if (wv === 0) continue;
      for (let p = 0, xi = ic * hw; p < hw; p++, xi++) acc[p] += (x[xi] - xz) * wv;
    }
    for (let p = 0; p < hw; p++) {
      const v = Math.fround(Math.fround(acc[p]) * eff[oc]) + yz;
      const i = oc * hw + p;
      if (mask) setMaskBit(mask, i, v >= -128 && v <= 127);
      y[i] = v < -128 ? -128 : v > 127 ? 127 : v;
    }
  }
}
