import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { datasetFromIdx, gunzipBounded, IdxError, isGzip, parseIdx, parseIdxImages, parseIdxLabels } from './idx.ts';

/** An IDX file: 00 00 type ndim, big-endian uint32 dims, then the values. */
function idx(type: number, dims: number[], values: number[], extra: number[] = []): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + values.length + extra.length);
  const dv = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  out.set(values, 4 + 4 * dims.length);
  out.set(extra, 4 + 4 * dims.length + values.length);
  return out;
}

// Two 2 x 3 images and their labels.
const PIXELS = [0, 1, 2, 3, 4, 255, 10, 20, 30, 40, 50, 60];
const IMAGES = idx(0x08, [2, 2, 3], PIXELS);
const LABELS = idx(0x08, [2], [7, 3]);

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(IdxError);
    return (e as Error).message;
  }
  throw new Error('expected an IdxError');
}

describe('IDX parser', () => {
  it('reads uint8 images and labels', () => {
    const img = parseIdxImages(IMAGES, 'imgs');
    expect({ count: img.count, rows: img.rows, cols: img.cols, images: Array.from(img.images) }).toEqual({ count: 2, rows: 2, cols: 3, images: PIXELS });
    expect(Array.from(parseIdxLabels(LABELS, 'labels'))).toEqual([7, 3]);
    expect(parseIdx(idx(0x08, [2, 2], [1, 2, 3, 4])).dims).toEqual([2, 2]);
  });

  it('reads the same files gzip-compressed', () => {
    const gz = gzipSync(IMAGES);
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(IMAGES)).toBe(false);
    const img = parseIdxImages(gz, 'imgs.gz');
    expect(Array.from(img.images)).toEqual(PIXELS);
    expect(Array.from(parseIdxLabels(gzipSync(LABELS, { level: 9 }), 'labels.gz'))).toEqual([7, 3]);
    // A large, highly compressible file too.
    const big = idx(0x08, [100, 28, 28], Array.from({ length: 78400 }, (_, i) => (i * 31) & 0xff));
    expect(Array.from(parseIdxImages(gzipSync(big), 'big.gz').images.subarray(0, 4))).toEqual([0, 31, 62, 93]);
  });

  it('pairs images with labels', () => {
    const d = datasetFromIdx(IMAGES, gzipSync(LABELS), { imagesName: 'i', labelsName: 'l' });
    expect([d.count, d.rows, d.cols, d.classes, Array.from(d.labels)]).toEqual([2, 2, 3, 10, [7, 3]]);
  });

  it('refuses wrong magic numbers, naming the file', () => {
    expect(message(() => parseIdxImages(LABELS, 'train-images'))).toBe(
      'train-images: wrong magic number 0x00000801 (that is a label file), expected 0x00000803 for uint8 images [n, rows, cols]');
    expect(message(() => parseIdxLabels(IMAGES, 'lab'))).toMatch(/^lab: wrong magic number 0x00000803 \(that is an image file\), expected 0x00000801/);
    expect(message(() => parseIdxLabels(gzipSync(IMAGES), 'lab.gz'))).toMatch(/^lab.gz: wrong magic number 0x00000803/);
    expect(message(() => parseIdx(new TextEncoder().encode('PK\x03\x04 not idx'), 'x.zip'))).toMatch(/^x.zip: bad magic number 0x504b0304: not an IDX file/);
    expect(message(() => parseIdx(idx(0x0d, [1], [0, 0, 0, 0]), 'floats'))).toMatch(/^floats: magic 0x00000d01: data type float \(0x0d\) is not supported/);
    expect(message(() => parseIdx(idx(0x08, [], []), 'nodims'))).toMatch(/^nodims: magic 0x00000800 declares 0 dimensions/);
  });

  it('refuses truncated files and counts that exceed the bytes', () => {
    expect(message(() => parseIdxImages(new Uint8Array(0), 'empty'))).toMatch(/^empty: 0 bytes is too short for an IDX header/);
    expect(message(() => parseIdxImages(IMAGES.subarray(0, 10), 'cut'))).toMatch(/^cut: truncated header: 3 dimensions need 16 bytes, the file has 10/);
    expect(message(() => parseIdxImages(IMAGES.subarray(0, IMAGES.length - 1), 'short'))).toBe(
      'short: declares 2 x 2 x 3 = 12 values but only 11 bytes follow the header (truncated file or wrong count)');
    // A count far beyond the data (as a corrupt header would have).
    expect(message(() => parseIdxLabels(idx(0x08, [60000], [1, 2, 3]), 'labels'))).toMatch(/^labels: declares 60000 = 60000 values but only 3 bytes/);
    expect(message(() => parseIdxImages(idx(0x08, [0xffffffff, 28, 28], [1]), 'huge'))).toMatch(/^huge: declares 4294967295 x 28 x 28 = \d+ values but only 1 bytes/);
    expect(message(() => parseIdxImages(idx(0x08, [2, 2, 3], PIXELS, [9, 9]), 'long'))).toMatch(/^long: .* 14 bytes follow the header \(2 extra bytes\)/);
    expect(message(() => parseIdxImages(idx(0x08, [0, 0, 3], []), 'flat'))).toMatch(/^flat: images of 0 x 3 pixels are empty/);
  });

  it('refuses truncated or corrupt gzip data', () => {
    const gz = gzipSync(idx(0x08, [100, 28, 28], Array.from({ length: 78400 }, (_, i) => (i * 7919) % 251)));
    expect(message(() => parseIdxImages(gz.subarray(0, 12), 'tiny.gz'))).toMatch(/^tiny.gz: gzip file of 12 bytes is truncated/);
    // Cut in the middle: the footer read is garbage (a forged size or a CRC mismatch), or inflate fails.
    expect(message(() => parseIdxImages(gz.subarray(0, gz.length >> 1), 'half.gz'))).toMatch(/^half.gz: .*truncated or corrupt/);
    // One flipped byte in the deflate stream.
    const bad = gz.slice();
    bad[gz.length >> 1] ^= 0x55;
    expect(message(() => parseIdxImages(bad, 'flip.gz'))).toMatch(/^flip.gz: (cannot decompress|gzip CRC mismatch|gzip data decompresses)/);
    // A wrong CRC with intact data.
    const crc = gz.slice();
    crc[crc.length - 8] ^= 1;
    expect(message(() => parseIdxImages(crc, 'crc.gz'))).toMatch(/^crc.gz: gzip CRC mismatch, computed 0x[0-9a-f]{8}, footer says 0x[0-9a-f]{8} \(corrupt file\)/);
    // The footer's size lies: smaller than the data, larger than the data.
    const setSize = (n: number) => {
      const c = gz.slice();
      new DataView(c.buffer).setUint32(c.length - 4, n, true);
      return c;
    };
    expect(message(() => parseIdxImages(setSize(1000), 'small.gz'))).toMatch(/^small.gz: (gzip data decompresses to more than 1000 bytes|cannot decompress)/);
    expect(message(() => parseIdxImages(setSize(78416 + 5), 'large.gz'))).toMatch(/^large.gz: gzip data decompresses to 78416 bytes but the footer declares 78421/);
    expect(message(() => parseIdxImages(setSize(0xfffffff0), 'bomb.gz'))).toMatch(/^bomb.gz: gzip file claims 4294967280 bytes from \d+ compressed bytes, impossible/);
    expect(message(() => parseIdxImages(setSize(50_000_000), 'forged.gz'))).toMatch(/^forged.gz: gzip file claims 50000000 bytes from \d+ compressed bytes, impossible for deflate/);
    // A caller's limit.
    expect(message(() => parseIdxImages(gz, 'limit.gz', { maxBytes: 1000 }))).toMatch(/^limit.gz: gzip file declares 78416 decompressed bytes, more than the 1000-byte limit/);
    expect(message(() => gunzipBounded(IMAGES, 'plain'))).toMatch(/^plain: not a gzip file/);
  });

  it('refuses mismatched image and label files', () => {
    expect(message(() => datasetFromIdx(IMAGES, idx(0x08, [3], [1, 2, 3]), { imagesName: 'imgs', labelsName: 'labs' })))
      .toBe('labs: has 3 labels but imgs has 2 images');
    expect(message(() => datasetFromIdx(IMAGES, idx(0x08, [2], [1, 10]), { labelsName: 'labs' })))
      .toBe('labs: label 10 of item 1 is not below the 10 classes');
    expect(datasetFromIdx(IMAGES, idx(0x08, [2], [1, 10]), { classes: 11 }).classes).toBe(11);
  });
});
