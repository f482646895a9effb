/**
 * Lowering an imported model to int8 kernels: TFLite's "prepare" step, done once. Each supported op
 * becomes one kernel with its geometry, offsets, quantized multipliers and clamp range bound, as
 * TFLite Micro computes them (multipliers from the float32 scales in double precision). The model
 * must have passed the coverage check (readTflite does it).
 */
import { ADD_LEFT_SHIFT, addMultipliers, convMultipliers, quantizeMultiplier, roundHalfAway, type Rounding } from '../quant/tflite-int.ts';
import { windowPadBefore } from '../tflite/geometry.ts';
import { int32Data, numElements, type FusedActivation, type ImportedModel, type ImportedOp, type ImportedTensor, type OpOf } from '../tflite/model.ts';
import type { Requant, TfliteKernel, WindowGeometry } from './types.ts';

const f32 = Math.fround;

function scaleOf(t: ImportedTensor): number {
  return t.quant ? t.quant.scales[0] : 1;
}
function zeroOf(t: ImportedTensor): number {
  return t.quant ? t.quant.zeroPoints[0] : 0;
}

/** TFLite's CalculateActivationRangeQuantized: the fused activation as an int8 clamp range. */
export function activationRange(act: FusedActivation, y: ImportedTensor): { actMin: number; actMax: number } {
  const s = scaleOf(y), z = zeroOf(y);
  const q = (v: number) => z + roundHalfAway(f32(v / s));
  if (act === 'RELU') return { actMin: Math.max(-128, q(0)), actMax: 127 };
  if (act === 'RELU6') return { actMin: Math.max(-128, q(0)), actMax: Math.min(127, q(6)) };
  if (act === 'RELU_N1_TO_1') return { actMin: Math.max(-128, q(-1)), actMax: Math.min(127, q(1)) };
  if (act === 'NONE') return { actMin: -128, actMax: 127 };
  throw new Error(`fused ${act} activation has no int8 clamp range`);
}

/** Per-channel multipliers of input_scale * weight_scale[c] / output_scale. */
function requant(x: ImportedTensor, w: ImportedTensor, y: ImportedTensor, channels: number, act: FusedActivation, rounding: Rounding): Requant {
  const ws = w.quant!.scales;
  const { multipliers, shifts } = convMultipliers(scaleOf(x), Array.from({ length: channels }, (_, c) => ws[ws.length === 1 ? 0 : c]), scaleOf(y));
  return { inputOffset: -zeroOf(x), multipliers, shifts, outputOffset: zeroOf(y), ...activationRange(act, y), rounding };
}

function window(x: ImportedTensor, y: ImportedTensor, kH: number, kW: number, o: { strideH: number; strideW: number; padding: 'SAME' | 'VALID' }): WindowGeometry {
  const [, inH, inW, inC] = x.shape;
  return {
    inH, inW, inC, outH: y.shape[1], outW: y.shape[2], outC: y.shape[3], kH, kW, strideH: o.strideH, strideW: o.strideW,
    padTop: windowPadBefore(inH, kH, o.strideH, 1, o.padding), padLeft: windowPadBefore(inW, kW, o.strideW, 1, o.padding),
  };
}

/**
 * Whose reference kernels to reproduce where TFLite's interpreters differ:
 * - 'tflite' (default): TFLite's current reference kernels: single-rounding requantization, and an
 *   int8 MEAN that rounds (off its 4-D spatial special case, through float32). An exact float
 *   reference such as Arm NN's CpuRef agrees with it away from ties.
 * - 'tflite-micro': TFLite Micro and CMSIS-NN as built by default: gemmlowp's double rounding, and
 *   TFLite Micro's EvalMean, whose middle path (same input and output quantization) truncates.
 */
export type Interpreter = 'tflite' | 'tflite-micro';

/** The kernels of a covered model, in its (topological) op order. */
export function lowerModel(model: ImportedModel, interpreter: Interpreter = 'tflite'): TfliteKernel[] {
  return model.ops.map((op) => lowerOp(model, op, interpreter));
}

function lowerOp(model: ImportedModel, op: ImportedOp, interpreter: Interpreter): TfliteKernel {
  const rounding: Rounding = interpreter === 'tflite' ? 'single' : 'double';
  const T = model.tensors;
  const x = T[op.inputs[0]];
  const y = T[op.outputs[0]];
  const operand = (k: number): number | null => (op.inputs.length > k && op.inputs[k] >= 0 ? op.inputs[k] : null);
  switch (op.kind) {
    case 'CONV_2D':
    case 'DEPTHWISE_CONV_2D': {
      const w = T[op.inputs[1]];
      const geo = window(x, y, w.shape[1], w.shape[2], op.options);
      const rq = requant(x, w, y, geo.outC, op.options.activation, rounding);
      const fields = { x: x.index, w: w.index, b: operand(2), y: y.index, geo, rq };
      return op.kind === 'CONV_2D' ? { op: 'conv2d', ...fields } : { op: 'depthwise_conv2d', ...fields };
    }
    case 'FULLY_CONNECTED': {
      const w = T[op.inputs[1]];
      const [units, depth] = w.shape;
      return { op: 'fully_connected', x: x.index, w: w.index, b: operand(2), y: y.index, depth, units, rq: requant(x, w, y, units, op.options.activation, rounding) };
    }
    case 'ADD': {
      const b = T[op.inputs[1]];
      // TFLite's int8 ADD: both inputs scaled to twice the larger input scale with 20 bits of headroom.
      const m = addMultipliers(scaleOf(x), scaleOf(b), scaleOf(y));
      return {
        op: 'add', a: x.index, b: b.index, y: y.index, size: numElements(y.shape),
        aOffset: -zeroOf(x), bOffset: -zeroOf(b), leftShift: ADD_LEFT_SHIFT,
        aMultiplier: m.aMult, aShift: m.aShift, bMultiplier: m.bMult, bShift: m.bShift,
        outMultiplier: m.outMult, outShift: m.outShift, outOffset: zeroOf(y), ...activationRange(op.options.activation, y), rounding,
      };
    }
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D': {
      const geo = window(x, y, op.options.filterH, op.options.filterW, op.options);
      const act = activationRange(op.options.activation, y);
      return { op: op.kind === 'AVERAGE_POOL_2D' ? 'avg_pool2d' : 'max_pool2d', x: x.index, y: y.index, geo, ...act };
    }
    case 'MEAN':
      return lowerMean(op, x, y, Array.from(int32Data(T[op.inputs[1]])), interpreter);
    case 'RESHAPE':
    case 'SQUEEZE':
      return { op: 'copy', x: x.index, y: y.index };
    case 'TRANSPOSE':
      return { op: 'transpose', x: x.index, y: y.index, inShape: x.shape, perm: Array.from(int32Data(T[op.inputs[1]])) };
    case 'PAD': {
      const pads = int32Data(T[op.inputs[1]]);
      // TFLite pads an int8 tensor with its zero point (the quantized 0.0).
      return { op: 'pad', x: x.index, y: y.index, inShape: x.shape, before: x.shape.map((_, i) => pads[2 * i]), outShape: y.shape, value: zeroOf(x) };
    }
    case 'CONCATENATION': {
      const rank = y.shape.length;
      const axis = op.options.axis < 0 ? op.options.axis + rank : op.options.axis;
      const outer = numElements(y.shape.slice(0, axis));
      const inner = numElements(y.shape.slice(axis + 1));
      return { op: 'concat', xs: op.inputs, y: y.index, outer, inner, sizes: op.inputs.map((k) => T[k].shape[axis]) };
    }
    case 'SOFTMAX':
    case 'LOG_SOFTMAX': {
      const beta = op.kind === 'SOFTMAX' ? op.options.beta : 1;
      return {
        op: 'softmax', x: x.index, y: y.index, log: op.kind === 'LOG_SOFTMAX', depth: x.shape[x.shape.length - 1], beta,
        in: x.dtype === 'float32' ? 'float32' : 'int8', inScale: scaleOf(x), outScale: scaleOf(y), outZero: zeroOf(y),
      };
    }
    case 'QUANTIZE': {
      if (x.dtype === 'float32') return { op: 'quantize', x: x.index, y: y.index, scale: scaleOf(y), zero: zeroOf(y) };
      const m = quantizeMultiplier(scaleOf(x) / scaleOf(y));
      return { op: 'requantize', x: x.index, y: y.index, inZero: zeroOf(x), multiplier: m.multiplier, shift: m.shift, outZero: zeroOf(y), rounding };
    }
    case 'DEQUANTIZE':
      return { op: 'dequantize', x: x.index, y: y.index, scale: scaleOf(x), zero: zeroOf(x) };
    case 'UNSUPPORTED':
      throw new Error(`${op.options.opName} has no kernel (the coverage check refuses it)`);
  }
}

function lowerMean(op: OpOf<'MEAN'>, x: ImportedTensor, y: ImportedTensor, rawAxes: number[], interpreter: Interpreter): TfliteKernel {
  const rank = x.shape.length;
  const axes = [...new Set(rawAxes.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  const rounding: Rounding = interpreter === 'tflite' ? 'single' : 'double';
  // Both interpreters pick the int8 path from the raw axis values, keep_dims and the quantization;
  // only TFLite Micro has the truncating path for equal quantization.
  const spatial = op.options.keepDims && rank === 4 && rawAxes.length === 2 &&
    ((rawAxes[0] === 1 && rawAxes[1] === 2) || (rawAxes[0] === 2 && rawAxes[1] === 1));
  const same = zeroOf(x) === zeroOf(y) && f32(scaleOf(x)) === f32(scaleOf(y));
  const m = quantizeMultiplier(scaleOf(x) / scaleOf(y));
  return {
    op: 'mean', x: x.index, y: y.index, inShape: x.shape, axes, rule: spatial ? 'spatial' : same && interpreter === 'tflite-micro' ? 'truncate' : 'float',
    multiplier: m.multiplier, shift: m.shift, inZero: zeroOf(x), outZero: zeroOf(y), inScale: scaleOf(x), outScale: scaleOf(y), rounding,
  };
}
