/**
 * pad-net: a small int8 CNN whose convs pad differently before and after, as TensorFlow's converter
 * writes every SAME conv of stride 2 on an even input (0 rows and columns before, 1 after): a 3x3
 * CONV_2D SAME stride 2 on 32x32 (-> 16x16), a 3x3 DEPTHWISE_CONV_2D SAME stride 2 (-> 8x8), RESHAPE
 * and a FULLY_CONNECTED head; a float input through QUANTIZE, DEQUANTIZE and SOFTMAX after the logits
 * (the shape of the project's own test models). Weights are seeded pseudo-random, scaled so that no
 * layer saturates on real images. The importer lowers each conv to a pad node and the conv with
 * padding 0 (models/from-tflite-graph.ts).
 */
import { TfliteModelBuilder } from '../src/engine/tflite/build.ts';
import { biasQ, fcSoftmaxTail } from './tflite-test-model.ts';
import { mulberry32 } from '../src/engine/util/random.ts';

export function padNetTflite(seed = 15): Uint8Array {
  const rand = mulberry32(seed);
  const ints = (n: number, max: number) => Int8Array.from({ length: n }, () => Math.round((rand() * 2 - 1) * max));
  const b = new TfliteModelBuilder();
  const xf = b.tensor('input', [1, 32, 32, 1], 'float32');
  const x = b.tensor('input_int8', [1, 32, 32, 1], 'int8', { scale: 1 / 255, zeroPoint: -128 });
  b.op('QUANTIZE', {}, [xf], [x]);
  // conv: 8 filters, per-channel weight scales; ReLU as the int8 clamp (zero point -128).
  const c1 = b.tensor('conv', [1, 16, 16, 8], 'int8', { scale: 0.01, zeroPoint: -128 });
  const s1 = Array.from({ length: 8 }, (_, i) => 0.004 + 0.0005 * i);
  b.op('CONV_2D', { padding: 'SAME', strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, activation: 'RELU' }, [x,
    b.tensor('conv/w', [8, 3, 3, 1], 'int8', { scales: s1, zeroPoints: s1.map(() => 0), axis: 0 }, ints(72, 127)),
    b.tensor('conv/b', [8], 'int32', biasQ(1 / 255, s1), Int32Array.from({ length: 8 }, () => Math.round((rand() - 0.3) * 2000)))], [c1]);
  const c2 = b.tensor('dw', [1, 8, 8, 8], 'int8', { scale: 0.012, zeroPoint: -128 });
  const s2 = Array.from({ length: 8 }, (_, i) => 0.006 + 0.0004 * i);
  b.op('DEPTHWISE_CONV_2D', { padding: 'SAME', strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, depthMultiplier: 1, activation: 'RELU' }, [c1,
    b.tensor('dw/w', [1, 3, 3, 8], 'int8', { scales: s2, zeroPoints: s2.map(() => 0), axis: 3 }, ints(72, 127)),
    b.tensor('dw/b', [8], 'int32', biasQ(0.01, s2), Int32Array.from({ length: 8 }, () => Math.round((rand() - 0.3) * 500)))], [c2]);
  return fcSoftmaxTail(b, c2, 512, 0.012, ints(5120, 127), xf, 'pad-net.tflite',
    'TinyTrain test model: SAME convs of stride 2 on even sizes (padding 0 before, 1 after)');
}
