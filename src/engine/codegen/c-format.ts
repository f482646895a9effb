/** Printing values as C: identifiers, exact float literals, arrays, and the hash the debug trace uses. */

/** A C identifier from a tensor or parameter name ("conv21.weight" -> "conv21_weight"). */
export function cIdent(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/** Longest name safeName keeps. */
export const SAFE_NAME_CHARS = 64;

/**
 * The one way text from outside (a model's name from its file, a file name, a project name) enters a
 * generated file: letters, digits, '.', '_' and '-' are kept, every other run of characters becomes
 * one '_', leading dots and dashes go, and the result is at most SAFE_NAME_CHARS long ("model" when
 * nothing is left). What remains cannot end a C comment or string, start a preprocessor line, expand
 * in a Makefile, format Markdown, or name a path outside the project, so it is safe in every file the
 * emitter writes and in file and folder names. The zoo's names pass unchanged.
 */
export function safeName(text: string, fallback = 'model'): string {
  const s = text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._-]+/, '').slice(0, SAFE_NAME_CHARS);
  return s || fallback;
}

/**
 * A C string literal of any text (UTF-8): quote and backslash escaped, and every other byte outside
 * printable ASCII, and '?', as a three-digit octal escape (unlike \x, an octal escape cannot swallow
 * the characters after it, and an escaped '?' cannot form a trigraph such as ??/ under -std=c11).
 */
export function cString(s: string): string {
  let out = '"';
  for (const b of new TextEncoder().encode(s)) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b === 0x0a) out += '\\n';
    else if (b >= 0x20 && b < 0x7f && b !== 0x3f) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
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
