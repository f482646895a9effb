/**
 * Bounds-checked reading of a flatbuffer on the `flatbuffers` runtime. The runtime's ByteBuffer reads
 * whatever offset it is given; every position here is checked against the file before it is read,
 * so a file that lies about an offset, a table size or a vector length is refused with one sentence
 * (through `fail`) instead of reading garbage, hanging or throwing a RangeError.
 */
import { ByteBuffer } from 'flatbuffers';

export type Fail = (what: string) => never;

export class FlatFile {
  readonly bb: ByteBuffer;
  readonly size: number;

  constructor(readonly bytes: Uint8Array, readonly fail: Fail) {
    this.bb = new ByteBuffer(bytes);
    this.size = bytes.length;
  }

  /** Refuse unless [pos, pos + len) lies inside the file. */
  need(pos: number, len: number, what: string): void {
    if (!(pos >= 0 && len >= 0 && pos + len <= this.size)) {
      this.fail(`${what} (byte ${pos}, ${len} bytes) lies outside the ${this.size}-byte file`);
    }
  }

  /** The position an unsigned 32-bit offset stored at `pos` points to. */
  deref(pos: number, what: string): number {
    this.need(pos, 4, `the offset of ${what}`);
    return pos + this.bb.readUint32(pos);
  }

  table(pos: number, what: string): Table {
    return new Table(this, pos, what);
  }

  /** The root table (its offset is the file's first 4 bytes). */
  root(what: string): Table {
    return this.table(this.deref(0, what), what);
  }
}

/** A vector's element count and the position of its first element. */
export interface VectorRef {
  start: number;
  length: number;
}

export class Table {
  private readonly vtable: number;
  private readonly vtableSize: number;
  private readonly objectSize: number;

  constructor(private readonly f: FlatFile, readonly pos: number, readonly what: string) {
    f.need(pos, 4, what);
    const vtable = pos - f.bb.readInt32(pos);
    f.need(vtable, 4, `the field table of ${what}`);
    this.vtable = vtable;
    this.vtableSize = f.bb.readUint16(vtable);
    this.objectSize = f.bb.readUint16(vtable + 2);
    if (this.vtableSize < 4 || this.vtableSize % 2 !== 0) f.fail(`the field table of ${what} has an invalid size of ${this.vtableSize} bytes`);
    if (this.objectSize < 4) f.fail(`${what} has an invalid size of ${this.objectSize} bytes`);
    f.need(vtable, this.vtableSize, `the field table of ${what}`);
    f.need(pos, this.objectSize, what);
  }

  /** Absolute position of a field of `size` bytes, or 0 when the field is absent (its default applies). */
  private field(field: number, size: number, name: string): number {
    const slot = 4 + 2 * field;
    if (slot + 2 > this.vtableSize) return 0;
    const off = this.f.bb.readUint16(this.vtable + slot);
    if (off === 0) return 0;
    if (off + size > this.objectSize) this.f.fail(`field "${name}" of ${this.what} lies outside the table`);
    return this.pos + off;
  }

  has(field: number): boolean {
    const slot = 4 + 2 * field;
    return slot + 2 <= this.vtableSize && this.f.bb.readUint16(this.vtable + slot) !== 0;
  }

  int8(field: number, name: string, def = 0): number {
    const p = this.field(field, 1, name);
    return p ? this.f.bb.readInt8(p) : def;
  }

  uint8(field: number, name: string, def = 0): number {
    const p = this.field(field, 1, name);
    return p ? this.f.bb.readUint8(p) : def;
  }

  bool(field: number, name: string, def = false): boolean {
    const p = this.field(field, 1, name);
    return p ? this.f.bb.readUint8(p) !== 0 : def;
  }

  int32(field: number, name: string, def = 0): number {
    const p = this.field(field, 4, name);
    return p ? this.f.bb.readInt32(p) : def;
  }

  uint32(field: number, name: string, def = 0): number {
    const p = this.field(field, 4, name);
    return p ? this.f.bb.readUint32(p) : def;
  }

  float32(field: number, name: string, def = 0): number {
    const p = this.field(field, 4, name);
    return p ? this.f.bb.readFloat32(p) : def;
  }

  /** An unsigned 64-bit field, as a number; refused past 2^53 (no file offset is that large). */
  uint64(field: number, name: string): number {
    const p = this.field(field, 8, name);
    if (!p) return 0;
    const v = this.f.bb.readUint64(p);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.f.fail(`field "${name}" of ${this.what} is ${v}, larger than any file`);
    return Number(v);
  }

  /** A sub-table, or null when absent. */
  table(field: number, name: string): Table | null {
    const p = this.field(field, 4, name);
    return p ? new Table(this.f, this.f.deref(p, `"${name}" of ${this.what}`), `"${name}" of ${this.what}`) : null;
  }

  /** A vector of `elemBytes`-byte elements, checked to lie inside the file; null when absent. */
  vector(field: number, elemBytes: number, name: string, maxLength: number): VectorRef | null {
    const p = this.field(field, 4, name);
    if (!p) return null;
    const what = `vector "${name}" of ${this.what}`;
    const at = this.f.deref(p, what);
    this.f.need(at, 4, `the length of ${what}`);
    const length = this.f.bb.readUint32(at);
    if (length > maxLength) this.f.fail(`${what} has ${length} entries, more than the limit of ${maxLength}`);
    this.f.need(at + 4, length * elemBytes, what);
    return { start: at + 4, length };
  }

  int32s(field: number, name: string, maxLength: number): number[] | null {
    const v = this.vector(field, 4, name, maxLength);
    if (!v) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.f.bb.readInt32(v.start + 4 * i);
    return out;
  }

  float32s(field: number, name: string, maxLength: number): number[] | null {
    const v = this.vector(field, 4, name, maxLength);
    if (!v) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.f.bb.readFloat32(v.start + 4 * i);
    return out;
  }

  /** A vector of signed 64-bit integers, each refused unless it fits in 32 bits. */
  int64sAsInt32(field: number, name: string, maxLength: number): number[] | null {
    const v = this.vector(field, 8, name, maxLength);
    if (!v) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) {
      const lo = this.f.bb.readUint32(v.start + 8 * i);
      const hi = this.f.bb.readInt32(v.start + 8 * i + 4);
      // A value fits in int32 when the high word is the sign extension of the low word.
      if (hi !== (lo >= 0x80000000 ? -1 : 0)) this.f.fail(`entry ${i} of vector "${name}" of ${this.what} does not fit in 32 bits`);
      out[i] = lo | 0;
    }
    return out;
  }

  bytes(field: number, name: string, maxLength: number): Uint8Array | null {
    const v = this.vector(field, 1, name, maxLength);
    return v ? this.f.bytes.subarray(v.start, v.start + v.length) : null;
  }

  string(field: number, name: string, maxLength: number): string | null {
    const b = this.bytes(field, name, maxLength);
    return b ? new TextDecoder('utf-8', { fatal: false }).decode(b) : null;
  }

  /** The tables of a vector of tables. */
  tables(field: number, name: string, maxLength: number, label: (i: number) => string): Table[] | null {
    const v = this.vector(field, 4, name, maxLength);
    if (!v) return null;
    const out: Table[] = [];
    for (let i = 0; i < v.length; i++) out.push(this.f.table(this.f.deref(v.start + 4 * i, label(i)), label(i)));
    return out;
  }
}
