/**
 * Lays out a chain-shaped network as columns: the items of each column (a block's ops) top to
 * bottom, the columns left to right. A CNN reads like a page of text this way: one block per
 * column, far more of it on screen than a single tall chain.
 *
 * Inside a column the items form a chain, so they are simply stacked. The columns are placed by
 * dagre (left to right, top-aligned; placeColumns) in a worker (layout.worker.ts): dagre takes longer than a
 * frame here, so until its answer arrives (and if it never does) the columns sit side by side at
 * the same gap, which is what dagre gives for a chain of columns.
 */
import dagre from '@dagrejs/dagre';

export interface ColumnItem {
  id: string;
  width: number;
  height: number;
}

export interface Column {
  id: string;
  items: ColumnItem[];
}

export interface Placed {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedColumn extends Placed {
  items: Placed[];
}

export interface ColumnLayoutOptions {
  /** Room above a column's first item (for the block's header). */
  header: number;
  pad: number;
  itemGap: number;
  columnGap: number;
}

export interface ColumnSize {
  width: number;
  height: number;
}

function stack(items: ColumnItem[], o: ColumnLayoutOptions): { items: Placed[]; width: number; height: number } {
  const width = Math.max(0, ...items.map((i) => i.width)) + 2 * o.pad;
  let y = o.header + o.pad;
  const placed = items.map((it) => {
    const p = { id: it.id, x: (width - it.width) / 2, y, width: it.width, height: it.height };
    y += it.height + o.itemGap;
    return p;
  });
  return { items: placed, width, height: y - o.itemGap + o.pad };
}

/** The sizes of the columns, which is all the column placement needs. */
export function columnSizes(columns: Column[], o: ColumnLayoutOptions): ColumnSize[] {
  return columns.map((c) => {
    const s = stack(c.items, o);
    return { width: s.width, height: s.height };
  });
}

/** Columns side by side, `gap` apart (the placement before dagre's answer). */
export function inlineColumnX(sizes: ColumnSize[], gap: number): number[] {
  let x = 0;
  return sizes.map((s) => {
    const at = x;
    x += s.width + gap;
    return at;
  });
}

/** `xs`: the left edge of each column (from dagre); null places them side by side. */
export function layoutColumns(columns: Column[], o: ColumnLayoutOptions, xs: number[] | null): PlacedColumn[] {
  const inner = columns.map((c) => stack(c.items, o));
  const left = xs && xs.length === columns.length ? xs : inlineColumnX(inner, o.columnGap);
  return columns.map((c, i) => ({
    id: c.id, x: left[i], y: 0, width: inner[i].width, height: inner[i].height,
    items: inner[i].items.map((it) => ({ ...it, x: it.x + left[i] })),
  }));
}

/** dagre's placement of a chain of columns (left to right, top-aligned): each column's left edge, the first at 0. */
export function placeColumns(sizes: ColumnSize[], gap: number): number[] {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', ranksep: gap, nodesep: 20, rankalign: 'top', ranker: 'longest-path' });
  g.setDefaultEdgeLabel(() => ({}));
  sizes.forEach((s, i) => g.setNode(String(i), { width: s.width, height: s.height }));
  for (let i = 1; i < sizes.length; i++) g.setEdge(String(i - 1), String(i));
  dagre.layout(g);
  const xs = sizes.map((s, i) => g.node(String(i)).x - s.width / 2);
  const min = Math.min(0, ...xs);
  return xs.map((x) => x - min);
}
