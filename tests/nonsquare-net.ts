/**
 * nonsquare-net: a small int8 CNN of non-square kernels, each axis padded its own way: a 3x3 CONV_2D
 * SAME on 20x12, a 5x3 DEPTHWISE_CONV_2D SAME (rows 2 and 2, columns 1 and 1: in the conv), a 1x3
 * DEPTHWISE_CONV_2D SAME of stride 2 (rows 0 and 0; columns 0 and 1: a pad node, then the conv), a
 * 4x2 CONV_2D VALID (-> 7x5), RESHAPE and a FULLY_CONNECTED head; a float input through QUANTIZE,
 * DEQUANTIZE and SOFTMAX after the logits. Weights are seeded pseudo-random, scaled so that no layer
 * saturates on real images. The non-square convs are not first, so their input gradients reach the
 * first conv's weight gradient (train/gradcheck.test.ts).
 */
import { TfliteModelBuilder } from '../src/engine/tflite/build.ts';
import { biasQ, fcSoftmaxTail } from './tflite-test-model.ts';
import { mulberry32 } from '../src/engine/util/random.ts';

export function nonSquareNetTflite(seed = 21): Uint8Array {
  const rand = mulberry32(seed);
  const ints = (n: number, max: number) => Int8Array.from({ length: n }, () => Math.round((rand() * 2 - 1) * max));
  const perChannel = (n: number, base: number, step: number) => Array.from({ length: n }, (_, i) => base + step * i);
  const b = new TfliteModelBuilder();
  const xf = b.tensor('input', [1, 20, 12, 1], 'float32');
  const x = b.tensor('input_int8', [1, 20, 12, 1], 'int8', { scale: 1 / 255, zeroPoint: -128 });
  b.op('QUANTIZE', {}, [xf], [x]);
  const same = { padding: 'SAME' as const, dilationH: 1, dilationW: 1, activation: 'RELU' as const };
  // conv 3x3: 8 filters; ReLU as the int8 clamp (zero point -128).
  const c1 = b.tensor('conv', [1, 20, 12, 8], 'int8', { scale: 0.01, zeroPoint: -128 });
  const s1 = perChannel(8, 0.004, 0.0005);
  b.op('CONV_2D', { ...same, strideH: 1, strideW: 1 }, [x,
    b.tensor('conv/w', [8, 3, 3, 1], 'int8', { scales: s1, zeroPoints: s1.map(() => 0), axis: 0 }, ints(72, 127)),
    b.tensor('conv/b', [8], 'int32', biasQ(1 / 255, s1), Int32Array.from({ length: 8 }, () => Math.round((rand() - 0.3) * 2000)))], [c1]);
  // depthwise 5x3, SAME, stride 1.
  const c2 = b.tensor('dw53', [1, 20, 12, 8], 'int8', { scale: 0.012, zeroPoint: -128 });
  const s2 = perChannel(8, 0.005, 0.0004);
  b.op('DEPTHWISE_CONV_2D', { ...same, strideH: 1, strideW: 1, depthMultiplier: 1 }, [c1,
    b.tensor('dw53/w', [1, 5, 3, 8], 'int8', { scales: s2, zeroPoints: s2.map(() => 0), axis: 3 }, ints(120, 127)),
    b.tensor('dw53/b', [8], 'int32', biasQ(0.01, s2), Int32Array.from({ length: 8 }, () => Math.round((rand() - 0.3) * 500)))], [c2]);
  // depthwise 1x3, SAME, stride 2: 20x12 -> 10x6.
  const c3 = b.tensor('dw13', [1, 10, 6, 8], 'int8', { scale: 0.014, zeroPoint: -128 });
  const s3 = perChannel(8, 0.008, 0.0005);
  b.op('DEPTHWISE_CONV_2D', { ...same, strideH: 2, strideW: 2, depthMultiplier: 1 }, [c2,
    b.tensor('dw13/w', [1, 1, 3, 8], 'int8', { scales: s3, zeroPoints: s3.map(() => 0), axis: 3 }, ints(24, 127)),
    b.tensor('dw13/b', [8], 'int32', biasQ(0.012, s3), Int32Array.from({ length: 8 }, () => Math.round((rand() - 0.3) * 500)))], [c3]);
  // conv 4x2, VALID: 10x6 -> 7x5, 12 filters.
  const c4 = b.tensor('conv42', [1, 7, 5, 12], 'int8', { scale: 0.02, zeroPoint: -128 });
  const s4 = perChannel(12, 0.002, 0.0002);
  b.op('CONV_2D', { ...same, padding: 'VALID', strideH: 1, strideW: 1 }, [c3,
    b.tensor('conv42/w', [12, 4, 2, 8], 'int8', { scales: s4, zeroPoints: s4.map(() => 0), axis: 0 }, ints(768, 127)),
    b.tensor('conv42/b', [12], 'int32', biasQ(0.014, s4), Int32Array.from({ length: 12 }, () => Math.round((rand() - 0.3) * 1000)))], [c4]);
  return fcSoftmaxTail(b, c4, 420, 0.02, ints(4200, 127), xf, 'nonsquare-net.tflite',
    'TinyTrain test model: non-square kernels (5x3 and 1x3 depthwise, 4x2 conv), each axis padded its own way');
}
