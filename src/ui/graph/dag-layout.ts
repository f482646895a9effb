/**
 * Lays out a general DAG node by node: ranks along the flow (left to right or top to bottom), the
 * branches of a rank side by side. `layoutDag` is dagre's layered layout (crossings minimised);
 * `layeredDag` is its cheap stand-in (each node at its longest-path rank, the nodes of a rank in
 * graph order), what a large graph shows until the layout worker answers with dagre's.
 * Pure: no DOM, usable in the worker, the page, the tests and the bench.
 */
import dagre from '@dagrejs/dagre';

export interface DagItem {
  id: string;
  width: number;
  height: number;
}

export interface DagLayoutOptions {
  /** 'LR': ranks are columns, left to right; 'TB': ranks are rows, top to bottom. */
  rankdir: 'LR' | 'TB';
  /** Gap between ranks. */
  ranksep: number;
  /** Gap between the nodes of a rank. */
  nodesep: number;
}

/** Top-left corners by id, the smallest x and y at 0. */
export type DagPositions = Record<string, { x: number; y: number }>;

/**
 * How many nodes dagre lays out on the main thread: above this the page shows `layeredDag` at once
 * (0.2 ms at 500 nodes) and asks the worker. dagre costs about a millisecond a node: `bench/ui.ts
 * --layout` (Node 20, the 2-core dev machine under load) measured 12.6 ms at 10 nodes, 33 ms at 19,
 * 61 ms at 60, 321 ms at 225 and 548 ms at 500; a frame is 16 ms, so past about 20 nodes dagre goes
 * off the main thread, as the family's column placement (19 ms for mcunet-5fps's 16 columns) already does.
 */
export const DAG_WORKER_THRESHOLD = 20;

/** dagre's layout; items in topological order, edges as [from, to] ids (both present). */
export function layoutDag(items: DagItem[], edges: [string, string][], o: DagLayoutOptions): DagPositions {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: o.rankdir, ranksep: o.ranksep, nodesep: o.nodesep, edgesep: 10, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const it of items) g.setNode(it.id, { width: it.width, height: it.height });
  for (const [a, b] of edges) g.setEdge(a, b);
  dagre.layout(g);
  const out: DagPositions = {};
  for (const it of items) {
    const n = g.node(it.id);
    out[it.id] = { x: n.x - it.width / 2, y: n.y - it.height / 2 };
  }
  return normalise(out);
}

/** Longest-path ranks, each rank's nodes stacked across the flow in item order; linear time. */
export function layeredDag(items: DagItem[], edges: [string, string][], o: DagLayoutOptions): DagPositions {
  const rank = new Map<string, number>(items.map((it) => [it.id, 0]));
  const into = new Map<string, string[]>();
  for (const [a, b] of edges) {
    if (!into.has(b)) into.set(b, []);
    into.get(b)!.push(a);
  }
  for (const it of items) for (const from of into.get(it.id) ?? []) rank.set(it.id, Math.max(rank.get(it.id)!, rank.get(from)! + 1));
  const ranks: DagItem[][] = [];
  for (const it of items) (ranks[rank.get(it.id)!] ??= []).push(it);
  const lr = o.rankdir === 'LR';
  const out: DagPositions = {};
  let along = 0;
  for (const r of ranks) {
    if (!r) continue;
    // Each rank centred across the flow, as dagre centres a chain.
    const across = r.reduce((s, it) => s + (lr ? it.height : it.width), 0) + o.nodesep * (r.length - 1);
    const depth = Math.max(...r.map((it) => (lr ? it.width : it.height)));
    let at = -across / 2;
    for (const it of r) {
      const a = along + (depth - (lr ? it.width : it.height)) / 2;
      out[it.id] = lr ? { x: a, y: at } : { x: at, y: a };
      at += (lr ? it.height : it.width) + o.nodesep;
    }
    along += depth + o.ranksep;
  }
  return normalise(out);
}

function normalise(p: DagPositions): DagPositions {
  const vs = Object.values(p);
  const mx = Math.min(0, ...vs.map((v) => v.x));
  const my = Math.min(0, ...vs.map((v) => v.y));
  for (const v of vs) {
    v.x -= mx;
    v.y -= my;
  }
  return p;
}
