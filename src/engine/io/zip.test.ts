import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelFileError } from './errors.ts';
import { readTorchPickleZip } from './read-pickle-zip.ts';
import { PickleWriter, modelZip, zipOf } from './test-helpers.ts';
import { listZipEntries, readZipEntry } from './zip.ts';

const real = new Uint8Array(readFileSync(new URL('../../../../shared/models/tiny-training/mcunet-5fps.pkl', import.meta.url)));
const tiny = new PickleWriter().proto().emptyDict().str('a').int(1).raw(0x73).stop().bytes(); // {'a': 1}

function expectError(bytes: Uint8Array, message: RegExp): ModelFileError {
  let err: unknown;
  try {
    readTorchPickleZip(bytes);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ModelFileError);
  expect((err as Error).message).toMatch(message);
  return err as ModelFileError;
}

// Offsets in a zip without an archive comment (fflate's and the model files'), to patch fields.
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const eocd = (b: Uint8Array) => b.length - 22;
const central = (b: Uint8Array) => view(b).getUint32(eocd(b) + 16, true);

describe('zip container', () => {
  it('reads a stored zip built by fflate, and a deflated one', () => {
    expect(readTorchPickleZip(modelZip(tiny))).toEqual(Object.assign(Object.create(null), { a: 1 }));
    expect(readTorchPickleZip(modelZip(tiny, 6))).toEqual(Object.assign(Object.create(null), { a: 1 }));
  });

  it('accepts any <dir>/data.pkl but not a bare data.pkl or several', () => {
    expect(readTorchPickleZip(modelZip(tiny, 0, 'my-model'))).toMatchObject({ a: 1 });
    expectError(zipOf({ 'data.pkl': tiny }), /no <dir>\/data\.pkl entry in the archive \(entries: "data\.pkl"\)/);
    expectError(zipOf({ 'a/data.pkl': tiny, 'b/data.pkl': tiny }), /several data\.pkl entries \(a\/data\.pkl, b\/data\.pkl\)/);
  });

  it('refuses an empty file', () => {
    expectError(new Uint8Array(0), /zip: the file is empty \(0 bytes\)/);
  });

  it('refuses a file that is not a zip', () => {
    expectError(new TextEncoder().encode('this is definitely not a zip archive, just text'), /not a zip archive/);
    expectError(new Uint8Array(10), /only 10 bytes, too short to be a zip/);
    expectError(tiny, /too short|not a zip archive/); // a bare pickle, as old torch.save wrote
  });

  it('refuses a zip without data.pkl', () => {
    expectError(zipOf({ 'archive/version': new Uint8Array([51, 10]), 'readme.txt': new Uint8Array(3) }),
      /no <dir>\/data\.pkl entry in the archive \(entries: "archive\/version", "readme\.txt"\)/);
  });

  it('refuses truncated zips', () => {
    for (const n of [real.length - 1, real.length - 30, real.length >> 1, 100, 30]) {
      expectError(real.subarray(0, n), /truncated/);
    }
  });

  it('refuses an entry claiming 4 GB (stored or deflated) without allocating it', () => {
    const z = modelZip(tiny);
    view(z).setUint32(central(z) + 24, 0xfffffff0, true);
    expectError(z, /entry "archive\/data\.pkl" declares 4294967280 uncompressed bytes, more than the 67108864-byte limit/);
    const d = modelZip(tiny, 6);
    view(d).setUint32(central(d) + 24, 50_000_000, true);
    expectError(d, /claims 50000000 bytes from \d+ compressed bytes, impossible for deflate/);
  });

  it('refuses deflated data longer or shorter than declared', () => {
    const d = modelZip(tiny, 6);
    view(d).setUint32(central(d) + 24, tiny.length - 1, true);
    expectError(d, /inflates to more than \d+ bytes, directory says/);
    view(d).setUint32(central(d) + 24, tiny.length + 1, true);
    expectError(d, new RegExp(`inflates to ${tiny.length} bytes, directory says ${tiny.length + 1}`));
  });

  it('refuses a corrupt deflate stream', () => {
    const d = modelZip(new Uint8Array(1000).fill(7), 6);
    const e = listZipEntries(d)[0];
    const dataStart = e.localHeaderOffset + 30 + view(d).getUint16(e.localHeaderOffset + 26, true) + view(d).getUint16(e.localHeaderOffset + 28, true);
    d.fill(0xff, dataStart, dataStart + e.compressedSize);
    expectError(d, /zip: cannot inflate "archive\/data\.pkl"|CRC mismatch/);
  });

  it('detects corruption by CRC', () => {
    const z = real.slice();
    z[5000] ^= 1;
    const err = expectError(z, /CRC mismatch in "archive\/data\.pkl": computed 0x[0-9a-f]{8}, directory says 0x[0-9a-f]{8}/);
    const at = listZipEntries(real)[0].localHeaderOffset;
    expect(err.offset).toBe(at + 30 + view(real).getUint16(at + 26, true) + view(real).getUint16(at + 28, true));
  });

  it('refuses unsupported compression, encryption and bad offsets', () => {
    const m = modelZip(tiny);
    view(m).setUint16(central(m) + 10, 12, true);
    expectError(m, /uses compression method 12; only stored \(0\) and deflate \(8\) are supported/);
    const enc = modelZip(tiny);
    view(enc).setUint16(central(enc) + 8, 1, true);
    expectError(enc, /is encrypted/);
    const off = modelZip(tiny);
    view(off).setUint32(central(off) + 42, 0x7fffff00, true);
    expectError(off, /local header of "archive\/data\.pkl" needs 30 bytes at offset 2147483392/);
    const sig = modelZip(tiny);
    view(sig).setUint32(central(sig) + 42, 5, true);
    expectError(sig, /bad local header signature/);
  });

  it('refuses a corrupt central directory', () => {
    const many = modelZip(tiny);
    view(many).setUint16(eocd(many) + 10, 5000, true);
    expectError(many, /claims 5000 entries but is only \d+ bytes/);
    const past = modelZip(tiny);
    view(past).setUint32(eocd(past) + 16, past.length, true);
    expectError(past, /extends past the end record/);
    const bad = modelZip(tiny);
    view(bad).setUint32(central(bad), 0x12345678, true);
    expectError(bad, /bad central directory signature for entry 0/);
  });

  it('follows the ZIP64 end record when the classic one is saturated', () => {
    // The model files carry ZIP64 records (Python's zipfile writes them); make the reader need them.
    const z = real.slice();
    view(z).setUint16(eocd(z) + 8, 0xffff, true);
    view(z).setUint16(eocd(z) + 10, 0xffff, true);
    view(z).setUint32(eocd(z) + 12, 0xffffffff, true);
    view(z).setUint32(eocd(z) + 16, 0xffffffff, true);
    expect(listZipEntries(z).map((e) => e.name)).toEqual(['archive/data.pkl', 'archive/version']);
    expect(readTorchPickleZip(z)).toMatchObject({ feature_mix: null });
    view(z).setUint32(eocd(z) - 20, 0, true); // break the locator
    expectError(z, /ZIP64 end-of-central-directory locator missing/);
  });

  it('returns stored entries without copying and checks the CRC of inflated ones', () => {
    const z = modelZip(tiny);
    const e = listZipEntries(z).find((x) => x.name === 'archive/data.pkl')!;
    const data = readZipEntry(z, e);
    expect(data.buffer).toBe(z.buffer);
    expect(Array.from(data)).toEqual(Array.from(tiny));
    expect(() => readZipEntry(z, e, 4)).toThrow(/more than the 4-byte limit/);
  });
});
