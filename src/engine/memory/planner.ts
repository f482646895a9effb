/**
 * Offsets in one arena for buffers with known lifetimes (steps of the training program).
 *
 * The algorithm: TensorFlow Lite Micro's greedy-by-size, generalised over several orders. For one
 * order, each buffer in turn goes to the lowest aligned offset where it overlaps no already placed
 * buffer whose lifetime intersects its own (first fit over the gaps). Greedy-by-size is the order
 * "largest first"; we also try "longest-lived first", "largest size x lifetime first", "earliest
 * first" and JITTERED greedy-by-size orders (each size weighed by 1 + 0.3 u, u a fixed hash of the
 * buffer's name and the order's seed: deterministic), and keep the smallest arena. Since greedy-by-size
 * is one of the candidates, the result is never worse than it. Each order costs O(n^2) for n buffers;
 * n is a few hundred. The jittered orders break the ties first fit gets wrong between buffers of
 * nearly one size: on the paper's schemes at 128x128 they pack mbv2-w0.35@99kb 488 bytes tighter
 * (112 bytes over the live bound instead of 600) and proxyless-w0.3@98kb 120 (8 over it);
 * mcunet-5fps@99kb's greedy-by-size plan stays the best (208 over).
 */
export interface Lifetime {
  id: string;
  bytes: number;
  /** First and last step (inclusive) at which the buffer holds a value. */
  start: number;
  end: number;
}

export interface Placement {
  offsets: Record<string, number>;
  arenaBytes: number;
  /** The order that won. */
  strategy: string;
}

export const ALIGN = 8;
const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

type Order = { name: string; cmp: (a: Lifetime, b: Lifetime) => number };

/** A fixed number in [0, 1) from a buffer's name and a seed (FNV-1a, then a mix of its bits). */
function jitter(id: string, seed: number): number {
  let h = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  return ((h ^ (h >>> 12)) >>> 0) / 2 ** 32;
}

/** How many jittered greedy-by-size orders the planner tries (see the top). */
const JITTERED = 16;

export const ORDERS: Order[] = [
  { name: 'greedy-by-size', cmp: (a, b) => b.bytes - a.bytes || a.start - b.start },
  { name: 'longest-lived', cmp: (a, b) => b.end - b.start - (a.end - a.start) || b.bytes - a.bytes },
  { name: 'size-x-lifetime', cmp: (a, b) => b.bytes * (b.end - b.start + 1) - a.bytes * (a.end - a.start + 1) || b.bytes - a.bytes },
  { name: 'earliest-first', cmp: (a, b) => a.start - b.start || b.bytes - a.bytes },
  ...Array.from({ length: JITTERED }, (_, i): Order => {
    const seed = i + 1;
    return { name: `jittered-by-size ${seed}`, cmp: (a, b) => b.bytes * (1 + 0.3 * jitter(b.id, seed)) - a.bytes * (1 + 0.3 * jitter(a.id, seed)) || a.start - b.start };
  }),
];

/** Places buffers in one order (first fit at the lowest offset). */
export function placeInOrder(items: Lifetime[], order: Order): Placement {
  const sorted = [...items].sort((a, b) => order.cmp(a, b) || (a.id < b.id ? -1 : 1));
  // Placed buffers kept sorted by offset, so a first fit is one scan that skips buffers not live at
  // the same time as the one being placed.
  const byOffset: { l: Lifetime; offset: number; size: number }[] = [];
  const offsets: Record<string, number> = {};
  let arenaBytes = 0;
  for (const l of sorted) {
    const size = alignUp(l.bytes);
    let offset = 0;
    for (const p of byOffset) {
      if (p.l.start > l.end || l.start > p.l.end) continue;
      if (p.offset - offset >= size) break;
      offset = Math.max(offset, p.offset + p.size);
    }
    offsets[l.id] = offset;
    let lo = 0, hi = byOffset.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byOffset[mid].offset <= offset) lo = mid + 1;
      else hi = mid;
    }
    byOffset.splice(lo, 0, { l, offset, size });
    arenaBytes = Math.max(arenaBytes, offset + size);
  }
  return { offsets, arenaBytes, strategy: order.name };
}

export function planArena(items: Lifetime[], orders: Order[] = ORDERS): Placement {
  let best: Placement | null = null;
  for (const o of orders) {
    const p = placeInOrder(items, o);
    if (!best || p.arenaBytes < best.arenaBytes) best = p;
  }
  return best ?? { offsets: {}, arenaBytes: 0, strategy: 'empty' };
}

/** The bytes live at each step (each buffer 8-aligned, as the arena holds it), from a difference array. */
export function liveBytes(items: Lifetime[], steps = Math.max(0, ...items.map((l) => l.end + 1))): Float64Array {
  const diff = new Float64Array(steps + 1);
  for (const l of items) {
    if (l.start >= steps) continue;
    diff[l.start] += alignUp(l.bytes);
    diff[Math.min(l.end + 1, steps)] -= alignUp(l.bytes);
  }
  const live = new Float64Array(steps);
  let cur = 0;
  for (let i = 0; i < steps; i++) live[i] = cur += diff[i];
  return live;
}

/** The largest number of bytes live at one step: no plan can use less arena. */
export function liveLowerBound(items: Lifetime[]): number {
  return liveBytes(items).reduce((max, b) => Math.max(max, b), 0);
}

/** Two buffers overlap in time and in address: the property the planner must never break. */
export function findOverlap(items: Lifetime[], offsets: Record<string, number>): [string, string] | null {
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = items[i], b = items[j];
      if (a.start > b.end || b.start > a.end || a.bytes === 0 || b.bytes === 0) continue;
      const oa = offsets[a.id], ob = offsets[b.id];
      if (oa < ob + b.bytes && ob < oa + a.bytes) return [a.id, b.id];
    }
  }
  return null;
}
