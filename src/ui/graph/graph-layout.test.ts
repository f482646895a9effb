// The graph views' layouts on hand-built graphs: the family keeps its block columns; a general graph
// (branches joined by an add that is no block's residual, convs without blocks, ops the family has no
// place for, 200+ nodes) is laid out node by node with no overlaps, every edge between shown nodes,
// branches apart, the same every time; the backward view's columns of a general graph stay short.
import type { Edge } from '@xyflow/react';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generalGraph } from '../../../tests/general-graphs.ts';
import { tinyFamilyTflite } from '../../../tests/tflite-family.ts';
import type { Graph, Node } from '../../engine/ir/graph.ts';
import { backboneConvs } from '../../engine/ir/graph.ts';
import { summarize, type GraphSummary, type LayerRow } from '../../engine/ir/summary.ts';
import { buildGraph } from '../../engine/models/build.ts';
import { modelFromFile } from '../../engine/models/model-file.ts';
import { zooArch, ZOO_NAMES } from '../../engine/models/zoo.ts';
import { compileTraining } from '../../engine/program/compile.ts';
import { builtinScheme } from '../../engine/train/builtin-schemes.ts';
import { backwardLayout, COLUMN_KERNELS, groupColumns } from './backward-layout.ts';
import { DAG_WORKER_THRESHOLD, layeredDag, layoutDag, type DagItem } from './dag-layout.ts';
import { forwardLayout, type ForwardArrangement } from './forward-layout.ts';
import { graphToSvg } from './graph-export.ts';
import { isBlockFamily } from './graph-family.ts';

interface Box { id: string; x: number; y: number; width: number; height: number }

const boxes = (nodes: { id: string; type?: string; position: { x: number; y: number }; width?: number; height?: number }[]): Box[] =>
  nodes.filter((n) => n.type !== 'frame' && n.type !== 'bframe')
    .map((n) => ({ id: n.id, x: n.position.x, y: n.position.y, width: n.width!, height: n.height! }));

/** Pairs of boxes that share more than a pixel. */
function overlaps(bs: Box[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < bs.length; i++) {
    for (let j = i + 1; j < bs.length; j++) {
      const a = bs[i], b = bs[j];
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (w > 1 && h > 1) out.push(`${a.id} and ${b.id}`);
    }
  }
  return out;
}

function expectSound(layout: { nodes: Parameters<typeof boxes>[0]; edges: Edge[] }) {
  const bs = boxes(layout.nodes);
  expect(bs.length).toBeGreaterThan(0);
  for (const b of bs) {
    expect(Number.isFinite(b.x) && Number.isFinite(b.y), `${b.id} placed`).toBe(true);
    expect(b.width * b.height, `${b.id} has a size`).toBeGreaterThan(0);
  }
  expect(overlaps(bs)).toEqual([]);
  const ids = new Set(layout.nodes.map((n) => n.id));
  for (const e of layout.edges) {
    expect(ids.has(e.source), `${e.id}: source`).toBe(true);
    expect(ids.has(e.target), `${e.id}: target`).toBe(true);
  }
  expect(new Set(layout.edges.map((e) => e.id)).size).toBe(layout.edges.length);
}

const pos = (layout: ReturnType<typeof forwardLayout>, id: string) => layout.nodes.find((n) => n.id === id)!.position;

describe('which graphs are of the family', () => {
  it('every zoo model, with either head, and a family .tflite are; the graph views keep their block columns', () => {
    for (const name of ZOO_NAMES) {
      for (const head of ['float32', 'int8'] as const) {
        const g = buildGraph(zooArch(name), { head });
        expect(isBlockFamily(g), `${name} ${head}`).toBe(true);
        const l = forwardLayout(g, summarize(g), [], null);
        expect(l.family).toBe(true);
        expect(l.dag).toBeNull();
        const blocks = zooArch(name).blocks.length;
        expect(l.nodes.filter((n) => n.type === 'frame')).toHaveLength(blocks + 2); // stem, blocks, head
        expectSound(l);
      }
    }
    expect(isBlockFamily(modelFromFile('tiny.tflite', tinyFamilyTflite()).graph)).toBe(true);
    const vww = modelFromFile('mcunet-vww.tflite', new Uint8Array(readFileSync(new URL('../../../../shared/models/tflite/mcunet-vww.tflite', import.meta.url)))).graph;
    expect(isBlockFamily(vww)).toBe(true);
    expect(forwardLayout(vww, summarize(vww), [], null).family).toBe(true);
  });

  it('a graph with branches, a join that is no residual, or convs without blocks is not', () => {
    expect(isBlockFamily(generalGraph())).toBe(false);
    expect(isBlockFamily(generalGraph({ stages: 0 }))).toBe(false); // a plain chain whose convs have no block
    // A family graph whose residual add reads something other than its block's input.
    const g = buildGraph(zooArch(ZOO_NAMES[0]));
    const add = g.nodes.find((n) => n.op === 'add')!;
    const broken: Graph = { ...g, nodes: g.nodes.map((n) => (n === add ? { ...n, inputs: [g.input, n.inputs[1]] } : n)) };
    expect(isBlockFamily(broken)).toBe(false);
    // An op the family has no place for.
    const pool = g.nodes.find((n) => n.op === 'avgpool')!;
    const withMax: Graph = { ...g, nodes: g.nodes.map((n) => (n === pool ? { ...n, op: 'maxpool' as Node['op'] } : n)) };
    expect(isBlockFamily(withMax)).toBe(false);
  });
});

describe('a general graph, node by node', () => {
  const arrangements: ForwardArrangement[] = ['columns', 'vertical'];

  it('two conv branches joined by an add: ranks along the flow, the branches side by side', () => {
    const g = generalGraph({ stages: 1, branches: 2, depth: 2 });
    const s = summarize(g);
    for (const arrangement of arrangements) {
      const l = forwardLayout(g, s, [], null, arrangement);
      expect(l.family).toBe(false);
      expect(l.dag).toBeNull(); // small: dagre on the spot
      expect(l.nodes.some((n) => n.type === 'frame' || n.type === 'collapsed')).toBe(false);
      expect(l.nodes.filter((n) => n.type === 'op').map((n) => n.id).sort()).toEqual(s.layers.map((r) => r.name).sort());
      expectSound(l);
      // Edges follow the tensors: stem -> both branches, both branch ends -> the add; no residual "skip".
      const ids = l.edges.map((e) => e.id);
      for (const id of ['input->conv0', 'conv0->conv1', 'conv0->conv3', 'conv2->add0', 'conv4->add0', 'add0->pool', 'pool->classifier']) expect(ids).toContain(id);
      expect(l.edges).toHaveLength(9);
      expect(l.edges.some((e) => e.label || e.className)).toBe(false);
      // The two branches' first convs share a rank and sit apart across the flow.
      const a = pos(l, 'conv1'), b = pos(l, 'conv3');
      const lr = arrangement === 'columns';
      expect(lr ? a.x : a.y).toBeCloseTo(lr ? b.x : b.y, 6);
      expect(lr ? a.y : a.x).not.toBeCloseTo(lr ? b.y : b.x, 0);
      // Ranks advance along the flow.
      const along = (id: string) => (lr ? pos(l, id).x : pos(l, id).y);
      expect(along('input')).toBeLessThan(along('conv0'));
      expect(along('conv0')).toBeLessThan(along('conv1'));
      expect(along('conv2')).toBeLessThan(along('add0'));
      expect(along('add0')).toBeLessThan(along('classifier'));
      // Deterministic.
      expect(JSON.stringify(forwardLayout(g, s, [], null, arrangement))).toBe(JSON.stringify(l));
    }
  });

  it('edges follow dagre\'s routes, clear of the nodes they pass (an identity skip beside a conv branch)', () => {
    for (const [opts, arrangement] of [[{ stages: 3, identity: true, depth: 3 }, 'columns'], [{ stages: 3, identity: true, depth: 3 }, 'vertical'], [{ stages: 12, branches: 3, identity: true, depth: 3 }, 'columns']] as const) {
      const g = generalGraph(opts);
      const s = summarize(g);
      const now = forwardLayout(g, s, [], null, arrangement);
      const l = now.dag ? forwardLayout(g, s, [], layoutDag(now.dag.items, now.dag.edges, now.dag.options), arrangement) : now;
      expectSound(l);
      const byId = new Map(boxes(l.nodes).map((b) => [b.id, b]));
      const lr = arrangement === 'columns';
      let bends = 0;
      const crossings: string[] = [];
      for (const e of l.edges) {
        expect(e.type).toBe('routed');
        const a = byId.get(e.source)!, b = byId.get(e.target)!;
        const route = (e.data as { points: { x: number; y: number }[] }).points;
        bends += route.length;
        const path = [lr ? { x: a.x + a.width, y: a.y + a.height / 2 } : { x: a.x + a.width / 2, y: a.y + a.height }, ...route,
          lr ? { x: b.x, y: b.y + b.height / 2 } : { x: b.x + b.width / 2, y: b.y }];
        const xs = path.map((p) => p.x), ys = path.map((p) => p.y);
        const near = [...byId.values()].filter((box) => box.id !== e.source && box.id !== e.target
          && box.x < Math.max(...xs) && box.x + box.width > Math.min(...xs) && box.y < Math.max(...ys) && box.y + box.height > Math.min(...ys));
        for (let i = 0; i + 1 < path.length; i++) {
          for (let t = 0; t <= 1; t += 0.05) {
            const x = path[i].x + (path[i + 1].x - path[i].x) * t, y = path[i].y + (path[i + 1].y - path[i].y) * t;
            const hit = near.find((box) => x > box.x + 2 && x < box.x + box.width - 2 && y > box.y + 2 && y < box.y + box.height - 2);
            if (hit) crossings.push(`${e.id} passes through ${hit.id}`);
          }
        }
      }
      expect(crossings).toEqual([]);
      expect(bends).toBeGreaterThan(l.edges.length); // the skips bend round the conv branches
      // The SVG export draws the same routes: one path per edge, through the bends.
      const svg = graphToSvg(l.nodes, l.edges, (n) => ({ lines: [n.id] }), g.name);
      const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]);
      expect(paths).toHaveLength(l.edges.length);
      expect(paths.reduce((c, d) => c + (d.match(/C/g)?.length ?? 0), 0)).toBe(bends + l.edges.length);
    }
  });

  it('a chain of convs without blocks is one rank after the other', () => {
    const g = generalGraph({ stages: 0 });
    const l = forwardLayout(g, summarize(g), [], null);
    expectSound(l);
    const ops = l.nodes.filter((n) => n.type === 'op' || n.type === 'input');
    const xs = ops.map((n) => n.position.x);
    expect([...xs].sort((p, q) => p - q)).toEqual(xs);
    expect(new Set(xs).size).toBe(ops.length);
  });

  it('an op the family has no place for (a max-pool, unknown to the summary) gets a node and its edges', () => {
    const g = generalGraph({ stages: 1 });
    const nodes = g.nodes.map((n) => (n.name === 'pool' ? { ...n, op: 'maxpool' as Node['op'], attrs: { kernel: 2, stride: 2, pad: 0 } as Node['attrs'] } : n));
    const graph: Graph = { ...g, nodes };
    const s = summarize(g);
    const summary: GraphSummary = { ...s, layers: s.layers.map((r): LayerRow => (r.name === 'pool' ? { ...r, op: 'maxpool' as LayerRow['op'], role: 'maxpool', block: null } : r)) };
    const l = forwardLayout(graph, summary, [], null);
    expectSound(l);
    const pool = l.nodes.find((n) => n.id === 'pool')!;
    expect(pool.type).toBe('op');
    if (pool.type === 'op') expect(pool.data.window).toEqual({ kernel: 2, stride: 2 }); // shown as 2×2 /2
    const join = l.nodes.find((n) => n.id === 'add0')!;
    if (join.type === 'op') expect(join.data.inputShapes).toEqual([[8, 8, 8], [8, 8, 8]]);
    expect(pool.height).toBeGreaterThanOrEqual(46);
    expect(l.edges.map((e) => e.id)).toEqual(expect.arrayContaining(['add0->pool', 'pool->classifier']));
  });

  it(`over ${DAG_WORKER_THRESHOLD} nodes: the layered stand-in now, the worker's dagre layout when it answers; both sound`, () => {
    const g = generalGraph({ stages: 20, branches: 3, depth: 3 });
    const s = summarize(g);
    expect(s.layers.length).toBeGreaterThan(200);
    for (const arrangement of arrangements) {
      const before = forwardLayout(g, s, [], null, arrangement);
      expect(before.dag).not.toBeNull();
      expect(before.dag!.items).toHaveLength(s.layers.length + 1);
      expectSound(before);
      // What the worker does with the request (layout.worker.ts).
      const answer = layoutDag(before.dag!.items, before.dag!.edges, before.dag!.options);
      const after = forwardLayout(g, s, [], answer, arrangement);
      expectSound(after);
      const ends = (es: Edge[]) => es.map((e) => [e.id, e.source, e.target, e.sourceHandle, e.targetHandle]);
      expect(ends(after.edges)).toEqual(ends(before.edges));
      expect(before.edges.every((e) => e.type === 'default')).toBe(true); // the stand-in has no routes
      expect(after.edges.every((e) => e.type === 'routed')).toBe(true);
      for (const n of after.nodes) expect(n.position).toEqual(answer.positions[n.id]);
      // Every stage's three branches apart.
      for (const id of ['conv1', 'conv4', 'conv7']) expect(after.nodes.filter((n) => n.position.x === pos(after, id).x && n.position.y === pos(after, id).y)).toHaveLength(1);
      expect(JSON.stringify(forwardLayout(g, s, [], answer, arrangement))).toBe(JSON.stringify(after));
      expect(JSON.stringify(forwardLayout(g, s, [], null, arrangement))).toBe(JSON.stringify(before));
    }
  });

  it('the layered stand-in ranks by longest path, a rank\'s nodes apart', () => {
    const items: DagItem[] = ['a', 'b', 'c', 'd'].map((id) => ({ id, width: 100, height: id === 'b' ? 80 : 40 }));
    const edges: [string, string][] = [['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'd'], ['a', 'd']];
    const p = layeredDag(items, edges, { rankdir: 'LR', ranksep: 50, nodesep: 10 });
    expect(p.a.x).toBe(0);
    expect(p.b.x).toBe(150);
    expect(p.c.x).toBe(150);
    expect(p.d.x).toBe(300);
    expect(Math.abs(p.b.y - p.c.y)).toBeGreaterThanOrEqual(40 + 10);
  });
});

describe('the backward graph of a general graph', () => {
  // Today's compiler handles these graphs with its fused passes off: plain kernels only.
  const plain = { fuseRows: false, fuseBackward: false, fuseBlockBackward: false, inPlace: false } as const;

  it('kernels in short columns titled by their layers, pruned ops too, nothing overlapping', () => {
    const g = generalGraph({ stages: 20, branches: 3, depth: 3 });
    const program = compileTraining(g, builtinScheme('last-3', backboneConvs(g).length)!, plain);
    for (const showPruned of [false, true]) {
      const l = backwardLayout(g, program, showPruned, null);
      expectSound(l);
      const frames = l.nodes.filter((n) => n.type === 'bframe');
      const kernels = l.nodes.filter((n) => n.type === 'kernel');
      expect(kernels).toHaveLength(program.kernels.filter((k) => k.phase !== 'forward').length);
      for (const f of frames) {
        expect(f.data.title).not.toBe('');
        const inside = l.nodes.filter((n) => n.type !== 'bframe' && n.position.x >= f.position.x && n.position.x < f.position.x + f.width!);
        const layers = new Set(inside.map((n) => (n.type === 'kernel' ? n.data.kernel.node : n.type === 'pruned' ? n.data.node : '')));
        expect(inside.length <= COLUMN_KERNELS || layers.size === 1, `${f.data.title}: ${inside.length} nodes`).toBe(true);
      }
      if (showPruned) expect(l.nodes.filter((n) => n.type === 'pruned').length).toBeGreaterThan(150);
      expect(JSON.stringify(backwardLayout(g, program, showPruned, null))).toBe(JSON.stringify(l));
    }
  });

  it('a layer\'s kernels stay in one column; any number of them', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ node: `n${Math.floor(i / 3)}`, i }));
    items.push(...Array.from({ length: 9 }, (_, i) => ({ node: 'big', i: 1000 + i })));
    const cols = groupColumns(items, (x) => x.node, generalGraph(), false);
    expect(cols.flatMap((c) => c.items)).toEqual(items);
    for (const c of cols) {
      const layers = new Set(c.items.map((x) => x.node));
      expect(c.items.length <= COLUMN_KERNELS || layers.size === 1).toBe(true);
      expect(c.title.length).toBeGreaterThan(0);
    }
    const byNode = new Map<string, number>();
    cols.forEach((c, ci) => c.items.forEach((x) => {
      expect(byNode.get(x.node) ?? ci, `${x.node} in one column`).toBe(ci);
      byNode.set(x.node, ci);
    }));
    expect(cols.find((c) => c.items.some((x) => x.node === 'big'))!.title).toBe('big');
  });
});
