/**
 * The parameter update with quantization-aware scaling (QAS, the paper's Sec. 2.2). Gradients of int8
 * weights are divided by s_W^2 and of int32 biases by (s_W * s_x)^2, so the update in integer units
 * equals what float training would apply; the parameter is then re-quantized in place at its fixed
 * scale (round, clamp). Optional momentum keeps a float32 velocity per trained element.
 *
 * Rounding: `key` undefined rounds to nearest; a parameter key (quant/stochastic-round.ts) rounds
 * stochastically with the draw of trained element `vi` (the index into the trained slice, which the
 * velocity and the C project's trained array share).
 */
import { requantize } from '../quant/stochastic-round.ts';

const f32 = Math.fround;

export interface SgdConfig {
  lr: number;
  /** 0 for plain SGD. */
  momentum: number;
  /** Quantization-aware scaling; off shows why it exists. */
  qas: boolean;
}

/** One step on one element; returns the new real-valued parameter before re-quantization. */
function step(p: number, grad: number, qasDiv: number, cfg: SgdConfig, velocity: Float32Array | undefined, vi: number): number {
  let g = cfg.qas ? f32(grad / qasDiv) : grad;
  if (velocity) {
    g = f32(f32(f32(cfg.momentum) * velocity[vi]) + g);
    velocity[vi] = g;
  }
  return f32(p - f32(f32(cfg.lr) * g));
}

export function updateInt8(w: Int8Array, i: number, grad: number, qasDiv: number, cfg: SgdConfig, v: Float32Array | undefined, vi: number,
  key?: number): void {
  const r = requantize(step(w[i], grad, qasDiv, cfg, v, vi), key, vi);
  w[i] = r < -128 ? -128 : r > 127 ? 127 : r;
}

export function updateInt32(b: Int32Array, i: number, grad: number, qasDiv: number, cfg: SgdConfig, v: Float32Array | undefined, vi: number,
  key?: number): void {
  const r = requantize(step(b[i], grad, qasDiv, cfg, v, vi), key, vi);
  b[i] = r < -2147483648 ? -2147483648 : r > 2147483647 ? 2147483647 : r;
}

export function updateFloat(w: Float32Array, i: number, grad: number, cfg: SgdConfig, v: Float32Array | undefined, vi: number): void {
  w[i] = step(w[i], grad, 1, { ...cfg, qas: false }, v, vi);
}
