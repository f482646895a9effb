/**
 * Test-only helpers: assemble pickles opcode by opcode (including malicious and corrupt ones) and
 * wrap them in zips, the way Python's pickle (protocol 2) and numpy write model files.
 */
import { zipSync } from 'fflate';

export class PickleWriter {
  private out: number[] = [];

  raw(...bytes: number[]): this { return this.rawArray(bytes); }
  rawArray(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.out.push(bytes[i]);
    return this;
  }
  u32(n: number): this { return this.raw(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff); }
  proto(v = 2): this { return this.raw(0x80, v); }
  mark(): this { return this.raw(0x28); }
  stop(): this { return this.raw(0x2e); }
  none(): this { return this.raw(0x4e); }
  bool(b: boolean): this { return this.raw(b ? 0x88 : 0x89); }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(0x4b, n);
    if (n >= 0 && n < 65536) return this.raw(0x4d, n & 0xff, n >> 8);
    return this.raw(0x4a).u32(n);
  }
  float(x: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    return this.raw(0x47, ...b);
  }
  /** BINUNICODE, UTF-8 encoded as pickle does. */
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.raw(0x58).u32(b.length).rawArray(b);
  }
  shortBytes(b: ArrayLike<number>): this { return this.raw(0x43, b.length, ...Array.from(b)); }
  global(module: string, name: string): this {
    return this.raw(0x63).rawArray(new TextEncoder().encode(`${module}\n${name}\n`));
  }
  tuple(n: 0 | 1 | 2 | 3 | 'mark'): this { return this.raw(n === 'mark' ? 0x74 : [0x29, 0x85, 0x86, 0x87][n]); }
  emptyDict(): this { return this.raw(0x7d); }
  emptyList(): this { return this.raw(0x5d); }
  setitems(): this { return this.raw(0x75); }
  appends(): this { return this.raw(0x65); }
  reduce(): this { return this.raw(0x52); }
  build(): this { return this.raw(0x62); }
  put(i: number): this { return this.raw(0x71, i); }
  get(i: number): this { return this.raw(0x68, i); }

  /** `_codecs.encode(<str with code points = bytes>, 'latin1')`, numpy's protocol-2 encoding of bytes. */
  latin1Bytes(data: ArrayLike<number>): this {
    let s = '';
    for (let i = 0; i < data.length; i++) s += String.fromCharCode(data[i]);
    return this.global('_codecs', 'encode').str(s).str('latin1').tuple(2).reduce();
  }

  /** `dtype(code, False, True)` built with the given byte order, exactly as numpy pickles it. */
  dtype(code: string, order: string): this {
    return this.global('numpy', 'dtype').str(code).bool(false).bool(true).tuple(3).reduce()
      .mark().int(3).str(order).none().none().none().int(-1).int(-1).int(0).tuple('mark').build();
  }

  /** A whole numpy array: _reconstruct(ndarray, (0,), b'b') then BUILD (1, shape, dtype, fortran, bytes). */
  ndarray(code: string, order: string, shape: number[], data: ArrayLike<number>, fortran = false): this {
    this.global('numpy.core.multiarray', '_reconstruct').global('numpy', 'ndarray').int(0).tuple(1)
      .latin1Bytes([0x62]).tuple(3).reduce()
      .mark().int(1).mark();
    for (const d of shape) this.int(d);
    return this.tuple('mark').dtype(code, order).bool(fortran).latin1Bytes(data).tuple('mark').build();
  }

  bytes(): Uint8Array { return Uint8Array.from(this.out); }
}

/** Wraps files in a zip, stored (level 0, like torch) unless a deflate level is given. */
export function zipOf(files: Record<string, Uint8Array>, level: 0 | 6 = 0): Uint8Array {
  const entries: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [name, data] of Object.entries(files)) entries[name] = [data, { level }];
  return zipSync(entries);
}

/** A model zip around a pickle, as torch names it. */
export function modelZip(pickle: Uint8Array, level: 0 | 6 = 0, dir = 'archive'): Uint8Array {
  return zipOf({ [`${dir}/data.pkl`]: pickle, [`${dir}/version`]: new TextEncoder().encode('3\n') }, level);
}
