/**
 * The arena planner's contract: no two buffers that are live at the same step share an address, no
 * arena is smaller than the bytes live at one step (the lower bound), and the result is never worse
 * than TensorFlow Lite Micro's greedy-by-size. Checked on random lifetimes, on compiled programs of
 * random small networks and schemes, and on every zoo model with every built-in scheme.
 */
import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../ir/graph.ts';
import { archFromRows, convCount, type BlockRow } from '../models/arch.ts';
import { buildGraph } from '../models/build.ts';
import { ZOO_NAMES, zooArch } from '../models/zoo.ts';
import { compileTraining, type TrainingProgram } from '../program/compile.ts';
import { builtinScheme, builtinSchemeNames } from '../train/builtin-schemes.ts';
import type { Scheme, WeightUpdate } from '../train/scheme.ts';
import { mulberry32 } from '../util/random.ts';
import { bufferLifetimes } from './lifetimes.ts';
import { ALIGN, findOverlap, liveLowerBound, ORDERS, placeInOrder, planArena, type Lifetime } from './planner.ts';

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const int = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

/** Random lifetimes: many small buffers and a few large ones, over a program of `steps` steps. */
function randomLifetimes(rand: () => number): Lifetime[] {
  const steps = int(rand, 1, 60);
  const n = int(rand, 1, 80);
  return Array.from({ length: n }, (_, i) => {
    const start = int(rand, 0, steps - 1);
    const end = rand() < 0.2 ? start : int(rand, start, steps - 1);
    const bytes = rand() < 0.1 ? 0 : rand() < 0.15 ? int(rand, 1000, 50_000) : int(rand, 1, 600);
    return { id: `b${i}`, bytes, start, end };
  });
}

/** Checks the planner's contract for one set of lifetimes; returns the placement for further checks. */
function expectValidPlan(items: Lifetime[], offsets: Record<string, number>, arenaBytes: number, what: string): void {
  const overlap = findOverlap(items, offsets);
  if (overlap) {
    const [a, b] = overlap.map((id) => items.find((l) => l.id === id)!);
    expect.fail(`${what}: ${a.id} [${offsets[a.id]}, +${a.bytes}) steps ${a.start}-${a.end} overlaps ` +
      `${b.id} [${offsets[b.id]}, +${b.bytes}) steps ${b.start}-${b.end}`);
  }
  for (const l of items) {
    expect(offsets[l.id], `${what}: ${l.id} has an offset`).toBeTypeOf('number');
    expect(offsets[l.id] % ALIGN, `${what}: ${l.id} is aligned`).toBe(0);
    expect(offsets[l.id] + l.bytes, `${what}: ${l.id} fits in the arena`).toBeLessThanOrEqual(arenaBytes);
  }
  expect(arenaBytes, `${what}: arena >= live lower bound`).toBeGreaterThanOrEqual(liveLowerBound(items));
}

describe('planArena on random lifetimes', () => {
  it('never overlaps, respects the lower bound and never loses to greedy-by-size (200 cases)', () => {
    const rand = mulberry32(2024);
    for (let c = 0; c < 200; c++) {
      const items = randomLifetimes(rand);
      const plan = planArena(items);
      expectValidPlan(items, plan.offsets, plan.arenaBytes, `case ${c}`);
      expect(plan.arenaBytes, `case ${c}`).toBeLessThanOrEqual(placeInOrder(items, ORDERS[0]).arenaBytes);
      // Every candidate order is itself a valid plan, not only the winner.
      for (const o of ORDERS) {
        const p = placeInOrder(items, o);
        expectValidPlan(items, p.offsets, p.arenaBytes, `case ${c}, ${o.name}`);
      }
    }
  });

  it('reaches the lower bound when lifetimes are disjoint or identical', () => {
    // Disjoint: everything can sit at offset 0. Identical: nothing can share, and stacking is optimal.
    const disjoint: Lifetime[] = [100, 40, 300, 8].map((bytes, i) => ({ id: `d${i}`, bytes, start: i, end: i }));
    expect(planArena(disjoint).arenaBytes).toBe(304);
    const same: Lifetime[] = [100, 40, 300, 8].map((bytes, i) => ({ id: `s${i}`, bytes, start: 0, end: 5 }));
    expect(planArena(same).arenaBytes).toBe(liveLowerBound(same));
    expect(liveLowerBound(same)).toBe(104 + 40 + 304 + 8);
  });

  it('findOverlap reports a real overlap', () => {
    // The property checker itself must be able to fail.
    const items: Lifetime[] = [{ id: 'a', bytes: 16, start: 0, end: 3 }, { id: 'b', bytes: 16, start: 3, end: 5 }];
    expect(findOverlap(items, { a: 0, b: 8 })).toEqual(['a', 'b']);
    expect(findOverlap(items, { a: 0, b: 16 })).toBeNull();
    expect(findOverlap([{ ...items[0] }, { ...items[1], start: 4 }], { a: 0, b: 0 })).toBeNull();
  });
});

/** A random small inverted-bottleneck network: stem, then 2 to 5 blocks of random shape. */
function randomArch(rand: () => number, i: number) {
  let cin = pick(rand, [4, 8]);
  const stem = cin;
  const rows: BlockRow[] = [];
  const blocks = int(rand, 2, 5);
  for (let b = 0; b < blocks; b++) {
    const mid = b === 0 && rand() < 0.5 ? 0 : pick(rand, [8, 12, 16, 24]);
    const stride = pick(rand, [1, 1, 2]);
    const out = stride === 1 && rand() < 0.5 ? cin : pick(rand, [8, 12, 16]);
    const residual = stride === 1 && out === cin && rand() < 0.7;
    rows.push(residual ? [mid, out, pick(rand, [3, 5]), stride, '+'] : [mid, out, pick(rand, [3, 5]), stride]);
    cin = out;
  }
  return archFromRows(`rand${i}`, stem, rows);
}

/** A random valid scheme for a network of n convs: bias of the last k, some of them with weights. */
function randomScheme(rand: () => number, n: number): Scheme {
  const nBias = int(rand, 0, n);
  const weights: Record<string, WeightUpdate> = {};
  for (let c = n - nBias; c < n; c++) {
    if (rand() < 0.5) weights[c] = pick<WeightUpdate>(rand, [0, 0.125, 0.25, 0.5, 1, '1/2', { channels: 1 }]);
  }
  return { nBias, weights, head: rand() < 0.3 ? 'int8' : 'float32', momentum: rand() < 0.3 };
}

/** The compiled program's buffers, with their planned offsets, obey the planner's contract. */
function expectValidProgramPlan(p: TrainingProgram, what: string): void {
  const offsets = Object.fromEntries(p.buffers.map((b) => [b.id, b.offset]));
  expectValidPlan(p.buffers, offsets, p.arenaBytes, what);
  expect(p.report.arenaLowerBound, what).toBe(liveLowerBound(p.buffers));
  expect(p.report.breakdown.fragmentation, what).toBeGreaterThanOrEqual(0);
  // Every tensor a kernel touches has a buffer (directly or through its alias root), except a streamed
  // image: it stays outside the arena and only the first chain reads it.
  const ids = new Set(p.buffers.map((b) => b.id));
  for (const k of p.kernels) {
    for (const t of [...k.inputs, ...k.outputs]) {
      if (p.tensors[t]?.external) {
        expect([t, k.name], what).toEqual([p.graph.input, p.inputStream?.kernel]);
        continue;
      }
      let root = t;
      while (p.tensors[root]?.aliasOf) root = p.tensors[root].aliasOf!;
      expect(ids.has(root), `${what}: ${k.name} touches ${t} without a buffer`).toBe(true);
    }
  }
}

describe('compiled programs of random networks and schemes', () => {
  it('never overlap live buffers and respect the lower bound (60 programs)', () => {
    const rand = mulberry32(77);
    for (let c = 0; c < 60; c++) {
      const arch = randomArch(rand, c);
      const scheme = randomScheme(rand, convCount(arch));
      const g = buildGraph(arch, { resolution: pick(rand, [12, 16, 20, 32]), classes: int(rand, 2, 12), head: scheme.head });
      const opts = { reorder: rand() < 0.7, inPlace: rand() < 0.7, fuseRows: rand() < 0.7 };
      const p = compileTraining(g, scheme, opts);
      expectValidProgramPlan(p, `program ${c} (${JSON.stringify(arch.blocks.map((b) => [b.mid, b.out, b.kernel, b.stride]))}, ` +
        `${JSON.stringify(scheme)}, ${JSON.stringify(opts)})`);
    }
  });
});

describe('zoo models at 128x128', () => {
  for (const model of ZOO_NAMES) {
    it(`${model}: every built-in scheme plans validly and no worse than greedy-by-size`, () => {
      for (const name of builtinSchemeNames(model)) {
        // A fresh graph per scheme: this test is about the plan, not about compiling one graph twice.
        const g = buildGraph(zooArch(model), { resolution: 128, classes: 10 });
        const p = compileTraining(g, builtinScheme(name, backboneConvs(g).length)!);
        expectValidProgramPlan(p, `${model} ${name}`);
        // Recompute the tensors' buffers independently, take the kernels' one-step workspaces at the sizes
        // carved for them, and place them largest-first (TFLite Micro's planner).
        const buffers = [...bufferLifetimes(p.tensors, p.kernels, [g.loss!, g.logits]), ...p.buffers.filter((b) => b.id.startsWith('ws:'))];
        expect(buffers.length, `${model} ${name}`).toBe(p.buffers.length);
        const greedy = placeInOrder(buffers, ORDERS[0]);
        expect(p.arenaBytes, `${model} ${name}`).toBeLessThanOrEqual(greedy.arenaBytes);
      }
    });
  }
});
