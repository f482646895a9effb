/**
 * Rebuilding numpy arrays from a pickle, without numpy and without running anything.
 *
 * numpy (protocol 2) pickles an array as
 *   _reconstruct(ndarray, (0,), b'b')                   REDUCE  -> empty array
 *   BUILD (1, shape, dtype, is_fortran, raw_bytes)
 * with the dtype as  dtype('i1', False, True) REDUCE, BUILD (3, '|', None, None, None, -1, -1, 0)
 * and bytes as  _codecs.encode(<str whose code points are the bytes>, 'latin1').
 * These hooks accept exactly those patterns; anything else is a ModelFileError.
 */
import { show } from '../limits.ts';
import type { HookContext, PickleHooks, PyValue, Value } from './pickle.ts';
import { GlobalRef, LongStr, PyObject, describeValue, strOf } from './pickle.ts';

export type NdDType = 'int8' | 'uint8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'bool';

/**
 * A numpy array in C order. `data` holds native-endian values:
 * int8 Int8Array, uint8 and bool Uint8Array (bool as 0/1), int16 Int16Array, int32 Int32Array,
 * float32 Float32Array, float64 Float64Array; int64 becomes Int32Array when every value fits
 * in 32 bits and Float64Array otherwise (values beyond +-2^53 are refused).
 */
export interface NdArray {
  __ndarray: true;
  dtype: NdDType;
  shape: number[];
  data: Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** True for arrays made by this reader (pickled dicts cannot have the "__ndarray" key). */
export function isNdArray(v: unknown): v is NdArray {
  return typeof v === 'object' && v !== null && (v as NdArray).__ndarray === true && ArrayBuffer.isView((v as NdArray).data);
}

/** numpy 1.x names; numpy 2 writes numpy._core.multiarray, which is refused like any other global. */
export const NUMPY_GLOBALS = [
  ['numpy.core.multiarray', '_reconstruct'],
  ['numpy', 'ndarray'],
  ['numpy', 'dtype'],
  ['_codecs', 'encode'],
] as const;

const DTYPES: Record<string, { name: NdDType; size: number }> = {
  i1: { name: 'int8', size: 1 }, u1: { name: 'uint8', size: 1 }, b1: { name: 'bool', size: 1 },
  i2: { name: 'int16', size: 2 }, i4: { name: 'int32', size: 4 }, i8: { name: 'int64', size: 8 },
  f4: { name: 'float32', size: 4 }, f8: { name: 'float64', size: 8 },
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const MAX_NDIM = 32;

/** `dtype(code, False, True)`; the byte order arrives with BUILD. */
class DTypeObj extends PyObject {
  order: '<' | '>' | '|' | undefined;
  constructor(readonly code: string) { super(); }
  describe(): string { return `numpy dtype ${this.code}`; }
}

/** The empty array from `_reconstruct`, filled in by BUILD. */
class PendingArray extends PyObject {
  result: NdArray | undefined;
  describe(): string { return 'numpy ndarray'; }
}

const isTuple = (v: Value): v is Value[] => Array.isArray(v);

export const numpyHooks: PickleHooks = {
  allowedGlobals: NUMPY_GLOBALS,

  reduce(fn, args, ctx) {
    if (fn.is('_codecs', 'encode')) return encodeLatin1(args, ctx);
    if (fn.is('numpy.core.multiarray', '_reconstruct')) {
      const [cls, shape, tag] = args;
      const ok = args.length === 3 && cls instanceof GlobalRef && cls.is('numpy', 'ndarray')
        && isTuple(shape) && shape.length === 1 && shape[0] === 0
        && tag instanceof Uint8Array && tag.length === 1 && tag[0] === 0x62;
      if (!ok) ctx.fail("_reconstruct is only allowed as _reconstruct(numpy.ndarray, (0,), b'b')");
      return new PendingArray();
    }
    if (fn.is('numpy', 'dtype')) {
      const code = strOf(args[0] ?? null);
      if (args.length !== 3 || args[1] !== false || args[2] !== true || code === undefined) {
        return ctx.fail('numpy.dtype is only allowed as dtype(<code>, False, True)');
      }
      if (!(code in DTYPES)) return ctx.fail(`numpy dtype ${show(code)} is not supported (supported: ${Object.keys(DTYPES).join(', ')})`);
      return new DTypeObj(code);
    }
    return ctx.fail(`calling ${fn.describe()} is not allowed`);
  },

  build(target, state, ctx) {
    if (target instanceof DTypeObj) buildDType(target, state, ctx);
    else if (target instanceof PendingArray) buildArray(target, state, ctx);
    else ctx.fail(`BUILD is not allowed on ${describeValue(target)}`);
  },

  finalize(obj, ctx): PyValue {
    if (obj instanceof PendingArray && obj.result) return obj.result;
    if (obj instanceof PendingArray) return ctx.fail('a numpy array was created but never filled by BUILD');
    return ctx.fail(`${obj.describe()} cannot appear in the result`);
  },
};

/** `_codecs.encode(s, 'latin1')`: each code point (all < 256) becomes one byte. */
function encodeLatin1(args: Value[], ctx: HookContext): Uint8Array {
  const [s, enc] = args;
  if (args.length !== 2 || enc !== 'latin1' || (typeof s !== 'string' && !(s instanceof LongStr))) {
    ctx.fail("_codecs.encode is only allowed as encode(<str>, 'latin1')");
  }
  if (typeof s === 'string') {
    ctx.allocate(s.length);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0xff) ctx.fail(`character U+${c.toString(16).padStart(4, '0')} cannot be encoded as latin1`);
      out[i] = c;
    }
    return out;
  }
  return utf8ToLatin1(s, ctx);
}

/** Decodes UTF-8 straight into latin-1 bytes (no JS string): code points < 0x80 are 1 byte, < 0x100 are C2/C3 + 1. */
function utf8ToLatin1(s: LongStr, ctx: HookContext): Uint8Array {
  const u = s.utf8;
  let n = 0;
  for (let i = 0; i < u.length; i++) if ((u[i] & 0xc0) !== 0x80) n++;
  ctx.allocate(n);
  const out = new Uint8Array(n);
  let j = 0;
  for (let i = 0; i < u.length; i++) {
    const b = u[i];
    if (b < 0x80) {
      out[j++] = b;
    } else if ((b === 0xc2 || b === 0xc3) && i + 1 < u.length && (u[i + 1] & 0xc0) === 0x80) {
      out[j++] = ((b & 0x1f) << 6) | (u[++i] & 0x3f);
    } else {
      ctx.fail(b >= 0xc4 && b < 0xf8
        ? `string at byte ${s.offset} has a character above U+00FF, which latin1 cannot encode`
        : `invalid UTF-8 at byte ${s.offset + i} of a string`);
    }
  }
  return out;
}

function buildDType(dt: DTypeObj, state: Value, ctx: HookContext): void {
  if (dt.order) ctx.fail('numpy dtype built twice');
  const ok = isTuple(state) && state.length === 8 && state[0] === 3
    && state[2] === null && state[3] === null && state[4] === null
    && state[5] === -1 && state[6] === -1 && typeof state[7] === 'number';
  if (!ok) ctx.fail('numpy dtype state must be (3, <byte order>, None, None, None, -1, -1, <flags>)');
  const order = state[1];
  const size = DTYPES[dt.code].size;
  if (size === 1 ? order !== '|' && order !== '<' && order !== '>' : order !== '<' && order !== '>') {
    ctx.fail(`byte order ${show(order)} is not valid for dtype ${dt.code}`);
  }
  dt.order = order as '<' | '>' | '|';
}

function buildArray(arr: PendingArray, state: Value, ctx: HookContext): void {
  if (arr.result) ctx.fail('numpy array built twice');
  if (!isTuple(state) || state.length !== 5 || state[0] !== 1) {
    ctx.fail('numpy array state must be (1, shape, dtype, is_fortran, data)');
  }
  const [, shapeV, dt, fortran, raw] = state;
  if (!(dt instanceof DTypeObj) || !dt.order) ctx.fail(`array dtype must be a built numpy dtype, got ${describeValue(dt)}`);
  if (!isTuple(shapeV) || shapeV.length > MAX_NDIM || !shapeV.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    ctx.fail(`array shape must be a tuple of at most ${MAX_NDIM} non-negative ints`);
  }
  const shape = shapeV as number[];
  if (typeof fortran !== 'boolean') ctx.fail('array is_fortran flag must be a bool');
  // Fortran order only differs from C order when two or more axes are longer than 1.
  if (fortran && shape.filter((d) => d > 1).length > 1) {
    ctx.fail(`Fortran-order arrays are not supported (shape [${shape.join(', ')}]); save with np.ascontiguousarray`);
  }
  if (!(raw instanceof Uint8Array)) ctx.fail(`array data must be bytes, got ${describeValue(raw)}`);
  const { name, size } = DTYPES[dt.code];
  const count = shape.includes(0) ? 0 : shape.reduce((a, d) => a * d, 1);
  if (count * size !== raw.length) {
    ctx.fail(`array data is ${raw.length} bytes but shape [${shape.join(', ')}] of ${dt.code} needs ${count * size}`);
  }
  arr.result = { __ndarray: true, dtype: name, shape: [...shape], data: toTyped(name, size, dt.order, raw, ctx) };
}

/** Copies into a fresh, aligned buffer (typed arrays need alignment; the result must not alias the input). */
function toTyped(name: NdDType, size: number, order: '<' | '>' | '|', raw: Uint8Array, ctx: HookContext): NdArray['data'] {
  ctx.allocate(raw.length);
  const bytes = raw.slice();
  if (size > 1 && (order === '<') !== HOST_LITTLE_ENDIAN) {
    for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  }
  const buf = bytes.buffer;
  switch (name) {
    case 'int8': return new Int8Array(buf);
    case 'uint8': return bytes;
    case 'bool':
      for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i] ? 1 : 0; // numpy treats any non-zero byte as True
      return bytes;
    case 'int16': return new Int16Array(buf);
    case 'int32': return new Int32Array(buf);
    case 'float32': return new Float32Array(buf);
    case 'float64': return new Float64Array(buf);
    case 'int64': return fromInt64(new BigInt64Array(buf), ctx);
  }
}

function fromInt64(v: BigInt64Array, ctx: HookContext): Int32Array | Float64Array {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  let fits32 = true;
  for (const x of v) {
    if (x > max || x < -max) ctx.fail(`int64 value ${x} does not fit in a JS number (|x| > 2^53)`);
    if (x > 0x7fffffffn || x < -0x80000000n) fits32 = false;
  }
  ctx.allocate(v.length * (fits32 ? 4 : 8));
  return fits32 ? Int32Array.from(v, Number) : Float64Array.from(v, Number);
}
