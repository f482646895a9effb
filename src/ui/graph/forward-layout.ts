/**
 * The forward graph as React Flow nodes and edges: one node per op (the image input too), one frame
 * per block that can collapse into a single node, residual skips drawn as their own dashed edges.
 * Two arrangements: 'columns' (a block per column, left to right: a CNN reads like a page) and
 * 'vertical' (compact: blocks stacked top to bottom, each op one row, for narrow screens and to
 * scroll through). Positions depend only on the graph, the arrangement and the collapsed blocks, so
 * a scheme toggle never re-lays out.
 *
 * That is for the inverted-bottleneck family (graph-family.ts). Any other graph (an imported general
 * CNN: branches, joins, nodes without blocks) is laid out node by node (dag-layout.ts): ranks left to
 * right ('columns') or top to bottom ('vertical'), branches side by side, no frames; dagre's layout
 * here when the graph is small, else the cheap layered one until the worker answers with dagre's.
 */
import type { Edge, Node as FlowNode } from '@xyflow/react';
import type { Graph } from '../../engine/ir/graph.ts';
import { nodeParamBytes } from '../../engine/ir/node-param-bytes.ts';
import type { GraphSummary, LayerRow } from '../../engine/ir/summary.ts';
import { columnSizes, layoutColumns, type Column, type ColumnItem, type ColumnLayoutOptions, type ColumnSize, type PlacedColumn } from './column-layout.ts';
import { DAG_WORKER_THRESHOLD, layeredDag, layoutDag, routeKey, type DagItem, type DagLayout, type DagLayoutOptions, type Point } from './dag-layout.ts';
import { isBlockFamily } from './graph-family.ts';

export type ForwardArrangement = 'columns' | 'vertical';

export interface OpData extends Record<string, unknown> {
  row: LayerRow;
  paramBytes: number;
  /** Every activation input's shape (a concatenation has several). */
  inputShapes: number[][];
  /** A pool's window from its node (a conv's geometry is in the row). */
  window: { kernel: number; stride: number } | null;
  /** One row (the vertical arrangement) instead of a card. */
  compact: boolean;
}
export interface InputData extends Record<string, unknown> {
  shape: number[];
  compact: boolean;
}
export interface FrameData extends Record<string, unknown> {
  block: number;
  title: string;
  subtitle: string;
  collapsible: boolean;
}
export interface CollapsedData extends Record<string, unknown> {
  block: number;
  rows: LayerRow[];
}

export type ForwardFlowNode =
  | FlowNode<OpData, 'op'>
  | FlowNode<InputData, 'input'>
  | FlowNode<FrameData, 'frame'>
  | FlowNode<CollapsedData, 'collapsed'>;

export const NODE_W = 208;
/** Card heights: each fits its lines (a pool's cost line, the classifier's note under its cost). */
const HEIGHT: Record<string, number> = { conv2d: 104, add: 58, avgpool: 64, linear: 84, input: 46, collapsed: 112 };
/** The vertical arrangement: one row per op, wide enough for its name, shapes, cost and update controls. */
export const ROW_W = 640;
const ROW_H = 34;
const ROW_COLLAPSED_H = 52;
/** Gap between stacked blocks in the vertical arrangement. */
const BLOCK_GAP = 14;

export const STEM_COLUMN = -1;
/** Which column (block) a layer sits in: blocks by index, the stem at -1, the head after the last block. */
function columnOf(row: LayerRow, headColumn: number): number {
  if (row.block === null || row.role === 'classifier' || row.role === 'pool') return headColumn;
  return row.block < 0 ? STEM_COLUMN : row.block;
}

export const collapsedId = (block: number) => `block:${block}`;
const frameId = (column: number) => `frame:${column}`;

export const FORWARD_LAYOUT: ColumnLayoutOptions = { header: 26, pad: 10, itemGap: 22, columnGap: 56 };
const VERTICAL_LAYOUT: ColumnLayoutOptions = { header: 24, pad: 6, itemGap: 8, columnGap: BLOCK_GAP };

/** What a large general graph asks the layout worker for (useDagPlacement); `key` stands for the rest. */
export interface DagRequest {
  key: string;
  items: DagItem[];
  edges: [string, string][];
  options: DagLayoutOptions;
}

export interface ForwardLayout {
  /** True for the inverted-bottleneck family (blocks as columns), false for a general graph (node by node). */
  family: boolean;
  /** Sizes of the columns, for dagre's placement (useColumnPlacement); empty for a general graph. */
  sizes: ColumnSize[];
  /** A general graph too large for dagre on the main thread: what the worker should lay out; else null. */
  dag: DagRequest | null;
  nodes: ForwardFlowNode[];
  edges: Edge[];
  /** Which flow node shows a layer (itself, or its collapsed block). */
  shownAs: Record<string, string>;
  blockOf: Record<string, number>;
}

/** A general graph's edge drawn through dagre's bends (RoutedEdge). */
export interface RoutedEdgeData extends Record<string, unknown> {
  points: Point[];
  horizontal: boolean;
}

/**
 * `placed`: what the worker answered, a family's column left edges (xs; unused when vertical) or a
 * general graph's dagre layout; null places the columns side by side / the nodes by `layeredDag`.
 */
export function forwardLayout(
  graph: Graph, summary: GraphSummary, collapsed: readonly number[], placed: number[] | DagLayout | null, arrangement: ForwardArrangement = 'columns',
): ForwardLayout {
  if (!isBlockFamily(graph)) return generalLayout(graph, summary, Array.isArray(placed) ? null : placed, arrangement);
  const xs = Array.isArray(placed) ? placed : null;
  const compact = arrangement === 'vertical';
  const opts = compact ? VERTICAL_LAYOUT : FORWARD_LAYOUT;
  const width = compact ? ROW_W : NODE_W;
  const height = (kind: string) => (compact ? (kind === 'collapsed' ? ROW_COLLAPSED_H : ROW_H) : HEIGHT[kind] ?? 60);
  const blocks = Math.max(-1, ...summary.layers.map((r) => (r.role === 'classifier' ? -1 : r.block ?? -1))) + 1;
  const headColumn = blocks;
  const rowsBy = new Map<number, LayerRow[]>();
  for (const row of summary.layers) {
    const c = columnOf(row, headColumn);
    if (!rowsBy.has(c)) rowsBy.set(c, []);
    rowsBy.get(c)!.push(row);
  }
  const shownAs: Record<string, string> = { input: 'input' };
  const blockOf: Record<string, number> = {};
  const columns: Column[] = [];
  const order = [STEM_COLUMN, ...Array.from({ length: blocks }, (_, i) => i), headColumn];
  for (const c of order) {
    const rows = rowsBy.get(c) ?? [];
    const items: ColumnItem[] = c === STEM_COLUMN ? [{ id: 'input', width, height: height('input') }] : [];
    const isCollapsed = c >= 0 && c < headColumn && collapsed.includes(c);
    for (const r of rows) {
      blockOf[r.name] = c;
      shownAs[r.name] = isCollapsed ? collapsedId(c) : r.name;
    }
    if (isCollapsed) items.push({ id: collapsedId(c), width, height: height('collapsed') });
    else for (const r of rows) items.push({ id: r.name, width, height: height(r.op) });
    if (items.length) columns.push({ id: String(c), items });
  }

  const placedColumns = compact ? stackColumns(columns, opts) : layoutColumns(columns, opts, xs);
  const nodes: ForwardFlowNode[] = [];
  const nodeByName = new Map(graph.nodes.map((n) => [n.name, n]));
  const columnOfItem = new Map<string, number>();
  for (const pc of placedColumns) {
    const c = Number(pc.id);
    const rows = rowsBy.get(c) ?? [];
    const isBlock = c >= 0 && c < headColumn;
    const first = rows[0];
    const last = rows[rows.length - 1];
    nodes.push({
      id: frameId(c), type: 'frame', position: { x: pc.x, y: pc.y }, width: pc.width, height: pc.height,
      selectable: false, draggable: false, focusable: false, zIndex: -1,
      style: { width: pc.width, height: pc.height },
      data: {
        block: c,
        title: c === STEM_COLUMN ? 'stem' : c === headColumn ? 'head' : `block ${c}`,
        subtitle: first && last && isBlock ? `${first.inputShape[0]}→${last.outputShape[0]} ch${rows.some((r) => r.op === 'add') ? ' · residual' : ''}` : '',
        collapsible: isBlock,
      },
    });
    for (const it of pc.items) {
      columnOfItem.set(it.id, c);
      const position = { x: it.x, y: it.y };
      if (it.id === 'input') {
        nodes.push({ id: 'input', type: 'input', position, width: it.width, height: it.height, data: { shape: graph.tensors[graph.input].shape, compact }, draggable: false,
          ariaLabel: `input image ${graph.tensors[graph.input].shape.join('x')}` });
      } else if (it.id.startsWith('block:')) {
        nodes.push({ id: it.id, type: 'collapsed', position, width: it.width, height: it.height, data: { block: c, rows }, draggable: false,
          ariaLabel: `block ${c}, collapsed: ${rows.length} ops` });
      } else {
        const row = rows.find((r) => r.name === it.id)!;
        nodes.push(opNode(graph, row, nodeByName.get(it.id)!, position, it.width, it.height, compact));
      }
    }
  }

  const edges: Edge[] = [];
  const seen = new Set<string>();
  for (const { from, to: n, input: i } of tensorEdges(graph)) {
    const source = shownAs[from] ?? from;
    const target = shownAs[n.name] ?? n.name;
    if (source === target) continue;
    const residual = n.op === 'add' && i === 0;
    const id = `${source}->${target}${residual ? ':skip' : ''}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const sameColumn = columnOfItem.get(source) === columnOfItem.get(target);
    const down = compact || sameColumn;
    edges.push({
      id, source, target,
      // Vertical: every edge goes down, and a skip loops round on the right.
      sourceHandle: residual ? 'next' : down ? 'out' : 'next',
      targetHandle: residual ? (compact ? 'skip' : 'prev') : down ? 'in' : 'prev',
      className: residual ? 'edge-residual' : undefined,
      label: residual ? 'skip' : undefined,
      type: residual ? (compact ? 'smoothstep' : 'default') : down ? 'straight' : 'default',
      focusable: false,
    });
  }
  return { family: true, sizes: columnSizes(columns, opts), dag: null, nodes, edges, shownAs, blockOf };
}

/** Every edge of the forward graph: a tensor from its producer ('input' for the image) to a node reading it. */
function tensorEdges(graph: Graph): { from: string; to: Graph['nodes'][number]; input: number }[] {
  const producer = new Map<string, string>([[graph.input, 'input']]);
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n.name);
  const out: { from: string; to: Graph['nodes'][number]; input: number }[] = [];
  for (const n of graph.nodes) {
    if (n.op === 'softmax_ce') continue;
    n.inputs.forEach((t, input) => {
      const kind = graph.tensors[t]?.kind;
      if (kind !== 'activation' && kind !== 'input') return;
      const from = producer.get(t);
      if (from) out.push({ from, to: n, input });
    });
  }
  return out;
}

function opNode(graph: Graph, row: LayerRow, node: Graph['nodes'][number], position: { x: number; y: number }, width: number, height: number, compact: boolean): ForwardFlowNode {
  const attrs = node.attrs as { kernel?: unknown; stride?: unknown };
  const window = node.op !== 'conv2d' && typeof attrs.kernel === 'number' && typeof attrs.stride === 'number' ? { kernel: attrs.kernel, stride: attrs.stride } : null;
  const inputShapes = node.inputs.filter((t) => graph.tensors[t]?.kind === 'activation' || graph.tensors[t]?.kind === 'input').map((t) => graph.tensors[t].shape);
  return {
    id: row.name, type: 'op', position, width, height, draggable: false,
    data: { row, paramBytes: nodeParamBytes(graph, node), inputShapes, window, compact },
    ariaLabel: `${row.name}, ${row.role || row.op}${row.convIndex !== null ? `, conv ${row.convIndex}` : ''}: ${row.inputShape.join('x')} to ${row.outputShape.join('x')}`,
  };
}

/** A general graph's card height: the op's own where the family has one, else its lines (head, shapes, cost). */
function generalHeight(row: LayerRow, paramBytes: number): number {
  return HEIGHT[row.op] ?? (row.macs > 0 || paramBytes > 0 ? 64 : 46);
}

const DAG_COLUMNS: DagLayoutOptions = { rankdir: 'LR', ranksep: FORWARD_LAYOUT.columnGap, nodesep: FORWARD_LAYOUT.itemGap };
const DAG_VERTICAL: DagLayoutOptions = { rankdir: 'TB', ranksep: 16, nodesep: 24 };

/** Node by node (any DAG): see the file's comment. `answer`: the worker's dagre layout, if any. */
function generalLayout(graph: Graph, summary: GraphSummary, answer: DagLayout | null, arrangement: ForwardArrangement): ForwardLayout {
  const compact = arrangement === 'vertical';
  const nodeByName = new Map(graph.nodes.map((n) => [n.name, n]));
  const rows = summary.layers.filter((r) => nodeByName.has(r.name));
  const paramBytes = new Map(rows.map((r) => [r.name, nodeParamBytes(graph, nodeByName.get(r.name)!)]));
  const items: DagItem[] = [
    { id: 'input', width: compact ? ROW_W : NODE_W, height: compact ? ROW_H : HEIGHT.input },
    ...rows.map((r) => ({ id: r.name, width: compact ? ROW_W : NODE_W, height: compact ? ROW_H : generalHeight(r, paramBytes.get(r.name)!) })),
  ];
  const shown = new Set(items.map((it) => it.id));
  const links = tensorEdges(graph).filter((e) => shown.has(e.from) && shown.has(e.to.name) && e.from !== e.to.name);
  const pairs: [string, string][] = [];
  const seen = new Set<string>();
  for (const e of links) {
    const id = `${e.from}->${e.to.name}`;
    if (!seen.has(id)) {
      seen.add(id);
      pairs.push([e.from, e.to.name]);
    }
  }
  const options = compact ? DAG_VERTICAL : DAG_COLUMNS;
  const large = items.length > DAG_WORKER_THRESHOLD;
  const dagre = answer && items.every((it) => answer.positions[it.id]) ? answer : large ? null : layoutDag(items, pairs, options);
  const at = dagre ? dagre.positions : layeredDag(items, pairs, options);
  const rowBy = new Map(rows.map((r) => [r.name, r]));
  const nodes: ForwardFlowNode[] = items.map((it) => {
    const position = { x: at[it.id].x, y: at[it.id].y };
    if (it.id === 'input') {
      const shape = graph.tensors[graph.input].shape;
      return { id: 'input', type: 'input', position, width: it.width, height: it.height, data: { shape, compact }, draggable: false, ariaLabel: `input image ${shape.join('x')}` };
    }
    return opNode(graph, rowBy.get(it.id)!, nodeByName.get(it.id)!, position, it.width, it.height, compact);
  });
  const lr = !compact;
  const edges: Edge[] = pairs.map(([source, target]) => {
    const points = dagre?.routes[routeKey(source, target)];
    return {
      id: `${source}->${target}`, source, target,
      sourceHandle: lr ? 'next' : 'out', targetHandle: lr ? 'prev' : 'in',
      focusable: false,
      ...(points ? { type: 'routed', data: { points, horizontal: lr } satisfies RoutedEdgeData } : { type: 'default' }),
    };
  });
  const shownAs: Record<string, string> = Object.fromEntries(items.map((it) => [it.id, it.id]));
  const key = `${options.rankdir}:${items.map((i) => `${i.id}=${i.width}x${i.height}`).join(',')}|${pairs.map((p) => p.join('>')).join(',')}`;
  return {
    family: false, sizes: [], dag: large ? { key, items, edges: pairs, options } : null,
    nodes, edges, shownAs, blockOf: {},
  };
}

/** The vertical arrangement: the columns (blocks) one under the other, left-aligned. */
function stackColumns(columns: Column[], o: ColumnLayoutOptions): PlacedColumn[] {
  const placed = layoutColumns(columns, o, columns.map(() => 0));
  let y = 0;
  return placed.map((c) => {
    const at = y;
    y += c.height + o.columnGap;
    return { ...c, y: at, items: c.items.map((it) => ({ ...it, y: it.y + at })) };
  });
}
