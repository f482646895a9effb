// A small int8 .tflite of the inverted-bottleneck family, made in code with random weights: a seed
// for the fuzz suite (mcunet-vww is 600 KB, too big for a case) and a model the tests can vary.
// Input 9x9x3 (odd sizes: TFLite's SAME padding of a stride-2 conv is then symmetric, as the family's
// graph has it); `size` another (an even one pads the stem 0 before and 1 after: a general graph).
import { TfliteModelBuilder } from '../src/engine/tflite/build.ts';
import { writeTflite } from '../src/engine/tflite/write.ts';
import { mulberry32 } from '../src/engine/util/random.ts';

export function tinyFamilyTflite(seed = 3, opts: { explicitPad?: boolean; size?: number } = {}): Uint8Array {
  const size = opts.size ?? 9, hw = Math.ceil(size / 2);
  const rand = mulberry32(seed);
  const b = new TfliteModelBuilder();
  const relu6 = { scale: 6 / 255, zeroPoint: -128 };
  const linear = { scale: 0.05, zeroPoint: 3 };
  const weights = (n: number) => Int8Array.from({ length: n }, () => Math.floor(rand() * 255) - 127);
  const biases = (n: number) => Int32Array.from({ length: n }, () => Math.floor(rand() * 2001) - 1000);
  const conv = (x: number, cin: number, cout: number, k: number, stride: number, depthwise: boolean, out: { scale: number; zeroPoint: number }, hw: number, name: string): number => {
    const scales = Array.from({ length: cout }, () => 0.004 + 0.01 * rand());
    const w = b.tensor(`${name}/w`, depthwise ? [1, k, k, cout] : [cout, k, k, cin], 'int8', { scales, zeroPoints: scales.map(() => 0), axis: depthwise ? 3 : 0 }, weights(cout * k * k * (depthwise ? 1 : cin)));
    const bias = b.tensor(`${name}/b`, [cout], 'int32', null, biases(cout));
    const y = b.tensor(name, [1, hw, hw, cout], 'int8', out);
    const o = { padding: 'SAME' as const, strideH: stride, strideW: stride, dilationH: 1, dilationW: 1, activation: out === relu6 ? 'RELU6' as const : 'NONE' as const };
    if (depthwise) b.op('DEPTHWISE_CONV_2D', { ...o, depthMultiplier: 1 }, [x, w, bias], [y]);
    else b.op('CONV_2D', o, [x, w, bias], [y]);
    return y;
  };
  const xf = b.tensor('image', [1, size, size, 3], 'float32');
  let x = b.tensor('image_int8', [1, size, size, 3], 'int8', { scale: 2 / 255, zeroPoint: 0 });
  b.inputs = [xf];
  b.op('QUANTIZE', {}, [xf], [x]);
  if (opts.explicitPad) {
    const padded = b.tensor('image_padded', [1, size + 2, size + 2, 3], 'int8', { scale: 2 / 255, zeroPoint: 0 });
    b.op('PAD', {}, [x, b.tensor('pads', [4, 2], 'int32', null, Int32Array.of(0, 0, 1, 1, 1, 1, 0, 0))], [padded]);
    const w = weights(8 * 27), scales = Array.from({ length: 8 }, () => 0.01);
    const stem = b.tensor('stem', [1, hw, hw, 8], 'int8', relu6);
    b.op('CONV_2D', { padding: 'VALID', strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, activation: 'RELU6' },
      [padded, b.tensor('stem/w', [8, 3, 3, 3], 'int8', { scales, zeroPoints: scales.map(() => 0), axis: 0 }, w), b.tensor('stem/b', [8], 'int32', null, biases(8))], [stem]);
    x = stem;
  } else {
    x = conv(x, 3, 8, 3, 2, false, relu6, hw, 'stem');
  }
  // Block 0: depthwise, project (no expansion).
  x = conv(x, 8, 8, 3, 1, true, relu6, hw, 'b0.dw');
  const b0 = conv(x, 8, 8, 1, 1, false, linear, hw, 'b0.pw2');
  // Block 1: expand, depthwise, project, residual.
  x = conv(b0, 8, 16, 1, 1, false, relu6, hw, 'b1.pw1');
  x = conv(x, 16, 16, 3, 1, true, relu6, hw, 'b1.dw');
  x = conv(x, 16, 8, 1, 1, false, { scale: 0.04, zeroPoint: -2 }, hw, 'b1.pw2');
  const sum = b.tensor('b1.add', [1, hw, hw, 8], 'int8', { scale: 0.07, zeroPoint: 1 });
  b.op('ADD', { activation: 'NONE' }, [b0, x], [sum]);
  const pooled = b.tensor('pool', [1, 8], 'int8', { scale: 0.07, zeroPoint: 1 });
  b.op('MEAN', { keepDims: false }, [sum, b.tensor('axes', [2], 'int32', null, Int32Array.of(1, 2))], [pooled]);
  const fcScale = [0.01];
  const logits = b.tensor('logits', [1, 4], 'int8', { scale: 0.1, zeroPoint: 0 });
  b.op('FULLY_CONNECTED', { activation: 'NONE', keepNumDims: false, shuffledWeights: false },
    [pooled, b.tensor('fc/w', [4, 8], 'int8', { scales: fcScale, zeroPoints: [0], axis: 0 }, weights(32)), b.tensor('fc/b', [4], 'int32', null, biases(4))], [logits]);
  const out = b.tensor('probabilities', [1, 4], 'float32');
  b.op('DEQUANTIZE', {}, [logits], [out]);
  b.outputs = [out];
  return writeTflite(b.model('tiny-family.tflite', 'a small inverted-bottleneck model with random weights'));
}
