/**
 * Lays out a general DAG node by node: ranks along the flow (left to right or top to bottom), the
 * branches of a rank side by side. `layoutDag` is dagre's layered layout (crossings minimised);
 * `layeredDag` is its cheap stand-in (each node at its longest-path rank, the nodes of a rank in
 * graph order), what a large graph shows until the layout worker answers with dagre's.
 * `smoothPath` draws an edge through dagre's bends (the view's RoutedEdge and the SVG export).
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

export interface Point {
  x: number;
  y: number;
}

/** Top-left corners by id, the smallest x and y at 0. */
export type DagPositions = Record<string, Point>;

/**
 * dagre's answer: the nodes' corners and, for each edge (`from->to`), the bends dagre routed it
 * through (between the ranks it crosses, clear of the nodes there); the edge is drawn through them.
 */
export interface DagLayout {
  positions: DagPositions;
  routes: Record<string, Point[]>;
}

export const routeKey = (from: string, to: string) => `${from}->${to}`;

/**
 * How many nodes dagre lays out on the main thread: above this the page shows `layeredDag` at once
 * (0.2 ms at 500 nodes) and asks the worker. dagre costs about a millisecond a node: `bench/ui.ts
 * --layout` (Node 20, the 2-core dev machine under load) measured 12.6 ms at 10 nodes, 33 ms at 19,
 * 61 ms at 60, 321 ms at 225 and 548 ms at 500; a frame is 16 ms, so past about 20 nodes dagre goes
 * off the main thread, as the family's column placement (19 ms for mcunet-5fps's 16 columns) already does.
 */
export const DAG_WORKER_THRESHOLD = 20;

/** dagre's layout; items in topological order, edges as [from, to] ids (both present). */
export function layoutDag(items: DagItem[], edges: [string, string][], o: DagLayoutOptions): DagLayout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: o.rankdir, ranksep: o.ranksep, nodesep: o.nodesep, edgesep: 10, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const it of items) g.setNode(it.id, { width: it.width, height: it.height });
  for (const [a, b] of edges) g.setEdge(a, b);
  dagre.layout(g);
  const positions: DagPositions = {};
  for (const it of items) {
    const n = g.node(it.id);
    positions[it.id] = { x: n.x - it.width / 2, y: n.y - it.height / 2 };
  }
  // Only the bends between the ends: the view starts and ends each edge at the nodes' handles.
  const routes: Record<string, Point[]> = {};
  for (const [a, b] of edges) routes[routeKey(a, b)] = ((g.edge(a, b)?.points ?? []) as Point[]).slice(1, -1).map((p) => ({ x: p.x, y: p.y }));
  const { dx, dy } = offset(Object.values(positions));
  for (const p of [...Object.values(positions), ...Object.values(routes).flat()]) {
    p.x -= dx;
    p.y -= dy;
  }
  return { positions, routes };
}

/**
 * An SVG path from the first point to the last through the others, smooth (a Catmull-Rom spline as
 * cubic Béziers); two points make a horizontal or vertical S-curve as React Flow's default edge does.
 */
export function smoothPath(points: Point[], horizontal: boolean): string {
  const f = (v: number) => Math.round(v * 10) / 10;
  if (points.length < 2) return '';
  if (points.length === 2) {
    const [s, t] = points;
    if (horizontal) {
      const dx = Math.max(30, Math.abs(t.x - s.x) / 2);
      return `M${f(s.x)},${f(s.y)} C${f(s.x + dx)},${f(s.y)} ${f(t.x - dx)},${f(t.y)} ${f(t.x)},${f(t.y)}`;
    }
    const dy = Math.max(20, Math.abs(t.y - s.y) / 2);
    return `M${f(s.x)},${f(s.y)} C${f(s.x)},${f(s.y + dy)} ${f(t.x)},${f(t.y - dy)} ${f(t.x)},${f(t.y)}`;
  }
  let d = `M${f(points[0].x)},${f(points[0].y)}`;
  for (let i = 0; i < points.length - 1; i++) {
    const p0 = points[Math.max(0, i - 1)], p1 = points[i], p2 = points[i + 1], p3 = points[Math.min(points.length - 1, i + 2)];
    d += ` C${f(p1.x + (p2.x - p0.x) / 6)},${f(p1.y + (p2.y - p0.y) / 6)} ${f(p2.x - (p3.x - p1.x) / 6)},${f(p2.y - (p3.y - p1.y) / 6)} ${f(p2.x)},${f(p2.y)}`;
  }
  return d;
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

function offset(vs: Point[]): { dx: number; dy: number } {
  let dx = 0, dy = 0;
  for (const v of vs) {
    dx = Math.min(dx, v.x);
    dy = Math.min(dy, v.y);
  }
  return { dx, dy };
}

function normalise(p: DagPositions): DagPositions {
  const { dx, dy } = offset(Object.values(p));
  for (const v of Object.values(p)) {
    v.x -= dx;
    v.y -= dy;
  }
  return p;
}
