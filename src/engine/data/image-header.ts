/**
 * What a PNG or JPEG is before anyone decodes it. readImageHeader takes the dimensions from the
 * header, so a file declaring 20000 x 20000 pixels is refused before a decoder allocates gigabytes;
 * checkImageComplete then walks the whole file, so a truncated image is refused instead of being
 * decoded as partly black (pngjs, jpeg-js and the browsers all fill missing rows silently).
 * Environment-neutral: the page (createImageBitmap) and Node (pngjs, jpeg-js) both call these first.
 */
import { Unzlib } from 'fflate';
import { InputError } from '../input-error.ts';
import { crc32 } from '../io/zip.ts';

export interface ImageHeader {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Channels of each PNG colour type, and the bit depths it allows. */
const PNG_COLOR: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};

const fail = (msg: string): never => {
  throw new InputError(msg);
};
const be32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const be16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];

export function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v);
}

export function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/** The format and dimensions from the header alone (a few dozen bytes for a PNG, the segments before the first frame for a JPEG). */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (isPng(bytes)) {
    if (bytes.length < 33 || be32(bytes, 8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') {
      fail('the PNG has no IHDR header (truncated or corrupt)');
    }
    return { format: 'png', width: be32(bytes, 16), height: be32(bytes, 20) };
  }
  if (isJpeg(bytes)) return { format: 'jpeg', ...jpegFrame(bytes) };
  return fail('neither a PNG nor a JPEG (unrecognised signature)');
}

/** The first frame header (SOFn) of a JPEG: its height and width. */
function jpegFrame(b: Uint8Array): { width: number; height: number } {
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) fail(`the JPEG has no marker at byte ${p} (corrupt)`);
    const m = b[p + 1];
    if (m === 0xff) { p++; continue; } // fill byte
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { p += 2; continue; }
    if (m === 0xd9 || m === 0xda) break; // end of image or a scan before any frame header
    const len = be16(b, p + 2);
    if (len < 2 || p + 2 + len > b.length) fail(`the JPEG segment at byte ${p} runs past the end of the file (truncated)`);
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (len < 8) fail('the JPEG frame header is too short');
      const height = be16(b, p + 5), width = be16(b, p + 7);
      if (height === 0 || width === 0) fail(`the JPEG declares ${width} x ${height} pixels`);
      return { width, height };
    }
    p += 2 + len;
  }
  return fail('the JPEG has no frame header before its image data (truncated or corrupt)');
}

/**
 * Checks that the whole image is in the file, once its dimensions are known to be within limits:
 * for a PNG every chunk's length and CRC, an IEND, and image data that inflates to exactly the size
 * the header implies; for a JPEG well-formed segments and an end-of-image marker after the last scan.
 */
export function checkImageComplete(bytes: Uint8Array, h: ImageHeader): void {
  if (h.format === 'png') checkPng(bytes, h);
  else checkJpeg(bytes);
}

function checkPng(b: Uint8Array, h: ImageHeader): void {
  const depth = b[24], color = b[25], interlace = b[28];
  const ct = PNG_COLOR[color];
  if (!ct || !ct.depths.includes(depth)) fail(`the PNG's colour type ${color} with bit depth ${depth} is not valid`);
  if (b[26] !== 0 || b[27] !== 0 || interlace > 1) fail('the PNG uses an unknown compression, filter or interlace method');
  if (h.width === 0 || h.height === 0) fail(`the PNG declares ${h.width} x ${h.height} pixels`);
  const bits = depth * ct.channels;
  const rowBytes = (w: number) => (w === 0 ? 0 : 1 + Math.ceil((w * bits) / 8));
  // Adam7 passes: (x0, y0, dx, dy).
  const passes = interlace ? [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] : [[0, 0, 1, 1]];
  let expected = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((h.width - x0) / dx), ph = Math.ceil((h.height - y0) / dy);
    if (pw > 0 && ph > 0) expected += ph * rowBytes(pw);
  }
  let inflated = 0, ended = false;
  const unzlib = new Unzlib((chunk) => {
    inflated += chunk.length;
    if (inflated > expected) fail(`the PNG's image data inflates to more than the ${expected} bytes its header implies (corrupt)`);
  });
  let p = 8;
  while (p < b.length) {
    if (p + 12 > b.length) fail(`the PNG chunk at byte ${p} is cut off (truncated)`);
    const len = be32(b, p);
    const type = String.fromCharCode(...b.subarray(p + 4, p + 8));
    if (len > b.length - p - 12) fail(`the PNG chunk "${type.replace(/[^\x20-\x7e]/g, '?')}" at byte ${p} runs past the end of the file (truncated)`);
    if (crc32(b.subarray(p + 4, p + 8 + len)) !== be32(b, p + 8 + len)) fail(`the PNG chunk at byte ${p} fails its CRC check (corrupt)`);
    if (type === 'IDAT') {
      try {
        // Small pieces: one push inflates at most ~1000 times its input, so memory stays small.
        for (let i = p + 8; i < p + 8 + len; i += 1024) unzlib.push(b.subarray(i, Math.min(i + 1024, p + 8 + len)));
      } catch (e) {
        if (e instanceof InputError) throw e;
        fail(`the PNG's image data does not inflate (${(e as Error).message})`);
      }
    }
    p += 12 + len;
    if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  if (!ended) fail('the PNG has no IEND chunk (truncated)');
  try {
    unzlib.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof InputError) throw e;
    fail('the PNG\'s image data ends early (truncated)');
  }
  if (inflated !== expected) fail(`the PNG's image data has ${inflated} of the ${expected} bytes its header implies (truncated)`);
}

function checkJpeg(b: Uint8Array): void {
  let p = 2;
  let scans = 0;
  while (p + 2 <= b.length) {
    if (b[p] !== 0xff) fail(`the JPEG has no marker at byte ${p} (corrupt)`);
    const m = b[p + 1];
    if (m === 0xd9) {
      if (scans === 0) fail('the JPEG ends before any image data');
      return;
    }
    if (m === 0xff) { p++; continue; }
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { p += 2; continue; }
    if (p + 4 > b.length) break;
    const len = be16(b, p + 2);
    if (len < 2 || p + 2 + len > b.length) fail(`the JPEG segment at byte ${p} runs past the end of the file (truncated)`);
    p += 2 + len;
    if (m === 0xda) {
      scans++;
      // Entropy-coded data: up to the next marker that is neither a stuffed 0xFF00 nor a restart marker.
      while (p + 1 < b.length && !(b[p] === 0xff && b[p + 1] !== 0x00 && !(b[p + 1] >= 0xd0 && b[p + 1] <= 0xd7))) p++;
    }
  }
  fail('the JPEG has no end-of-image marker (truncated)');
}
