/** Printing values as C: identifiers, exact float literals, arrays, and the hash the debug trace uses. */

/** A C identifier from a tensor or parameter name ("conv21.weight" -> "conv21_weight"). */
export function cIdent(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/** A C string literal. */
export function cString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

/** The float32 value of x as a C float literal that reads back exactly (9 significant digits). */
export function f32Lit(x: number): string {
  const v = Math.fround(x);
  if (Number.isNaN(v)) return 'NAN';
  if (v === Infinity) return 'INFINITY';
  if (v === -Infinity) return '(-INFINITY)';
  if (Object.is(v, -0)) return '-0.0f';
  if (v === 0) return '0.0f';
  const s = v.toPrecision(9);
  return `${s.includes('e') || s.includes('.') ? s : `${s}.`}f`;
}

/** An int32 literal (INT32_MIN has no literal of its own). */
export function i32Lit(v: number): string {
  return v === -2147483648 ? '(-2147483647 - 1)' : String(v);
}

/** The elements of an array, `perLine` to a line. */
export function cArrayBody(values: ArrayLike<number>, fmt: (v: number) => string, perLine = 16): string {
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    const part: string[] = [];
    for (let j = i; j < Math.min(values.length, i + perLine); j++) part.push(fmt(values[j]));
    lines.push(`  ${part.join(', ')},`);
  }
  return lines.join('\n');
}

/** FNV-1a over bytes: the debug trace of the host build prints it for every tensor a kernel writes. */
export function fnv1a(bytes: Uint8Array, lastMask = 0xff): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    const b = i === bytes.length - 1 ? bytes[i] & lastMask : bytes[i];
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export const hex32 = (v: number) => (v >>> 0).toString(16).padStart(8, '0');
