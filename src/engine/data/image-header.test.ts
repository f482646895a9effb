/**
 * Images from outside are sized from their header before any decoder runs, and must be complete: a
 * PNG declaring 20000 x 20000 pixels is skipped without being decoded, a truncated PNG or JPEG is
 * skipped instead of being read as a partly black image, a zip whose entries share one deflate
 * stream is refused, and a dataset over its pixel budget is refused naming where it ran out.
 */
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { overlappingZip } from '../../../tests/fuzz/formats.ts';
import { InputError } from '../input-error.ts';
import { crc32, readZipFiles } from '../io/zip.ts';
import { IMAGE_LIMITS } from '../limits.ts';
import { checkImageComplete, readImageHeader } from './image-header.ts';
import { loadImageFolder } from './image-folder.ts';
import { decodeImageNode } from './node-images.ts';

function chunk(type: string, data: Uint8Array): Buffer {
  const b = Buffer.alloc(12 + data.length);
  b.writeUInt32BE(data.length, 0);
  b.write(type, 4, 'latin1');
  Buffer.from(data).copy(b, 8);
  b.writeUInt32BE(crc32(b.subarray(4, 8 + data.length)), 8 + data.length);
  return b;
}

/** An RGB PNG whose header says w x h but whose image data holds `rows` rows (all chunks well-formed). */
function pngWithRows(w: number, h: number, rows: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc(rows * (1 + 3 * w), 7);
  for (let r = 0; r < rows; r++) raw[r * (1 + 3 * w)] = 0;
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]));
}

const png = (w: number, h: number) => new Uint8Array(PNG.sync.write(Object.assign(new PNG({ width: w, height: h }), { data: Buffer.alloc(w * h * 4, 90) })));
const jpg = (w: number, h: number) => new Uint8Array(jpeg.encode({ data: Buffer.alloc(w * h * 4, 90), width: w, height: h }, 90).data);

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('image headers and completeness', () => {
  it('reads the size of PNG and JPEG files from their headers', () => {
    expect(readImageHeader(png(7, 5))).toEqual({ format: 'png', width: 7, height: 5 });
    expect(readImageHeader(jpg(17, 9))).toEqual({ format: 'jpeg', width: 17, height: 9 });
    for (const b of [png(7, 5), jpg(17, 9), pngWithRows(6, 4, 4)]) expect(() => checkImageComplete(b, readImageHeader(b))).not.toThrow();
  });

  it('a PNG declaring 20000 x 20000 pixels is skipped from its header, never decoded', async () => {
    const big = pngWithRows(20000, 20000, 1);
    const decoded: Uint8Array[] = [];
    const set = await loadImageFolder([{ path: 'a/big.png', bytes: big }, { path: 'a/ok.png', bytes: png(4, 4) }, { path: 'b/ok.png', bytes: png(4, 4) }],
      (b) => { decoded.push(b); return decodeImageNode(b); });
    expect(set.count).toBe(2);
    expect(decoded.includes(big)).toBe(false);
    expect(set.skipped[0]).toEqual({ path: 'a/big.png', reason: 'is 20000 x 20000 pixels, more than the 16384 per side and 16,777,216 pixels an image may have' });
  });

  it('a truncated PNG is refused, not read as black', () => {
    // The decoders accept this one: 3000 x 3000 declared, 2 rows of image data, every chunk well-formed.
    const short = pngWithRows(3000, 3000, 2);
    expect(PNG.sync.read(Buffer.from(short)).width).toBe(3000);
    expect(refusal(() => checkImageComplete(short, readImageHeader(short)))).toBe('the PNG\'s image data has 18002 of the 27003000 bytes its header implies (truncated)');
    const full = png(32, 32);
    for (const cut of [full.length - 5, full.length - 12, 60, 40]) {
      const b = full.subarray(0, cut);
      expect(refusal(() => checkImageComplete(b, readImageHeader(b)))).toMatch(/truncated|cut off|no IEND/);
    }
  });

  it('a truncated JPEG is refused, and a corrupt one is said to be corrupt (no decoder internals)', () => {
    const full = jpg(24, 24);
    for (const cut of [full.length - 2, Math.floor(full.length / 2)]) {
      const b = full.subarray(0, cut);
      expect(refusal(() => checkImageComplete(b, readImageHeader(b)))).toMatch(/truncated/);
    }
    const corrupt = full.slice();
    corrupt.fill(0xff, 20, 200);
    const msg = refusal(() => decodeImageNode(corrupt));
    expect(msg).toMatch(/^the JPEG data is corrupt/);
    expect(msg).not.toMatch(/Cannot read|undefined/);
  });

  it('a dataset over its pixel budget is refused naming where it ran out', async () => {
    const side = 4000; // 16 Mpx each: under the per-image limit, 135 of them pass the 2^31 decoded-pixel budget
    const big = pngWithRows(side, side, 1);
    const files = Array.from({ length: Math.ceil(IMAGE_LIMITS.datasetPixels / side / side) + 1 }, (_, i) => ({ path: `${i % 2 ? 'a' : 'b'}/${i}.png`, bytes: big }));
    await expect(loadImageFolder(files, () => ({ data: new Uint8Array(4), width: 1, height: 1, channels: 4 }))).rejects.toThrow(/^the images up to "[ab]\/\d+\.png" have more than the 2,147,483,648 pixels a dataset may decode$/);
  }, 120_000);
});

describe('zip archives of datasets', () => {
  it('entries sharing one deflate stream are refused before anything is inflated', () => {
    const bomb = overlappingZip(1000, 1 << 20);
    expect(bomb.length).toBeLessThan(100 * 1024);
    expect(refusal(() => readZipFiles(bomb, { maxTotalBytes: 1 << 30, maxEntryBytes: 1 << 30 }))).toMatch(/^zip: entries ".*" and ".*" overlap in the archive \(a zip bomb\?\)/);
  });

  it('the inflated total is bounded across the archive', () => {
    const zip = overlappingZip(1, 1 << 20);
    expect(refusal(() => readZipFiles(zip, { maxTotalBytes: 1 << 19, maxEntryBytes: 1 << 30 }))).toMatch(/^zip: the archive's files inflate to more than the 512 KB allowed/);
  });
});
