/**
 * Scheme search (the paper's Sec. 3.2): choose how many biases to train (the last k convs) and, for
 * convs within them, a weight-update ratio, to maximise the summed accuracy gain estimated from
 * contribution analysis (gains.ts), under a memory budget.
 *
 * The space is exactly what was measured: k among the measured bias k values, and for each conv only
 * its measured ratios; nothing unmeasured can carry gain or be proposed. The reference schemes the
 * charts draw (head-only, bias-only, last-k, the paper's) are candidates of the same search, scored by
 * the same estimator and planned by the same planner, and their nearest measured schemes seed the
 * population: the best it reports is never one a drawn reference beats on both gain and memory.
 *
 * Memory is the compiler's report (its peak SRAM field, read as it is), memoised, with the exactly
 * known trained-parameter bytes as a free lower bound that rejects over-budget candidates without
 * compiling them. A compile costs milliseconds, an estimate microseconds: schemes are scored by gain,
 * and compiled only when they compete for a place among the fittest (or to be the best), in gain order.
 * Evolutionary search as in the paper; random search is its baseline.
 */
import { backboneConvs, type Graph } from '../ir/graph.ts';
import { compileTraining } from '../program/compile.ts';
import type { Scheme } from '../train/scheme.ts';
import { mulberry32 } from '../util/random.ts';
import { GainModel, type Measurements } from './gains.ts';

/** A named scheme the charts draw beside the search's, and the search competes with. */
export interface ReferenceScheme {
  name: string;
  kind: 'baseline' | 'paper';
  scheme: Scheme;
}

export interface Candidate {
  scheme: Scheme;
  /** Summed gain (points) of the measured parts. */
  gain: number;
  /** Its standard deviation over seeds; null with fewer than two seeds. */
  spread: number | null;
  memory: number;
  feasible: boolean;
  /** 'searched' for a scheme the search found; a reference keeps its kind and name. */
  kind: 'searched' | ReferenceScheme['kind'];
  name?: string;
  /** What it trains that was not measured (references only: searched schemes are measured throughout). */
  unmeasured: string[];
}

export interface SearchResult {
  /** The highest summed gain under the budget (the least memory among equals), references included. */
  best: Candidate | null;
  evaluations: number;
  compiles: number;
  /** Feasible candidates no other beats on both gain and memory, by memory; references included. */
  front: Candidate[];
  /** Every reference scheme, feasible or not, as scored. */
  references: Candidate[];
  /** Set when no scheme fits the budget. */
  message?: string;
}

export interface SearchOptions {
  budgetBytes: number;
  evaluations?: number;
  population?: number;
  seed?: number;
  head?: 'float32' | 'int8';
  /** Reference schemes: scored, planned and competing like the searched ones. */
  references?: ReferenceScheme[];
}

/** Enough for the evolutionary search to settle on mcunet-5fps's space (bench/analysis.ts, table c). */
export const DEFAULT_EVALUATIONS = 300;

/** The scheme as a key: weights sorted, ratio 0 (no update) dropped. */
export function schemeKey(s: Scheme): string {
  const w = Object.entries(s.weights).filter(([, r]) => r !== 0 && r !== '0').sort((a, b) => Number(a[0]) - Number(b[0]));
  return JSON.stringify([s.nBias, w, s.head, s.momentum]);
}

/** Peak SRAM of a scheme as the compiler's memory report gives it (read, never recomputed), memoised, with a free lower bound. */
export function plannerMemory(graph: Graph) {
  const cache = new Map<string, number>();
  const convs = backboneConvs(graph);
  const byIndex = new Map(convs.map((c) => [c.attrs.convIndex!, c]));
  let compiles = 0;
  // Trained bytes are exact without compiling: int8 weight slices and int32 biases held in SRAM.
  const lowerBound = (s: Scheme) => {
    let bytes = 0;
    for (const c of convs.slice(convs.length - s.nBias)) bytes += 4 * graph.tensors[c.inputs[2]].shape[0];
    for (const [c, r] of Object.entries(s.weights)) {
      const conv = byIndex.get(Number(c))!;
      const [cout, cpg, k] = graph.tensors[conv.inputs[1]].shape;
      const dw = conv.attrs.groups > 1;
      // A ratio counts; any other form (a channel count) is left out, which keeps this a lower bound.
      const n = typeof r === 'number' ? Math.floor((dw ? cout : cpg) * r) : 0;
      bytes += dw ? n * k * k : cout * n * k * k;
    }
    return bytes;
  };
  return {
    lowerBound,
    exact(s: Scheme): number {
      const key = schemeKey(s);
      let m = cache.get(key);
      if (m === undefined) {
        compiles++;
        m = compileTraining(graph, s).report.peakSramBytes;
        cache.set(key, m);
      }
      return m;
    },
    get compiles() {
      return compiles;
    },
  };
}

interface Genome {
  k: number;
  ratios: Map<number, number>;
}

function toScheme(g: Genome, head: 'float32' | 'int8'): Scheme {
  return { nBias: g.k, weights: Object.fromEntries([...g.ratios].sort((a, b) => a[0] - b[0])), head, momentum: false };
}

function toGenome(s: Scheme): Genome {
  return { k: s.nBias, ratios: new Map(Object.entries(s.weights).filter(([, r]) => typeof r === 'number' && r > 0).map(([c, r]) => [Number(c), r as number])) };
}

/**
 * A scored scheme. The gain and the trained-bytes lower bound are free; the planner's peak (a
 * compile, ~10 ms for mcunet at 128x128) is computed only when the search needs it: to keep a scheme
 * among the fittest, to name the best, or to place it on the front. References are always planned.
 */
interface Entry {
  scheme: Scheme;
  gain: number;
  lowerBound: number;
  exact?: number;
  ref?: ReferenceScheme;
}

/** The measured space on this graph: the bias k values and, per conv, its ratios. */
interface Space {
  n: number;
  ks: number[];
  ratios: Map<number, number[]>;
  /** Measured convs in a genome's reach (within its last k). */
  convsIn(k: number): number[];
}

function space(graph: Graph, model: GainModel): Space {
  const n = backboneConvs(graph).length;
  const ks = model.ks.filter((k) => k <= n);
  const ratios = new Map([...model.ratios].filter(([c]) => c >= 0 && c < n));
  const convs = [...ratios.keys()].sort((a, b) => a - b);
  return { n, ks, ratios, convsIn: (k) => convs.filter((c) => c >= n - k) };
}

function evaluator(graph: Graph, m: Measurements, opts: SearchOptions) {
  const model = new GainModel(m);
  const mem = plannerMemory(graph);
  const seen = new Map<string, Entry>();
  const budget = opts.budgetBytes;
  let evaluations = 0;
  const score = (scheme: Scheme): Entry => {
    const key = schemeKey(scheme);
    let e = seen.get(key);
    if (!e) {
      evaluations++;
      e = { scheme, gain: model.gain(scheme), lowerBound: mem.lowerBound(scheme) };
      seen.set(key, e);
    }
    return e;
  };
  const evaluate = (g: Genome): Entry => score(toScheme(g, opts.head ?? 'float32'));
  /** The planner's peak, or the lower bound when that alone exceeds the budget (and the peak is not known). */
  const memory = (e: Entry) => e.exact ?? (e.lowerBound > budget ? e.lowerBound : (e.exact = mem.exact(e.scheme)));
  const feasible = (e: Entry) => e.lowerBound <= budget && memory(e) <= budget;
  const candidate = (e: Entry): Candidate => {
    const est = model.estimate(e.scheme);
    return {
      scheme: e.scheme, gain: e.gain, spread: est.spread, memory: memory(e), feasible: feasible(e),
      kind: e.ref?.kind ?? 'searched', ...(e.ref ? { name: e.ref.name } : {}), unmeasured: est.unmeasured,
    };
  };
  /** Over-budget schemes rank below every feasible one, the closer to the budget the better. */
  const fitness = (e: Entry) => (feasible(e) ? e.gain : -1e6 - (memory(e) - budget) / 1024);
  /** The `count` fittest of `list`, compiling down the gain order only until that many fit. */
  const fittest = (list: Entry[], count: number): Entry[] => {
    const byGain = [...new Set(list)].sort((a, b) => b.gain - a.gain || a.lowerBound - b.lowerBound);
    const out: Entry[] = [];
    for (const e of byGain) {
      if (out.length >= count) break;
      if (feasible(e)) out.push(e);
    }
    if (out.length < count) out.push(...byGain.filter((e) => !out.includes(e)).sort((a, b) => fitness(b) - fitness(a)).slice(0, count - out.length));
    return out;
  };
  // The references: scored as they are (only their measured parts gain), planned, and on the front.
  // A reference that does not compile on this model (another model's paper scheme) is left out.
  const references: Entry[] = [];
  for (const ref of opts.references ?? []) {
    try {
      const e = score({ ...ref.scheme, head: opts.head ?? ref.scheme.head });
      e.ref ??= ref;
      // Drawn at its planned memory, over the budget or not.
      e.exact ??= mem.exact(e.scheme);
      if (!references.includes(e)) references.push(e);
    } catch {
      // Not drawn either.
    }
  }
  return {
    evaluate, fitness, fittest, seen, mem, model, references,
    get evaluations() {
      return evaluations;
    },
    /**
     * Best and front. The best is the highest gain scored that fits (compiling down the gain order
     * until one fits), the least memory among equal gains; the front is over the schemes the planner
     * was run on: those that competed for a place among the fittest, and the references.
     */
    result(): SearchResult {
      const byGain = [...seen.values()].sort((a, b) => b.gain - a.gain || a.lowerBound - b.lowerBound);
      let best = byGain.find(feasible) ?? null;
      // Equal gains: the least memory (a reference with the same gain and less memory would beat it).
      if (best) for (const e of byGain) if (e.gain === best.gain && e !== best && feasible(e) && memory(e) < memory(best)) best = e;
      const front: Candidate[] = [];
      let least = Infinity;
      for (const e of byGain) {
        if (e.exact === undefined) continue;
        const mb = e.exact;
        if (mb > budget || mb >= least) continue;
        // Equal gains: only the smallest of them stays on the front.
        if (front.length && front[front.length - 1].gain === e.gain) front.pop();
        front.push(candidate(e));
        least = mb;
      }
      const out: SearchResult = {
        best: best && candidate(best), evaluations, compiles: mem.compiles, front: front.reverse(), references: references.map(candidate),
      };
      if (!best) {
        // Over-budget entries carry only their lower bound: plan the smallest one, so the message
        // quotes what it really needs.
        const smallest = byGain.reduce((a, e) => (e.lowerBound < a.lowerBound ? e : a));
        const need = (smallest.exact ??= mem.exact(smallest.scheme));
        out.message = `no scheme fits ${(budget / 1024).toFixed(1)} KB: the smallest one tried needs ${(need / 1024).toFixed(1)} KB`;
      }
      return out;
    },
  };
}

const pick = <T>(rand: () => number, list: T[]): T => list[Math.floor(rand() * list.length)];

function randomGenome(rand: () => number, sp: Space): Genome {
  const k = pick(rand, sp.ks);
  const ratios = new Map<number, number>();
  for (const c of sp.convsIn(k)) if (rand() < 0.15) ratios.set(c, pick(rand, sp.ratios.get(c)!));
  return { k, ratios };
}

/** The nearest measured schemes to the references, and the head alone: the search's first schemes besides random ones. */
function startingGenomes(ev: ReturnType<typeof evaluator>, sp: Space): Genome[] {
  return [{ k: 0, ratios: new Map() }, ...ev.references.map((e) => toGenome(ev.model.project(e.scheme, sp.n)))];
}

export function randomSearch(graph: Graph, m: Measurements, opts: SearchOptions): SearchResult {
  const rand = mulberry32(opts.seed ?? 1);
  const ev = evaluator(graph, m, opts);
  const sp = space(graph, ev.model);
  const budget = opts.evaluations ?? DEFAULT_EVALUATIONS;
  for (let i = 0; ev.evaluations < budget && i < budget * 20; i++) ev.evaluate(randomGenome(rand, sp));
  return ev.result();
}

/**
 * Evolutionary search: a population of schemes; each generation keeps the fittest quarter, and fills
 * the rest with children (crossover of two tournament-picked parents among them, then mutation of k
 * or of one measured conv's ratio). Children are scored by gain alone until they compete for a place
 * among the fittest.
 */
export function evolutionarySearch(graph: Graph, m: Measurements, opts: SearchOptions): SearchResult {
  const rand = mulberry32(opts.seed ?? 1);
  const ev = evaluator(graph, m, opts);
  const sp = space(graph, ev.model);
  const size = opts.population ?? 40;
  const keep = Math.max(2, size >> 2);
  const budget = opts.evaluations ?? DEFAULT_EVALUATIONS;
  const genomes = new Map<Entry, Genome>();
  const add = (g: Genome) => {
    const e = ev.evaluate(g);
    if (!genomes.has(e)) genomes.set(e, g);
    return e;
  };
  // The head alone (so a feasible scheme exists from the first generation) and the references'
  // nearest measured schemes start, random schemes fill the rest.
  const start = startingGenomes(ev, sp).slice(0, size);
  let pop: Entry[] = [...start.map(add), ...Array.from({ length: size - start.length }, () => add(randomGenome(rand, sp)))];
  for (let gen = 0; ev.evaluations < budget && gen < budget; gen++) {
    const parents = ev.fittest(pop, keep);
    const tournament = () => {
      const a = pick(rand, parents), b = pick(rand, parents);
      return genomes.get(ev.fitness(a) >= ev.fitness(b) ? a : b)!;
    };
    const next = [...parents];
    while (next.length < size) {
      const a = tournament(), b = tournament();
      const k = rand() < 0.5 ? a.k : b.k;
      const ratios = new Map<number, number>();
      for (const c of sp.convsIn(k)) {
        const r = (rand() < 0.5 ? a : b).ratios.get(c);
        if (r) ratios.set(c, r);
      }
      const child: Genome = { k, ratios };
      if (rand() < 0.3) child.k = sp.ks[Math.min(sp.ks.length - 1, Math.max(0, sp.ks.indexOf(k) + (rand() < 0.5 ? -1 : 1)))];
      const reach = sp.convsIn(child.k);
      if (rand() < 0.8 && reach.length) {
        const c = pick(rand, reach);
        const r = pick(rand, [0, ...sp.ratios.get(c)!]);
        if (r === 0) child.ratios.delete(c);
        else child.ratios.set(c, r);
      }
      for (const c of [...child.ratios.keys()]) if (c < sp.n - child.k) child.ratios.delete(c);
      next.push(add(child));
    }
    pop = next;
  }
  return ev.result();
}
