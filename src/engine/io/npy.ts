/**
 * The .npy format (version 1.0), little-endian, C order: write a typed array with its shape, and read
 * one back (int8, uint8, int32, float32, float64 only; anything else is refused with a clear message).
 * Header: magic "\x93NUMPY", version 1 0, uint16 header length, then a Python dict literal padded
 * with spaces to a multiple of 64 bytes and ended by "\n".
 */
import { show } from '../limits.ts';
import { InputError } from '../input-error.ts';
export type NpyArray = Int8Array | Uint8Array | Int32Array | Float32Array | Float64Array;

const DESCR: [string, (n: number) => NpyArray, (b: ArrayBuffer, o: number, n: number) => NpyArray][] = [
  ['|i1', (n) => new Int8Array(n), (b, o, n) => new Int8Array(b, o, n)],
  ['|u1', (n) => new Uint8Array(n), (b, o, n) => new Uint8Array(b, o, n)],
  ['<i4', (n) => new Int32Array(n), (b, o, n) => new Int32Array(b.slice(o, o + 4 * n))],
  ['<f4', (n) => new Float32Array(n), (b, o, n) => new Float32Array(b.slice(o, o + 4 * n))],
  ['<f8', (n) => new Float64Array(n), (b, o, n) => new Float64Array(b.slice(o, o + 8 * n))],
];

function descrOf(a: NpyArray): string {
  if (a instanceof Int8Array) return '|i1';
  if (a instanceof Uint8Array) return '|u1';
  if (a instanceof Int32Array) return '<i4';
  if (a instanceof Float32Array) return '<f4';
  return '<f8';
}

export function writeNpy(data: NpyArray, shape: number[] = [data.length]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new InputError(`shape ${shape.join('x')} holds ${n} values, the array has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

export function readNpy(bytes: Uint8Array, name = 'the .npy file'): { data: NpyArray; shape: number[] } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) throw new InputError(`${name} is not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new InputError(`${name}: .npy version ${major} is not supported (1 to 3)`);
  const hlen = major === 1 ? bytes[8] | (bytes[9] << 8) : (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16)) + bytes[11] * 2 ** 24;
  const start = major === 1 ? 10 : 12;
  if (hlen > 65536) throw new InputError(`${name}: the header claims ${hlen} bytes, more than the 65536 a header may have`);
  if (start + hlen > bytes.length) throw new InputError(`${name}: the header runs past the end of the file`);
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + hlen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new InputError(`${name}: unreadable header ${show(header.trim())}`);
  if (fortran === 'True') throw new InputError(`${name}: Fortran-order arrays are not supported; save it in C order`);
  const kind = DESCR.find(([d]) => d === descr || d.replace('|', '<') === descr || d.replace('|', '>') === descr);
  if (!kind) throw new InputError(`${name}: dtype ${descr} is not supported (int8, uint8, little-endian int32, float32, float64)`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter(Boolean);
  if (dims.length > 8 || dims.some((d) => !/^\d{1,10}$/.test(d))) throw new InputError(`${name}: the shape (${shapeText.slice(0, 80)}) must be at most 8 whole numbers`);
  const shape = dims.map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const off = start + hlen;
  const itemBytes = Number(descr.slice(2));
  if (off + n * itemBytes > bytes.length) throw new InputError(`${name}: ${n} values of ${descr} do not fit in the file`);
  const copy = bytes.slice(off, off + n * itemBytes);
  return { data: kind[2](copy.buffer, 0, n), shape };
}
