/**
 * The int8 kernels an imported TFLite model runs on, as typed records: each kernel op has its own
 * fields and named operands (tensor indices: `x`, `w`, `b`, `y`, ...), with everything its
 * implementation needs bound once by `lower.ts` (geometry, zero-point offsets, quantized
 * multipliers, clamp ranges). This is the shape the project's kernel table takes (issue 14); these
 * kernels fold into it as they are, with `reference.ts` as their TypeScript reference.
 */
import type { Rounding } from '../quant/tflite-int.ts';

/** A window over an NHWC activation of batch 1 (conv, depthwise conv, pooling). */
export interface WindowGeometry {
  inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kH: number; kW: number;
  strideH: number; strideW: number;
  /** Leading padding (TFLite puts an odd extra row/column at the bottom/right). */
  padTop: number; padLeft: number;
}

/** Integer requantization of an int32 accumulator to the int8 output, per output channel. */
export interface Requant {
  /** Added to each input value before the multiply (-input zero point). */
  inputOffset: number;
  /** Q31 multipliers and shifts (quant/tflite-int.ts), one per output channel. */
  multipliers: Int32Array;
  shifts: Int32Array;
  /** Output zero point, added after scaling. */
  outputOffset: number;
  /** Clamp range of the fused activation, in output int8 steps. */
  actMin: number;
  actMax: number;
  /** Which of TFLite's two requantization roundings (quant/tflite-int.ts). */
  rounding: Rounding;
}

export type TfliteKernel =
  | { op: 'conv2d'; x: number; w: number; b: number | null; y: number; geo: WindowGeometry; rq: Requant }
  | { op: 'depthwise_conv2d'; x: number; w: number; b: number | null; y: number; geo: WindowGeometry; rq: Requant }
  | { op: 'fully_connected'; x: number; w: number; b: number | null; y: number; depth: number; units: number; rq: Requant }
  | {
      op: 'add'; a: number; b: number; y: number; size: number;
      aOffset: number; bOffset: number; leftShift: number;
      aMultiplier: number; aShift: number; bMultiplier: number; bShift: number;
      outMultiplier: number; outShift: number; outOffset: number; actMin: number; actMax: number; rounding: Rounding;
    }
  | { op: 'avg_pool2d'; x: number; y: number; geo: WindowGeometry; actMin: number; actMax: number }
  | { op: 'max_pool2d'; x: number; y: number; geo: WindowGeometry; actMin: number; actMax: number }
  /**
   * Mean over axes, by the interpreter's rule for int8 (lower.ts): 'spatial' (4-D, axes 1 and 2,
   * keep_dims: sum of x - zp, integer rescale, rounded division), 'truncate' (TFLite Micro, same
   * input and output quantization: sum of raw values, truncating division), 'float' (otherwise:
   * float32 rescale and rounding).
   */
  | {
      op: 'mean'; x: number; y: number; inShape: number[]; axes: number[]; rule: 'spatial' | 'truncate' | 'float';
      multiplier: number; shift: number; inZero: number; outZero: number; inScale: number; outScale: number; rounding: Rounding;
    }
  /** RESHAPE and SQUEEZE: the same bytes under another shape. */
  | { op: 'copy'; x: number; y: number }
  | { op: 'transpose'; x: number; y: number; inShape: number[]; perm: number[] }
  | { op: 'pad'; x: number; y: number; inShape: number[]; before: number[]; outShape: number[]; value: number }
  | { op: 'concat'; xs: number[]; y: number; outer: number; sizes: number[]; inner: number }
  /** Softmax / log-softmax over the last axis: on int8 (dequantized, in float32, requantized) or on the float tail. */
  | { op: 'softmax'; x: number; y: number; log: boolean; depth: number; beta: number; in: 'int8' | 'float32'; inScale: number; outScale: number; outZero: number }
  | { op: 'quantize'; x: number; y: number; scale: number; zero: number }
  | { op: 'requantize'; x: number; y: number; inZero: number; multiplier: number; shift: number; outZero: number; rounding: Rounding }
  | { op: 'dequantize'; x: number; y: number; scale: number; zero: number };

export type KernelOp = TfliteKernel['op'];
export type KernelOf<K extends KernelOp> = Extract<TfliteKernel, { op: K }>;

/** Tensor values while the model runs: int8 activations, float32 at the boundaries, int32 constants. */
export type TensorValues = Int8Array | Float32Array | Int32Array;
