/**
 * What the hand-built test models share (tests/pad-net.ts, tests/nonsquare-net.ts): their biases'
 * quantization, and their end: the last int8 map flattened, a FULLY_CONNECTED layer to 10 int8 logits (one weight scale, zero biases), then
 * DEQUANTIZE and a float SOFTMAX as the graph's output, as TensorFlow's converter ends a classifier.
 */
import type { TfliteModelBuilder } from '../src/engine/tflite/build.ts';
import { writeTflite } from '../src/engine/tflite/write.ts';

/** Biases in units of input scale x weight scale, per channel as TFLite's converter writes them (Arm NN reads them so). */
export function biasQ(inScale: number, wScales: number[]): { scales: number[]; zeroPoints: number[]; axis: number } {
  const scales = wScales.map((w) => Math.fround(inScale) * Math.fround(w));
  return { scales, zeroPoints: scales.map(() => 0), axis: 0 };
}

export function fcSoftmaxTail(b: TfliteModelBuilder, x: number, features: number, xScale: number, fcWeights: Int8Array,
  input: number, file: string, description: string): Uint8Array {
  const flat = b.tensor('flat', [1, features], 'int8', { scale: xScale, zeroPoint: -128 });
  b.op('RESHAPE', { newShape: [1, features] }, [x, b.tensor('flat/shape', [2], 'int32', null, Int32Array.of(1, features))], [flat]);
  const logits = b.tensor('logits', [1, 10], 'int8', { scale: 0.02, zeroPoint: 0 });
  b.op('FULLY_CONNECTED', { activation: 'NONE', keepNumDims: false, shuffledWeights: false }, [flat,
    b.tensor('fc/w', [10, features], 'int8', { scales: [0.002], zeroPoints: [0], axis: 0 }, fcWeights),
    b.tensor('fc/b', [10], 'int32', biasQ(xScale, [0.002]), new Int32Array(10))], [logits]);
  const real = b.tensor('logits_float', [1, 10], 'float32');
  const probs = b.tensor('probabilities', [1, 10], 'float32');
  b.op('DEQUANTIZE', {}, [logits], [real]);
  b.op('SOFTMAX', { beta: 1 }, [real], [probs]);
  b.inputs = [input];
  b.outputs = [probs];
  return writeTflite(b.model(file, description));
}
