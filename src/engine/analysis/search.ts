/**
 * Scheme search (the paper's Sec. 3.2): choose how many biases to train (the last k convs) and, for
 * convs within them, a weight-update ratio, to maximise the summed accuracy gains measured by
 * contribution analysis, under a memory budget. Memory comes from the real planner (peak SRAM of the
 * compiled program, everything counted), memoised, with the exactly known trained-parameter bytes as
 * a free lower bound that rejects over-budget candidates without compiling them. A compile costs
 * milliseconds, a gain microseconds: schemes are scored by gain, and compiled only when they compete
 * for a place among the fittest (or to be the best), in gain order.
 * Evolutionary search as in the paper; random search is its baseline.
 */
import { backboneConvs, type Graph } from '../ir/graph.ts';
import { compileTraining } from '../program/compile.ts';
import { RATIOS, type Scheme } from '../train/scheme.ts';
import { mulberry32 } from '../util/random.ts';

/** Gains in accuracy points, as contribution analysis measures them. */
export interface GainTable {
  /** biasGain[k]: updating the biases of the last k convs (measured k only; others interpolated). */
  biasGain: Record<number, number>;
  /** weightGain[conv][ratio]: updating that conv's weight at that ratio, on top of the biases. */
  weightGain: Record<number, Partial<Record<number, number>>>;
}

export interface Candidate {
  scheme: Scheme;
  gain: number;
  memory: number;
  feasible: boolean;
}

export interface SearchResult {
  best: Candidate | null;
  evaluations: number;
  compiles: number;
  /** Feasible candidates no other beats on both gain and memory, by memory. */
  front: Candidate[];
  /** Set when no scheme fits the budget. */
  message?: string;
}

export interface SearchOptions {
  budgetBytes: number;
  evaluations?: number;
  population?: number;
  seed?: number;
  head?: 'float32' | 'int8';
}

const WEIGHT_RATIOS = RATIOS.filter((r) => r > 0);

/** Enough for the evolutionary search to settle on mcunet-5fps's space (bench/analysis.ts, table c). */
export const DEFAULT_EVALUATIONS = 300;

/** The bias gain at any k, linear between the measured points (0 at k = 0). */
export function biasGainAt(t: GainTable, k: number): number {
  const ks = [0, ...Object.keys(t.biasGain).map(Number)].sort((a, b) => a - b);
  const val = (x: number) => (x === 0 ? (t.biasGain[0] ?? 0) : t.biasGain[x]);
  if (k >= ks[ks.length - 1]) return val(ks[ks.length - 1]);
  for (let i = 1; i < ks.length; i++) {
    if (k <= ks[i]) return val(ks[i - 1]) + ((val(ks[i]) - val(ks[i - 1])) * (k - ks[i - 1])) / (ks[i] - ks[i - 1]);
  }
  return 0;
}

export function schemeGain(t: GainTable, s: Scheme): number {
  let g = biasGainAt(t, s.nBias);
  for (const [c, r] of Object.entries(s.weights)) g += t.weightGain[Number(c)]?.[r as number] ?? 0;
  return g;
}

/** Peak SRAM of a scheme from the real planner, memoised, with a free lower bound. */
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
      const n = Math.floor((dw ? cout : cpg) * (r as number));
      bytes += dw ? n * k * k : cout * n * k * k;
    }
    return bytes;
  };
  return {
    lowerBound,
    exact(s: Scheme): number {
      const key = JSON.stringify([s.nBias, Object.entries(s.weights).sort()]);
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

/**
 * A scored scheme. The gain and the trained-bytes lower bound are free; the planner's peak (a
 * compile, ~10 ms for mcunet at 128x128) is computed only when the search needs it: to keep a scheme
 * among the fittest, to name the best, or to place it on the front.
 */
interface Entry {
  scheme: Scheme;
  gain: number;
  lowerBound: number;
  exact?: number;
}

function evaluator(graph: Graph, table: GainTable, opts: SearchOptions) {
  const mem = plannerMemory(graph);
  const seen = new Map<string, Entry>();
  const budget = opts.budgetBytes;
  let evaluations = 0;
  const evaluate = (g: Genome): Entry => {
    const scheme = toScheme(g, opts.head ?? 'float32');
    const key = JSON.stringify(scheme);
    let e = seen.get(key);
    if (!e) {
      evaluations++;
      e = { scheme, gain: schemeGain(table, scheme), lowerBound: mem.lowerBound(scheme) };
      seen.set(key, e);
    }
    return e;
  };
  /** The planner's peak, or the lower bound when that alone exceeds the budget. */
  const memory = (e: Entry) => (e.lowerBound > budget ? e.lowerBound : (e.exact ??= mem.exact(e.scheme)));
  const feasible = (e: Entry) => e.lowerBound <= budget && memory(e) <= budget;
  const candidate = (e: Entry): Candidate => ({ scheme: e.scheme, gain: e.gain, memory: memory(e), feasible: feasible(e) });
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
  return {
    evaluate, fitness, fittest, seen, mem,
    get evaluations() {
      return evaluations;
    },
    /**
     * Best and front. The best is the fittest scheme scored (compiling down the gain order until one
     * fits); the front is over the schemes the planner was run on, i.e. those that competed for a
     * place among the fittest (compiling every scored scheme would cost a compile per evaluation).
     */
    result(): SearchResult {
      const byGain = [...seen.values()].sort((a, b) => b.gain - a.gain || a.lowerBound - b.lowerBound);
      const best = byGain.find(feasible) ?? null;
      const front: Candidate[] = [];
      let least = Infinity;
      for (const e of byGain) {
        if (e.exact === undefined) continue;
        const m = e.exact;
        if (m > budget || m >= least) continue;
        // Equal gains: only the smallest of them stays on the front.
        if (front.length && front[front.length - 1].gain === e.gain) front.pop();
        front.push(candidate(e));
        least = m;
      }
      const out: SearchResult = { best: best && candidate(best), evaluations, compiles: mem.compiles, front: front.reverse() };
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

function randomGenome(rand: () => number, n: number, ks: number[]): Genome {
  const k = ks[Math.floor(rand() * ks.length)];
  const ratios = new Map<number, number>();
  for (let i = n - k; i < n; i++) if (rand() < 0.15) ratios.set(i, WEIGHT_RATIOS[Math.floor(rand() * WEIGHT_RATIOS.length)]);
  return { k, ratios };
}

/** Search space: the measured k values and the convs that have weight gains. */
function space(graph: Graph, table: GainTable) {
  const n = backboneConvs(graph).length;
  const ks = [0, ...Object.keys(table.biasGain).map(Number)].filter((k, i, a) => k <= n && a.indexOf(k) === i).sort((a, b) => a - b);
  return { n, ks };
}

export function randomSearch(graph: Graph, table: GainTable, opts: SearchOptions): SearchResult {
  const rand = mulberry32(opts.seed ?? 1);
  const { n, ks } = space(graph, table);
  const ev = evaluator(graph, table, opts);
  const budget = opts.evaluations ?? DEFAULT_EVALUATIONS;
  for (let i = 0; ev.evaluations < budget && i < budget * 20; i++) ev.evaluate(randomGenome(rand, n, ks));
  return ev.result();
}

/**
 * Evolutionary search: a population of schemes; each generation keeps the fittest quarter, and fills
 * the rest with children (crossover of two tournament-picked parents among them, then mutation of k
 * or one conv's ratio). Children are scored by gain alone until they compete for a place among the fittest.
 */
export function evolutionarySearch(graph: Graph, table: GainTable, opts: SearchOptions): SearchResult {
  const rand = mulberry32(opts.seed ?? 1);
  const { n, ks } = space(graph, table);
  const ev = evaluator(graph, table, opts);
  const size = opts.population ?? 40;
  const keep = Math.max(2, size >> 2);
  const budget = opts.evaluations ?? DEFAULT_EVALUATIONS;
  const genomes = new Map<Entry, Genome>();
  const add = (g: Genome) => {
    const e = ev.evaluate(g);
    if (!genomes.has(e)) genomes.set(e, g);
    return e;
  };
  // Start from the smallest scheme too, so a feasible one exists from the first generation.
  let pop: Entry[] = [add({ k: 0, ratios: new Map() }), ...Array.from({ length: size - 1 }, () => add(randomGenome(rand, n, ks)))];
  for (let gen = 0; ev.evaluations < budget && gen < budget; gen++) {
    const parents = ev.fittest(pop, keep);
    const pick = () => {
      const a = parents[Math.floor(rand() * parents.length)], b = parents[Math.floor(rand() * parents.length)];
      return genomes.get(ev.fitness(a) >= ev.fitness(b) ? a : b)!;
    };
    const next = [...parents];
    while (next.length < size) {
      const a = pick(), b = pick();
      const k = rand() < 0.5 ? a.k : b.k;
      const ratios = new Map<number, number>();
      for (let i = n - k; i < n; i++) {
        const r = (rand() < 0.5 ? a : b).ratios.get(i);
        if (r) ratios.set(i, r);
      }
      const child: Genome = { k, ratios };
      if (rand() < 0.3) child.k = ks[Math.min(ks.length - 1, Math.max(0, ks.indexOf(k) + (rand() < 0.5 ? -1 : 1)))];
      if (rand() < 0.8 && child.k > 0) {
        const i = n - 1 - Math.floor(rand() * child.k);
        const r = RATIOS[Math.floor(rand() * RATIOS.length)];
        if (r === 0) child.ratios.delete(i);
        else child.ratios.set(i, r);
      }
      for (const i of [...child.ratios.keys()]) if (i < n - child.k) child.ratios.delete(i);
      next.push(add(child));
    }
    pop = next;
  }
  return ev.result();
}
