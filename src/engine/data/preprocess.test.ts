import { describe, expect, it } from 'vitest';
import { buildGraph } from '../models/build.ts';
import { zooArch } from '../models/zoo.ts';
import { grayImageAt, imageToInput, PAPER_INPUT_QUANT, quantizePixel, resizeBilinear, type RawImage } from './preprocess.ts';

const PAPER = { scale: 0.00784313725490196, zeroPoint: 0 }; // the x_scale / x_zero of the paper's first_conv

describe('pixel quantization', () => {
  it('is rint(pixel - 127.5) at the paper\'s scale 2/255, zero 0: pixel - 128 up to the half', () => {
    expect(PAPER_INPUT_QUANT.scale).toBe(PAPER.scale);
    // Exact halves go to the even neighbour: 128 - 127.5 = 0.5 -> 0, 129 -> 1.5 -> 2, 127 -> -0.5 -> 0,
    // 1 -> -126.5 -> -126, 0 -> -127.5 -> -128, 254 -> 126.5 -> 126, 255 -> 127.5 -> 128 -> 127.
    const table: [number, number][] = [[0, -128], [1, -126], [2, -126], [3, -124], [127, 0], [128, 0], [129, 2], [130, 2], [254, 126], [255, 127]];
    for (const [p, q] of table) expect([p, quantizePixel(p, PAPER)]).toEqual([p, q]);
    for (let p = 0; p <= 255; p++) {
      const q = quantizePixel(p, PAPER);
      expect(Math.abs(q - (p - 128))).toBeLessThanOrEqual(1);
      if (p % 2 === 0) expect(q).toBe(p - 128);
    }
    // Interpolated (non-integer) values round to nearest.
    expect(quantizePixel(100.2, PAPER)).toBe(-27); // -27.3
    expect(quantizePixel(100.8, PAPER)).toBe(-27); // -26.7
    expect(quantizePixel(200.9, PAPER)).toBe(73); // 73.4
  });

  it('follows another input quantization', () => {
    // scale 4/255, zero 10: q = rint((2v - 255) / 4) + 10. v = 255 -> 63.75 -> 64 -> 74; v = 0 -> -63.75 -> -64 -> -54;
    // v = 129.5 -> 1 -> 11. Clamped: scale 1/255, zero 0 -> 2v - 255 -> v = 200 gives 145 -> 127.
    const q = { scale: 4 / 255, zeroPoint: 10 };
    expect([quantizePixel(255, q), quantizePixel(0, q), quantizePixel(129.5, q)]).toEqual([74, -54, 11]);
    expect(quantizePixel(200, { scale: 1 / 255, zeroPoint: 0 })).toBe(127);
    expect(quantizePixel(10, { scale: 1 / 255, zeroPoint: 0 })).toBe(-128);
  });
});

describe('bilinear resize', () => {
  it('is the identity at the same size', () => {
    const img: RawImage = { data: Uint8Array.of(0, 10, 20, 30, 40, 50), width: 3, height: 2, channels: 1 };
    expect(Array.from(resizeBilinear(img, 2, 3))).toEqual([0, 10, 20, 30, 40, 50]);
  });

  it('upsamples 2x2 to 4x4 with half-pixel centres', () => {
    // Source positions for 4 outputs from 2 inputs: (o + 0.5) / 2 - 0.5 = -0.25 (-> 0), 0.25, 0.75, 1.25 (-> 1).
    // Image [[0, 100], [200, 40]]. Along x, row 0: 0, 25, 75, 100; row 1: 200, 160, 80, 40.
    // Along y with the same weights 0, 0.25, 0.75, 1:
    //   y 0:    0,     25,     75,    100
    //   y 0.25: 50,    58.75,  76.25, 85
    //   y 0.75: 150,   126.25, 78.75, 55
    //   y 1:    200,   160,    80,    40
    const img: RawImage = { data: Uint8Array.of(0, 100, 200, 40), width: 2, height: 2, channels: 1 };
    expect(Array.from(resizeBilinear(img, 4, 4))).toEqual([0, 25, 75, 100, 50, 58.75, 76.25, 85, 150, 126.25, 78.75, 55, 200, 160, 80, 40]);
  });

  it('downsamples 4x4 to 2x2 by sampling block centres (the mean of each 2x2 block)', () => {
    // Source positions (o + 0.5) * 2 - 0.5 = 0.5, 2.5: halfway between two pixels in each direction.
    const img: RawImage = { data: Uint8Array.from({ length: 16 }, (_, i) => i * 10), width: 4, height: 4, channels: 1 };
    // Block (0,0): 0, 10, 40, 50 -> 25; (0,1): 20, 30, 60, 70 -> 45; (1,0): 105; (1,1): 125.
    expect(Array.from(resizeBilinear(img, 2, 2))).toEqual([25, 45, 105, 125]);
  });

  it('resizes each channel, in HWC or CHW layout alike', () => {
    const r = [0, 100, 200, 40], g = [10, 20, 30, 40], b = [255, 0, 255, 0];
    const hwc: RawImage = { data: Uint8Array.from(r.flatMap((v, i) => [v, g[i], b[i]])), width: 2, height: 2, channels: 3 };
    const chw: RawImage = { data: Uint8Array.from([...r, ...g, ...b]), width: 2, height: 2, channels: 3, layout: 'chw' };
    const a = resizeBilinear(hwc, 3, 5), c = resizeBilinear(chw, 3, 5);
    expect(Array.from(a)).toEqual(Array.from(c));
    expect(Array.from(resizeBilinear({ data: Uint8Array.from(r), width: 2, height: 2, channels: 1 }, 3, 5))).toEqual(Array.from(a.subarray(0, 15)));
  });
});

describe('image to model input', () => {
  const spec = { shape: [3, 4, 4], q: PAPER };

  it('makes a grayscale image three identical channels', () => {
    const img: RawImage = { data: Uint8Array.of(0, 100, 200, 40), width: 2, height: 2, channels: 1 };
    const x = imageToInput(img, spec);
    expect(x.length).toBe(48);
    // The resized plane of the 2x2 -> 4x4 test above, minus 127.5, rounded half to even.
    const plane = [0, 25, 75, 100, 50, 58.75, 76.25, 85, 150, 126.25, 78.75, 55, 200, 160, 80, 40].map((v) => quantizePixel(v, PAPER));
    expect(plane.slice(0, 4)).toEqual([-128, -102, -52, -28]); // -127.5 -> -128, -102.5 -> -102, -52.5 -> -52, -27.5 -> -28
    expect(Array.from(x)).toEqual([...plane, ...plane, ...plane]);
  });

  it('maps RGB to RGB, drops alpha, and uses luma for a one-channel input', () => {
    const rgba: RawImage = { data: Uint8Array.of(10, 128, 250, 7), width: 1, height: 1, channels: 4 };
    // 10 - 127.5 = -117.5 -> -118; 128 -> 0.5 -> 0; 250 -> 122.5 -> 122.
    expect(Array.from(imageToInput(rgba, { shape: [3, 1, 1], q: PAPER }))).toEqual([-118, 0, 122]);
    // Luma 0.299 * 10 + 0.587 * 128 + 0.114 * 250 = 106.626 -> -20.874 -> -21.
    expect(Array.from(imageToInput(rgba, { shape: [1, 1, 1], q: PAPER }))).toEqual([-21]);
  });

  it('uses the model\'s input tensor (shape and quantization), defaulting to the paper\'s', () => {
    const g = buildGraph(zooArch('mcunet-5fps'), { resolution: 96 });
    const img = grayImageAt(Uint8Array.from({ length: 2 * 28 * 28 }, (_, i) => i & 0xff), 1, 28, 28);
    const x = imageToInput(img, g.tensors[g.input]);
    expect(x.length).toBe(3 * 96 * 96);
    expect(Array.from(imageToInput(img, { shape: [3, 96, 96] }))).toEqual(Array.from(x));
    expect(Array.from(imageToInput(img, { shape: [3, 96, 96], q: { scale: 1 / 255, zeroPoint: 0 } }))).not.toEqual(Array.from(x));
  });

  it('refuses bad images and specs', () => {
    const img: RawImage = { data: new Uint8Array(4), width: 2, height: 2, channels: 1 };
    expect(() => imageToInput({ ...img, data: new Uint8Array(5) }, spec)).toThrow('image data has 5 bytes, a 2 x 2 x 1 image has 4');
    expect(() => imageToInput({ ...img, channels: 2, data: new Uint8Array(8) }, spec)).toThrow('image has 2 channels; 1, 3 or 4 are supported');
    expect(() => imageToInput({ ...img, width: 0, data: new Uint8Array(0) }, spec)).toThrow('image size 0 x 2 must be positive whole numbers');
    expect(() => imageToInput({ ...img, layout: 'nhwc' as 'hwc' }, spec)).toThrow('unknown image layout "nhwc"');
    expect(() => imageToInput(img, { shape: [3, 4] })).toThrow('the input tensor must be C x H x W, got 3x4');
    expect(() => imageToInput(img, { shape: [3, 4, 4], q: { scale: 0, zeroPoint: 0 } })).toThrow(/input quantization \(scale 0, zero point 0\) is not usable/);
    expect(() => imageToInput({ data: new Uint8Array(12), width: 2, height: 2, channels: 3 }, { shape: [2, 4, 4] }))
      .toThrow('cannot map a 3-channel image onto a 2-channel input');
    expect(() => grayImageAt(new Uint8Array(784 * 2), 2, 28, 28)).toThrow('image 2 is out of range: the set has 2 images');
  });
});
