/**
 * A minimal zip reader: enough for PyTorch-style model archives (a handful of entries, stored or
 * deflated, optionally with ZIP64 records). Every offset and size read from the file is checked
 * against the bytes actually present before it is used, so a corrupt or hostile file gives a
 * ModelFileError, never an out-of-range read or a huge allocation.
 */
import { inflateSync } from 'fflate';
import { formatLimit, MAX_ZIP_ENTRIES, show } from '../limits.ts';
import { ModelFileError } from './errors.ts';

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate; others are refused when read. */
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** Largest entry we inflate by default: model files are ~1 MB, this leaves ample room. */
export const DEFAULT_MAX_ENTRY_BYTES = 64 * 1024 * 1024;
/** Deflate cannot expand data by more than ~1032:1, so a larger claim is a lie we need not allocate for. */
const MAX_DEFLATE_RATIO = 1100;

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;

function fail(message: string, offset?: number): never {
  throw new ModelFileError(`zip: ${message}${offset === undefined ? '' : ` (at byte ${offset})`}`, offset);
}

/** Little-endian readers that check bounds first: a DataView RangeError would not say what is wrong. */
class Reader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(offset: number, n: number, what: string): void {
    if (offset < 0 || offset + n > this.bytes.length) {
      fail(`${what} needs ${n} bytes at offset ${offset} but the file has only ${this.bytes.length} bytes (truncated?)`, offset);
    }
  }
  u16(o: number): number { return this.view.getUint16(o, true); }
  u32(o: number): number { return this.view.getUint32(o, true); }
  /** 64-bit sizes as numbers; anything above 2^53 is far beyond any file we accept, so exactness does not matter. */
  u64(o: number): number { return this.view.getUint32(o + 4, true) * 2 ** 32 + this.view.getUint32(o, true); }
}

interface Directory { count: number; size: number; offset: number }

function findDirectory(r: Reader): Directory {
  const len = r.bytes.length;
  if (len === 0) fail('the file is empty (0 bytes)');
  if (len < EOCD_SIZE) fail(`the file is only ${len} bytes, too short to be a zip archive`);
  // The end record sits at the very end, followed only by a comment of at most 65535 bytes.
  let eocd = -1;
  for (let p = len - EOCD_SIZE; p >= Math.max(0, len - EOCD_SIZE - 0xffff); p--) {
    if (r.u32(p) === SIG_EOCD && p + EOCD_SIZE + r.u16(p + 20) <= len) { eocd = p; break; }
  }
  if (eocd < 0) {
    const isZipStart = len >= 4 && r.u32(0) === SIG_LOCAL;
    fail(isZipStart
      ? 'end-of-central-directory record not found: the archive is truncated'
      : 'not a zip archive (no end-of-central-directory record); expected a PyTorch-style .pkl zip');
  }
  let dir: Directory = { count: r.u16(eocd + 10), size: r.u32(eocd + 12), offset: r.u32(eocd + 16) };
  if (r.u16(eocd + 4) !== 0 && r.u16(eocd + 4) !== 0xffff) fail('multi-disk zip archives are not supported', eocd);
  // Saturated fields mean the real values are in the ZIP64 end record, found via the locator just before.
  if (dir.count === 0xffff || dir.size === 0xffffffff || dir.offset === 0xffffffff) dir = readZip64Directory(r, eocd);
  if (dir.offset + dir.size > eocd) {
    fail(`central directory (offset ${dir.offset}, ${dir.size} bytes) extends past the end record at ${eocd}: truncated or corrupt`, eocd);
  }
  if (dir.count * CENTRAL_SIZE > dir.size) fail(`central directory claims ${dir.count} entries but is only ${dir.size} bytes`, eocd);
  if (dir.count > MAX_ZIP_ENTRIES) fail(`the archive has ${dir.count} entries, more than the ${MAX_ZIP_ENTRIES} allowed`);
  return dir;
}

function readZip64Directory(r: Reader, eocd: number): Directory {
  const loc = eocd - 20;
  if (loc < 0 || r.u32(loc) !== SIG_EOCD64_LOCATOR) fail('ZIP64 end-of-central-directory locator missing', eocd);
  const at = r.u64(loc + 8);
  r.need(at, 56, 'ZIP64 end-of-central-directory record');
  if (r.u32(at) !== SIG_EOCD64) fail('bad ZIP64 end-of-central-directory signature', at);
  return { count: r.u64(at + 32), size: r.u64(at + 40), offset: r.u64(at + 48) };
}

/** Lists the entries of the central directory. */
export function listZipEntries(bytes: Uint8Array): ZipEntry[] {
  const r = new Reader(bytes);
  const dir = findDirectory(r);
  const names = new TextDecoder('utf-8');
  const entries: ZipEntry[] = [];
  let p = dir.offset;
  const end = dir.offset + dir.size;
  for (let i = 0; i < dir.count; i++) {
    if (p + CENTRAL_SIZE > end) fail(`central directory entry ${i} runs past the directory end`, p);
    if (r.u32(p) !== SIG_CENTRAL) fail(`bad central directory signature for entry ${i}`, p);
    const nameLen = r.u16(p + 28), extraLen = r.u16(p + 30), commentLen = r.u16(p + 32);
    const next = p + CENTRAL_SIZE + nameLen + extraLen + commentLen;
    if (next > end) fail(`central directory entry ${i} (name, extra, comment) runs past the directory end`, p);
    const entry: ZipEntry = {
      name: names.decode(bytes.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLen)),
      flags: r.u16(p + 8),
      method: r.u16(p + 10),
      crc32: r.u32(p + 16),
      compressedSize: r.u32(p + 20),
      uncompressedSize: r.u32(p + 24),
      localHeaderOffset: r.u32(p + 42),
    };
    applyZip64Extra(r, entry, p + CENTRAL_SIZE + nameLen, extraLen);
    entries.push(entry);
    p = next;
  }
  return entries;
}

/** ZIP64 extra field (id 1): 64-bit values for exactly those fields that are saturated, in this order. */
function applyZip64Extra(r: Reader, e: ZipEntry, start: number, len: number): void {
  const fields = (['uncompressedSize', 'compressedSize', 'localHeaderOffset'] as const)
    .filter((k) => e[k] === 0xffffffff);
  if (fields.length === 0) return;
  for (let p = start; p + 4 <= start + len;) {
    const id = r.u16(p), size = r.u16(p + 2);
    if (p + 4 + size > start + len) break;
    if (id === 1) {
      if (size < fields.length * 8) fail(`ZIP64 extra field of ${show(e.name)} is too short`, p);
      fields.forEach((k, i) => { e[k] = r.u64(p + 4 + i * 8); });
      return;
    }
    p += 4 + size;
  }
  fail(`entry ${show(e.name)} has saturated sizes but no ZIP64 extra field`, start);
}

/**
 * The uncompressed bytes of one entry. Stored entries are returned as a view into `bytes` (no copy);
 * deflated ones are inflated into a buffer of exactly the declared size. The CRC is checked either way.
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, maxBytes = DEFAULT_MAX_ENTRY_BYTES): Uint8Array {
  const r = new Reader(bytes);
  const { name, compressedSize, uncompressedSize, localHeaderOffset: at } = entry;
  if (entry.flags & 1) fail(`entry ${show(name)} is encrypted`);
  if (uncompressedSize > maxBytes) {
    fail(`entry ${show(name)} declares ${uncompressedSize} uncompressed bytes, more than the ${maxBytes}-byte limit`);
  }
  r.need(at, LOCAL_SIZE, `local header of ${show(name)}`);
  if (r.u32(at) !== SIG_LOCAL) fail(`bad local header signature for ${show(name)}`, at);
  // The local header has its own name/extra lengths, which may differ from the central directory's.
  const dataStart = at + LOCAL_SIZE + r.u16(at + 26) + r.u16(at + 28);
  r.need(dataStart, compressedSize, `data of ${show(name)}`);
  const raw = bytes.subarray(dataStart, dataStart + compressedSize);

  let out: Uint8Array;
  if (entry.method === 0) {
    if (compressedSize !== uncompressedSize) {
      fail(`stored entry ${show(name)} has compressed size ${compressedSize} != uncompressed size ${uncompressedSize}`, at);
    }
    out = raw;
  } else if (entry.method === 8) {
    out = inflateEntry(raw, entry);
  } else {
    fail(`entry ${show(name)} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`, at);
  }
  const crc = crc32(out);
  if (crc !== entry.crc32) {
    fail(`CRC mismatch in ${show(name)}: computed ${hex(crc)}, directory says ${hex(entry.crc32)} (corrupt file)`, dataStart);
  }
  return out;
}

function inflateEntry(raw: Uint8Array, entry: ZipEntry): Uint8Array {
  const { name, uncompressedSize: size } = entry;
  if (size === 0) return new Uint8Array(0);
  if (size > raw.length * MAX_DEFLATE_RATIO) {
    fail(`deflated entry ${show(name)} claims ${size} bytes from ${raw.length} compressed bytes, impossible for deflate`);
  }
  // One spare byte: fflate never grows a caller-provided buffer, so filling the spare byte means the
  // stream holds more data than declared (writes beyond it are dropped, not performed).
  let out: Uint8Array;
  try {
    out = inflateSync(raw, { out: new Uint8Array(size + 1) });
  } catch (e) {
    throw new ModelFileError(`zip: cannot inflate ${show(name)}: ${(e as Error).message}`, undefined, { cause: e });
  }
  if (out.length !== size) {
    const got = out.length > size ? `more than ${size}` : `${out.length}`;
    fail(`deflated entry ${show(name)} inflates to ${got} bytes, directory says ${size}`);
  }
  return out;
}

/** Where an entry's bytes lie in the archive: its local header through the end of its data. */
function span(bytes: Uint8Array, e: ZipEntry): [number, number] {
  const r = new Reader(bytes);
  r.need(e.localHeaderOffset, LOCAL_SIZE, `local header of ${show(e.name)}`);
  const dataStart = e.localHeaderOffset + LOCAL_SIZE + r.u16(e.localHeaderOffset + 26) + r.u16(e.localHeaderOffset + 28);
  return [e.localHeaderOffset, dataStart + e.compressedSize];
}

/**
 * Every file of an archive (folders left out), read with bounds across the whole archive: entries
 * may not overlap (entries sharing one deflate stream inflate it again and again: a 70 KB zip can
 * claim gigabytes), and their inflated sizes together stay within maxTotalBytes, checked from the
 * directory before anything is inflated (inflating then checks each entry's real size and CRC).
 */
export function readZipFiles(bytes: Uint8Array, opts: { maxTotalBytes: number; maxEntryBytes: number }): {
  files: { name: string; bytes: Uint8Array }[];
  /** Folder entries ("name/"), without the slash. */
  dirs: string[];
} {
  const all = listZipEntries(bytes);
  const entries = all.filter((e) => !e.name.endsWith('/'));
  const spans = entries.map((e) => ({ e, at: span(bytes, e) })).sort((a, b) => a.at[0] - b.at[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].at[0] < spans[i - 1].at[1]) {
      fail(`entries ${show(spans[i - 1].e.name)} and ${show(spans[i].e.name)} overlap in the archive (a zip bomb?)`, spans[i].at[0]);
    }
  }
  let total = 0;
  for (const e of entries) {
    total += e.uncompressedSize;
    if (total > opts.maxTotalBytes) fail(`the archive's files inflate to more than the ${formatLimit(opts.maxTotalBytes)} allowed (at ${show(e.name)})`);
  }
  return {
    files: entries.map((e) => ({ name: e.name, bytes: readZipEntry(bytes, e, opts.maxEntryBytes) })),
    dirs: all.filter((e) => e.name.endsWith('/')).map((e) => e.name.slice(0, -1)),
  };
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE), as stored in zip directories. */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
