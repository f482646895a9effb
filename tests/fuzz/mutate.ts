/**
 * Seeded mutators for the fuzz suite: byte-level (AFL-style flips, interesting values, truncation,
 * splices, repeats) and JSON-level (a random field of a document replaced by a hostile value,
 * removed, or nested deep). Everything is a pure function of the random generator it is given, so a
 * case is reproduced from its format, seed and index alone.
 */
export type Rand = () => number;

export const int = (rand: Rand, n: number) => Math.floor(rand() * n);
export const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[int(rand, xs.length)];

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff, 0x20, 0x0a, 0x00];
const INTERESTING_32 = [0, 1, -1, 0x7fffffff, -0x80000000, 0xffff, 0x10000, 0x100, 1e6 | 0, 4096, 0x7fffffff - 1];

/** One byte-level change of `b` (a new array; b is untouched). */
export function mutateBytes(b: Uint8Array, rand: Rand, others: readonly Uint8Array[] = []): Uint8Array {
  const n = b.length;
  const at = () => int(rand, Math.max(1, n));
  switch (int(rand, 10)) {
    case 0: { // flip one bit
      const out = b.slice();
      if (n) out[at()] ^= 1 << int(rand, 8);
      return out;
    }
    case 1: { // an interesting byte
      const out = b.slice();
      if (n) out[at()] = pick(rand, INTERESTING_8);
      return out;
    }
    case 2: { // an interesting 32-bit value, either endianness (sizes, offsets, counts)
      const out = b.slice();
      if (n >= 4) new DataView(out.buffer).setInt32(int(rand, n - 3), pick(rand, INTERESTING_32), rand() < 0.5);
      return out;
    }
    case 3: // truncate
      return b.slice(0, at());
    case 4: { // delete a run
      const i = at(), len = Math.max(0, Math.min(1 + int(rand, 64), n - i));
      const out = new Uint8Array(n - len);
      out.set(b.subarray(0, i));
      out.set(b.subarray(i + len), i);
      return out;
    }
    case 5: { // repeat a run in place
      const i = at(), len = 1 + int(rand, 256), times = 1 + int(rand, 8);
      const run = b.slice(i, i + len);
      const out = new Uint8Array(n + run.length * times);
      out.set(b.subarray(0, i));
      for (let t = 0; t < times; t++) out.set(run, i + t * run.length);
      out.set(b.subarray(i), i + run.length * times);
      return out;
    }
    case 6: { // splice with another seed of the same format
      if (!others.length) return mutateBytes(b, rand);
      const o = pick(rand, others);
      const i = at(), j = int(rand, Math.max(1, o.length));
      const out = new Uint8Array(i + (o.length - j));
      out.set(b.subarray(0, i));
      out.set(o.subarray(j), i);
      return out;
    }
    case 7: { // overwrite a run with random bytes
      const out = b.slice();
      const i = at(), len = 1 + int(rand, 32);
      for (let k = i; k < Math.min(n, i + len); k++) out[k] = int(rand, 256);
      return out;
    }
    case 8: { // append junk
      const out = new Uint8Array(n + 1 + int(rand, 64));
      out.set(b);
      for (let k = n; k < out.length; k++) out[k] = int(rand, 256);
      return out;
    }
    default: { // swap two runs
      const out = b.slice();
      const i = at(), j = at(), len = Math.min(1 + int(rand, 16), n - Math.max(i, j));
      if (len > 0) {
        const t = out.slice(i, i + len);
        out.copyWithin(i, j, j + len);
        out.set(t, j);
      }
      return out;
    }
  }
}

/** 1 to `max` byte mutations in a row. */
export function mutateBytesN(b: Uint8Array, rand: Rand, others: readonly Uint8Array[] = [], max = 4): Uint8Array {
  let out = b;
  for (let k = 1 + int(rand, max); k > 0; k--) out = mutateBytes(out, rand, others);
  return out;
}

/** Values a hostile document puts where a number, string, list or object was. */
export function hostileValue(rand: Rand, was: unknown): unknown {
  const nums = [0, -1, 1, -0.5, 0.5, 1e300, -1e300, 1e-300, 2 ** 31, 2 ** 53 + 2, -(2 ** 31) - 1, 1e6, 40000, 999, 1e26, 127, 128, -129];
  const strs = ['', '0x1', ' 1', '1e0', '1/0', '0/0', '__proto__', 'constructor', 'toString', '*/ #include <x>\n', '\u001b[2J', 'x'.repeat(5000), '021', '-1', 'NaN', 'Infinity'];
  switch (int(rand, 8)) {
    case 0: return pick(rand, nums);
    case 1: return pick(rand, strs);
    case 2: return null;
    case 3: return pick(rand, [true, false]);
    case 4: return [];
    case 5: return {};
    case 6: return typeof was === 'number' ? was * pick(rand, [-1, 2, 10, 1000, 1e6, 0.5, 1e-6]) + pick(rand, [0, 0.5, 1]) : pick(rand, nums);
    default: return deepNest(rand, 10 + int(rand, 60));
  }
}

function deepNest(rand: Rand, depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = rand() < 0.5 ? [v] : { a: v };
  return v;
}

/** Every path to a value inside a JSON document (objects and arrays), capped for huge arrays. */
function paths(doc: unknown, limit = 20_000): (string | number)[][] {
  const out: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]) => {
    if (out.length >= limit) return;
    if (p.length) out.push(p);
    if (Array.isArray(v)) {
      // Long arrays (tensor tables, block lists): a sample of their elements.
      const step = Math.max(1, Math.floor(v.length / 50));
      for (let i = 0; i < v.length; i += step) walk(v[i], [...p, i]);
    } else if (typeof v === 'object' && v !== null) {
      for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], [...p, k]);
    }
  };
  walk(doc, []);
  return out;
}

/** One structural change of a JSON document (a deep copy): a field replaced, removed, added, or a list grown. */
export function mutateJson(doc: unknown, rand: Rand): unknown {
  const root = structuredClone(doc);
  const all = paths(root);
  if (!all.length) return hostileValue(rand, root);
  const p = pick(rand, all);
  let parent = root as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = p[p.length - 1];
  const was = parent[key];
  switch (int(rand, 6)) {
    case 0:
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      break;
    case 1: // an extra key, possibly one that reaches the prototype
      if (!Array.isArray(parent)) parent[pick(rand, ['__proto__', 'constructor', 'extra', '021', '1e1'])] = hostileValue(rand, undefined);
      else parent.push(hostileValue(rand, undefined));
      break;
    case 2: // a list repeated many times
      if (Array.isArray(was) && was.length) parent[key] = Array.from({ length: was.length * (2 + int(rand, 200)) }, (_, i) => was[i % was.length]);
      else parent[key] = hostileValue(rand, was);
      break;
    default:
      parent[key] = hostileValue(rand, was);
  }
  return root;
}

/** 1 to `max` JSON mutations in a row. */
export function mutateJsonN(doc: unknown, rand: Rand, max = 3): unknown {
  let out = doc;
  for (let k = 1 + int(rand, max); k > 0; k--) out = mutateJson(out, rand);
  return out;
}
