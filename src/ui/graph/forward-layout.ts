/**
 * The forward graph as React Flow nodes and edges: one node per op (the image input too), one frame
 * per block that can collapse into a single node, residual skips drawn as their own dashed edges.
 * Two arrangements: 'columns' (a block per column, left to right: a CNN reads like a page) and
 * 'vertical' (compact: blocks stacked top to bottom, each op one row, for narrow screens and to
 * scroll through). Positions depend only on the graph, the arrangement and the collapsed blocks, so
 * a scheme toggle never re-lays out.
 */
import type { Edge, Node as FlowNode } from '@xyflow/react';
import type { Graph } from '../../engine/ir/graph.ts';
import { nodeParamBytes } from '../../engine/ir/node-param-bytes.ts';
import type { GraphSummary, LayerRow } from '../../engine/ir/summary.ts';
import { columnSizes, layoutColumns, type Column, type ColumnItem, type ColumnLayoutOptions, type ColumnSize, type PlacedColumn } from './column-layout.ts';

export type ForwardArrangement = 'columns' | 'vertical';

export interface OpData extends Record<string, unknown> {
  row: LayerRow;
  paramBytes: number;
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
const HEIGHT: Record<string, number> = { conv2d: 104, add: 58, avgpool: 58, linear: 72, input: 46, collapsed: 112 };
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

export interface ForwardLayout {
  /** Sizes of the columns, for dagre's placement (useColumnPlacement). */
  sizes: ColumnSize[];
  nodes: ForwardFlowNode[];
  edges: Edge[];
  /** Which flow node shows a layer (itself, or its collapsed block). */
  shownAs: Record<string, string>;
  blockOf: Record<string, number>;
}

/** `xs`: where dagre put the columns (null: side by side until it answers; unused when vertical). */
export function forwardLayout(
  graph: Graph, summary: GraphSummary, collapsed: readonly number[], xs: number[] | null, arrangement: ForwardArrangement = 'columns',
): ForwardLayout {
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

  const placed = compact ? stackColumns(columns, opts) : layoutColumns(columns, opts, xs);
  const nodes: ForwardFlowNode[] = [];
  const nodeByName = new Map(graph.nodes.map((n) => [n.name, n]));
  const columnOfItem = new Map<string, number>();
  for (const pc of placed) {
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
        nodes.push({
          id: it.id, type: 'op', position, width: it.width, height: it.height, draggable: false,
          data: { row, paramBytes: nodeParamBytes(graph, nodeByName.get(it.id)!), compact },
          ariaLabel: `${row.name}, ${row.role}${row.convIndex !== null ? `, conv ${row.convIndex}` : ''}: ${row.inputShape.join('x')} to ${row.outputShape.join('x')}`,
        });
      }
    }
  }

  // Edges follow the tensors: producer -> consumer, shown between the nodes that show them.
  const producer = new Map<string, string>([[graph.input, 'input']]);
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n.name);
  const edges: Edge[] = [];
  const seen = new Set<string>();
  for (const n of graph.nodes) {
    if (n.op === 'softmax_ce') continue;
    n.inputs.forEach((t, i) => {
      const kind = graph.tensors[t].kind;
      if (kind !== 'activation' && kind !== 'input') return;
      const from = producer.get(t);
      if (!from) return;
      const source = shownAs[from] ?? from;
      const target = shownAs[n.name] ?? n.name;
      if (source === target) return;
      const residual = n.op === 'add' && i === 0;
      const id = `${source}->${target}${residual ? ':skip' : ''}`;
      if (seen.has(id)) return;
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
    });
  }
  return { sizes: columnSizes(columns, opts), nodes, edges, shownAs, blockOf };
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
