/**
 * From an 8-bit image to the model's int8 input tensor [C, R, R] (NCHW, batch 1). Environment-neutral.
 *
 * Steps, in this order:
 * 1. Bilinear resize of each source channel to R x R, in float64, without rounding to 8 bits:
 *    half-pixel centres (OpenCV INTER_LINEAR, torch `interpolate(align_corners=False)`): output pixel
 *    x samples source coordinate `(x + 0.5) * W_in / W_out - 0.5`, clamped to [0, W_in - 1].
 *    No anti-aliasing when shrinking (the paper's 128x128 inputs are upscaled here anyway).
 * 2. Channels: a grayscale image is repeated into every model channel; RGB(A) feeds an RGB model
 *    directly (alpha dropped), or a one-channel model through luma 0.299 R + 0.587 G + 0.114 B.
 * 3. Normalisation and quantization, following the model's input QParams (scale s, zero point z).
 *    The paper's models were trained on `(pixel / 255 - 0.5) / 0.5` in [-1, 1] (its int8 pipeline
 *    normalises with mean 0.5, std 1/255, i.e. pixel - 127.5, and reads that at scale 2/255), so
 *      real = (v / 255 - 0.5) / 0.5 = (2 v - 255) / 255
 *      q    = clamp(rint(real / s) + z, -128, 127) = clamp(rint((2 v - 255) / (255 s)) + z, -128, 127)
 *    computed as the right-hand form in float64. For the paper's models (s = 0.00784313725490196,
 *    the double nearest 2/255, and z = 0) 255 * s is exactly 2.0, so q = rint(v - 127.5) exactly:
 *    that is pixel - 128 up to the rounding of the half. `rint` rounds half to even, as torch.round
 *    in the paper's first conv does, so an integer pixel value p (an exact half) gives p - 128 for
 *    even p and p - 127 for odd p; 255 gives 128, clamped to 127; 0 gives -128.
 */
import { InputError } from '../input-error.ts';
import type { QParams } from '../ir/tensor.ts';
import { rint } from '../quant/arith.ts';

/** An 8-bit image. `layout` 'hwc' is interleaved (canvas ImageData, PIL, IDX); 'chw' is planar. */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** 1 (grayscale), 3 (RGB) or 4 (RGBA, alpha ignored). */
  channels: number;
  /** Default 'hwc'. */
  layout?: 'hwc' | 'chw';
}

/** What the input must become: the model input tensor's shape [C, H, W] and quantization. */
export interface InputSpec {
  shape: readonly number[];
  q?: QParams;
}

/** The paper's input quantization: scale 2/255, zero point 0. */
export const PAPER_INPUT_QUANT: QParams = { scale: 2 / 255, zeroPoint: 0 };

function checkImage(img: RawImage): void {
  const { width, height, channels, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InputError(`image size ${width} x ${height} must be positive whole numbers`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new InputError(`image has ${channels} channels; 1, 3 or 4 are supported`);
  if (data.length !== width * height * channels) {
    throw new InputError(`image data has ${data.length} bytes, a ${width} x ${height} x ${channels} image has ${width * height * channels}`);
  }
  if (img.layout !== undefined && img.layout !== 'hwc' && img.layout !== 'chw') throw new InputError(`unknown image layout "${String(img.layout)}"`);
}

/** Sample positions of a half-pixel-centre bilinear resize along one axis. */
function axis(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; f: Float64Array } {
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize), f = new Float64Array(outSize);
  const ratio = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const s = Math.min(Math.max((o + 0.5) * ratio - 0.5, 0), inSize - 1);
    const a = Math.floor(s);
    i0[o] = a;
    i1[o] = Math.min(a + 1, inSize - 1);
    f[o] = s - a;
  }
  return { i0, i1, f };
}

/**
 * Bilinear resize of every channel to outH x outW, float64 values (not rounded), planar [C, outH, outW].
 */
export function resizeBilinear(img: RawImage, outH: number, outW: number): Float64Array {
  checkImage(img);
  if (!Number.isInteger(outH) || !Number.isInteger(outW) || outH < 1 || outW < 1) throw new InputError(`target size ${outH} x ${outW} must be positive whole numbers`);
  const { width: w, height: h, channels: c, data } = img;
  const planar = img.layout === 'chw';
  const at = (ch: number, y: number, x: number) => (planar ? data[(ch * h + y) * w + x] : data[(y * w + x) * c + ch]);
  const ys = axis(h, outH), xs = axis(w, outW);
  const out = new Float64Array(c * outH * outW);
  for (let ch = 0; ch < c; ch++) {
    for (let oy = 0; oy < outH; oy++) {
      const y0 = ys.i0[oy], y1 = ys.i1[oy], fy = ys.f[oy];
      for (let ox = 0; ox < outW; ox++) {
        const x0 = xs.i0[ox], x1 = xs.i1[ox], fx = xs.f[ox];
        const top = at(ch, y0, x0) + (at(ch, y0, x1) - at(ch, y0, x0)) * fx;
        const bottom = at(ch, y1, x0) + (at(ch, y1, x1) - at(ch, y1, x0)) * fx;
        out[(ch * outH + oy) * outW + ox] = top + (bottom - top) * fy;
      }
    }
  }
  return out;
}

/** The int8 value of a pixel intensity v in [0, 255] under the input quantization q (see the file comment). */
export function quantizePixel(v: number, q: QParams): number {
  const r = rint((2 * v - 255) / (255 * q.scale)) + q.zeroPoint;
  return r < -128 ? -128 : r > 127 ? 127 : r;
}

/**
 * The model input [C, H, W] int8 for an image: resize, channel mapping and quantization as described
 * at the top of this file. Pass the graph's input tensor as `spec` so the model's own input
 * quantization is used (the paper's scale 2/255 and zero point 0 when it has none).
 */
export function imageToInput(img: RawImage, spec: InputSpec): Int8Array {
  if (spec.shape.length !== 3) throw new InputError(`the input tensor must be C x H x W, got ${spec.shape.join('x')}`);
  const [mc, mh, mw] = spec.shape;
  const q = spec.q ?? PAPER_INPUT_QUANT;
  if (!(q.scale > 0) || !Number.isFinite(q.scale) || !Number.isInteger(q.zeroPoint)) {
    throw new InputError(`input quantization (scale ${q.scale}, zero point ${q.zeroPoint}) is not usable`);
  }
  const resized = resizeBilinear(img, mh, mw);
  const plane = mh * mw;
  const out = new Int8Array(mc * plane);
  const ic = img.channels;
  for (let ch = 0; ch < mc; ch++) {
    for (let p = 0; p < plane; p++) {
      let v: number;
      if (ic === 1) v = resized[p];
      else if (mc === 1) v = 0.299 * resized[p] + 0.587 * resized[plane + p] + 0.114 * resized[2 * plane + p];
      else if (mc === 3) v = resized[ch * plane + p];
      else throw new InputError(`cannot map a ${ic}-channel image onto a ${mc}-channel input`);
      out[ch * plane + p] = quantizePixel(v, q);
    }
  }
  return out;
}

/** Image i of a set of grayscale images stored back to back (as an IDX file holds them). */
export function grayImageAt(images: Uint8Array, index: number, rows: number, cols: number): RawImage {
  const n = rows * cols;
  if (!Number.isInteger(index) || index < 0 || (index + 1) * n > images.length) {
    throw new InputError(`image ${index} is out of range: the set has ${Math.floor(images.length / n)} images`);
  }
  return { data: images.subarray(index * n, (index + 1) * n), width: cols, height: rows, channels: 1 };
}
