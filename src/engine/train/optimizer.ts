/**
 * SGD over the sparse set of trained parameter slices, with gradient accumulation, optional momentum,
 * quantization-aware scaling (QAS) and the re-quantization of int8 weights / int32 biases in place
 * at their fixed scales.
 *
 * Accumulation: gradients of `batch` images are summed per trained element (a float32 buffer as long
 * as the trained slice: the same size the on-device momentum buffer would have) and the mean is
 * applied once; the weights stay fixed within the batch, as in ordinary mini-batch SGD. At batch 1
 * without momentum and with round-to-nearest, the result is the device program's in-place update.
 *
 * Units: int8/int32 parameters and their gradients are in integer units. QAS divides the gradient by
 * s_W^2 (weights) or (s_W s_x)^2 (biases), which makes the integer-unit update exactly the float
 * update of the real-valued parameter. In fp32 precision (the float baseline) that division is
 * always applied (it *is* float SGD) and nothing is rounded.
 *
 * Rounding of the new int8 value: 'nearest' (the device's rint; any update below half a quantization
 * step is lost) or 'stochastic' (round up with probability equal to the fraction: unbiased, so small
 * updates survive in expectation; seeded, so runs are reproducible). The draw is counter-based
 * (quant/stochastic-round.ts: seed, update number, parameter name, trained element), so at batch 1 it
 * is the device program's in-place stochastic update too. Measured on mcunet-5fps.pkl,
 * 99kb scheme, lr 0.001, batch 1 or 8: with 'nearest', 99.98% of the int8/int32 updates are below half
 * a step and 0.00% of the trained elements ever change, so the backbone stays frozen and only the
 * float head learns. The paper's reference code keeps trained weights float-valued in integer units
 * between steps (its QAS optimizer; rounding after each step is a separate option), which
 * stochastic rounding approximates without a float copy: it is the trainer's default.
 */
import type { ParamStore } from '../ir/graph.ts';
import { paramKey, requantize, roundingId, updateKey } from '../quant/stochastic-round.ts';
import type { ParamGrad, Precision } from './grad-step.ts';

export type Rounding = 'nearest' | 'stochastic';

export interface OptimizerConfig {
  /** Learning rates for int8 weights, int32 biases and the float32 head (int8 head: `weight`/`bias`). */
  lr: { weight: number; bias: number; head: number };
  /** 0 for plain SGD. */
  momentum: number;
  /** Quantization-aware scaling of int8 gradients (fp32 always trains in real units). */
  qas: boolean;
  rounding: Rounding;
  precision: Precision;
  seed: number;
}

interface Slot {
  param: string;
  kind: ParamGrad['kind'];
  index: Int32Array;
  qasDiv: Float32Array;
  sum: Float32Array;
  velocity?: Float32Array;
}

export class SparseSgd {
  private readonly slots = new Map<string, Slot>();
  private count = 0;
  /** Updates applied so far: the counter of the stochastic rounding draws. */
  private updates = 0;
  /** Statistics of the last apply: how many int8/int32 elements changed, and how many updates were smaller than half a step. */
  lastStats = { changed: 0, vanished: 0, elements: 0 };

  constructor(readonly cfg: OptimizerConfig) {}

  /** Adds one image's gradient. Returns false (and adds nothing) when it is not finite. */
  accumulate(g: ParamGrad): boolean {
    for (let i = 0; i < g.grad.length; i++) if (!Number.isFinite(g.grad[i])) return false;
    let s = this.slots.get(g.param);
    if (!s) {
      s = { param: g.param, kind: g.kind, index: g.index.slice(), qasDiv: g.qasDiv.slice(), sum: new Float32Array(g.grad.length) };
      if (this.cfg.momentum) s.velocity = new Float32Array(g.grad.length);
      this.slots.set(g.param, s);
    }
    const sum = s.sum;
    for (let i = 0; i < sum.length; i++) sum[i] += g.grad[i];
    return true;
  }

  /** Marks the end of one image's gradients. */
  endImage(): void {
    this.count++;
  }

  get pending(): number {
    return this.count;
  }

  /** Applies the mean accumulated gradient with learning rates scaled by `lrScale`, then clears the sums. */
  apply(params: ParamStore, lrScale: number): void {
    if (this.count === 0) return;
    const inv = 1 / this.count;
    const mu = this.cfg.momentum;
    const stats = { changed: 0, vanished: 0, elements: 0 };
    const fp32 = this.cfg.precision === 'fp32';
    const step = this.cfg.rounding === 'stochastic' ? updateKey(this.cfg.seed, this.updates) : undefined;
    for (const s of this.slots.values()) {
      const p = params[s.param];
      const isFloatHead = s.kind === 'head';
      const lr = Math.fround((isFloatHead ? this.cfg.lr.head : s.kind === 'weight' ? this.cfg.lr.weight : this.cfg.lr.bias) * lrScale);
      const scaled = !isFloatHead && (fp32 || this.cfg.qas);
      const integer = !fp32 && !isFloatHead;
      const [lo, hi] = p instanceof Int8Array ? [-128, 127] : [-2147483648, 2147483647];
      const key = step === undefined ? undefined : paramKey(step, roundingId(s.param));
      for (let i = 0; i < s.sum.length; i++) {
        let g = Math.fround(s.sum[i] * inv);
        if (scaled) g = Math.fround(g / s.qasDiv[i]);
        if (s.velocity) g = s.velocity[i] = Math.fround(Math.fround(mu * s.velocity[i]) + g);
        const j = s.index[i];
        const old = p[j];
        const next = Math.fround(old - Math.fround(lr * g));
        if (!integer) {
          p[j] = next;
          continue;
        }
        let r = requantize(next, key, i);
        r = r < lo ? lo : r > hi ? hi : r;
        stats.elements++;
        if (r !== old) stats.changed++;
        if (Math.abs(next - old) < 0.5) stats.vanished++;
        p[j] = r;
      }
      s.sum.fill(0);
    }
    this.lastStats = stats;
    this.count = 0;
    this.updates++;
  }

  /** Drops the accumulated gradients (after a bad image). */
  discard(): void {
    for (const s of this.slots.values()) s.sum.fill(0);
    this.count = 0;
  }
}

/** Cosine decay to 0 after a linear warmup; `t` counts optimizer updates from 0. */
export function cosineLr(t: number, total: number, warmup: number): number {
  if (warmup > 0 && t < warmup) return (t + 1) / warmup;
  const span = Math.max(1, total - warmup);
  const p = Math.min(1, (t - warmup) / span);
  return 0.5 * (1 + Math.cos(Math.PI * p));
}
