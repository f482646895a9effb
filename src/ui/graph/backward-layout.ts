/**
 * The generated backward graph as React Flow nodes: the program's backward and update kernels in
 * schedule order, one column per forward block (head first, as the gradient flows), edges where a
 * kernel reads what another wrote. Pruned ops, when shown, come after as greyed nodes, one per
 * forward node, with the reason.
 *
 * A general graph (graph-family.ts) has no blocks: after the head's column its kernels, any number of
 * them, fill columns of at most COLUMN_KERNELS in schedule order, a forward layer's kernels kept
 * together, each column titled by the layers it holds, so the page reads as the family's does.
 */
import type { Edge, Node as FlowNode } from '@xyflow/react';
import type { Graph, Node } from '../../engine/ir/graph.ts';
import type { TrainingProgram } from '../../engine/program/compile.ts';
import type { Kernel } from '../../engine/program/types.ts';
import { columnSizes, layoutColumns, type Column, type ColumnLayoutOptions, type ColumnSize } from './column-layout.ts';
import { isBlockFamily } from './graph-family.ts';
import { kernelParts, type KernelPart } from './kernel-kinds.ts';

export interface ForwardRead {
  tensor: string;
  /** The forward node that wrote it (a link target). */
  node: string;
}

export interface KernelData extends Record<string, unknown> {
  kernel: Kernel;
  step: number;
  parts: KernelPart[];
  reads: ForwardRead[];
  /** Tensors written, with their bytes from the engine. */
  writes: { name: string; bytes: number }[];
}

export interface PrunedData extends Record<string, unknown> {
  node: string;
  ops: string[];
  reason: string;
}

export interface BwdFrameData extends Record<string, unknown> {
  title: string;
  pruned: boolean;
}

export type BackwardFlowNode = FlowNode<KernelData, 'kernel'> | FlowNode<PrunedData, 'pruned'> | FlowNode<BwdFrameData, 'bframe'>;

/** Wide enough for the longest kernel title on one line. */
export const KERNEL_W = 252;

function blockLabel(n: Node | undefined): string {
  if (!n) return 'head';
  const block = (n.attrs as { block?: number }).block;
  if (n.op === 'conv2d' && (n.attrs as { role: string }).role === 'classifier') return 'head';
  // In the family only the pool, the classifier and the loss have no block (a general graph's columns: groupColumns).
  if (block === undefined) return 'head';
  return block < 0 ? 'stem' : `block ${block}`;
}

/** The head of a general graph: the loss, the classifier and a global pool before it. */
function isHead(n: Node | undefined, graph: Graph): boolean {
  if (!n) return false;
  if (n.op === 'softmax_ce' || n.op === 'linear') return true;
  if (n.op === 'conv2d') return (n.attrs as { role: string }).role === 'classifier';
  const out = graph.tensors[n.outputs[0]]?.shape;
  return n.op === 'avgpool' && !!out && out[1] === 1 && out[2] === 1;
}

/** A general graph's column: at most this many kernels (unless one layer has more). */
export const COLUMN_KERNELS = 6;

/**
 * Items in order, grouped into titled columns: by forward block for the family; for a general graph
 * consecutive items of a layer stay together and columns hold at most COLUMN_KERNELS of them.
 */
export function groupColumns<T>(items: T[], nodeOf: (t: T) => string, graph: Graph, family: boolean): { title: string; items: T[] }[] {
  const nodeByName = new Map(graph.nodes.map((n) => [n.name, n]));
  const columns: { title: string; items: T[]; nodes: string[] }[] = [];
  if (family) {
    for (const it of items) {
      const title = blockLabel(nodeByName.get(nodeOf(it)));
      const last = columns[columns.length - 1];
      if (last && last.title === title) last.items.push(it);
      else columns.push({ title, items: [it], nodes: [] });
    }
    return columns;
  }
  const runs: { node: string; items: T[] }[] = [];
  for (const it of items) {
    const node = nodeOf(it);
    const last = runs[runs.length - 1];
    if (last && last.node === node) last.items.push(it);
    else runs.push({ node, items: [it] });
  }
  // The gradient starts at the head (loss, classifier, global pool): one column, as in the family.
  let first = 0;
  while (first < runs.length && isHead(nodeByName.get(runs[first].node), graph)) first++;
  if (first > 0) columns.push({ title: 'head', items: runs.slice(0, first).flatMap((r) => r.items), nodes: [] });
  for (const run of runs.slice(first)) {
    const last = columns[columns.length - 1];
    if (last && last.title !== 'head' && last.items.length + run.items.length <= COLUMN_KERNELS) {
      last.items.push(...run.items);
      if (!last.nodes.includes(run.node)) last.nodes.push(run.node);
    } else {
      columns.push({ title: '', items: [...run.items], nodes: [run.node] });
    }
  }
  for (const c of columns) if (c.title !== 'head') c.title = c.nodes.length === 1 ? c.nodes[0] : c.nodes.length === 2 ? `${c.nodes[0]} · ${c.nodes[1]}` : `${c.nodes[0]} … ${c.nodes[c.nodes.length - 1]}`;
  return columns;
}

export const BACKWARD_LAYOUT: ColumnLayoutOptions = { header: 26, pad: 10, itemGap: 18, columnGap: 48 };

/** `xs`: where dagre put the columns (null: side by side until it answers). */
export function backwardLayout(graph: Graph, program: TrainingProgram, showPruned: boolean, xs: number[] | null): { sizes: ColumnSize[]; nodes: BackwardFlowNode[]; edges: Edge[] } {
  const forwardWriter = new Map<string, string>();
  const steps = new Map<string, number>();
  program.kernels.forEach((k, i) => {
    steps.set(k.name, i);
    if (k.phase === 'forward') for (const o of k.outputs) forwardWriter.set(o, k.node);
  });
  const backward = program.kernels.filter((k) => k.phase !== 'forward');

  // Columns: consecutive kernels of one forward block (a general graph: of a few layers).
  const family = isBlockFamily(graph);
  const columns = groupColumns(backward, (k) => k.node, graph, family).map((c) => ({ title: c.title, kernels: c.items }));
  const data = new Map<string, KernelData>();
  for (const k of backward) {
    const parts = kernelParts(k);
    const reads: ForwardRead[] = [];
    for (const t of k.inputs) {
      const node = t === graph.input ? 'input' : forwardWriter.get(t);
      if (node && !reads.some((r) => r.tensor === t)) reads.push({ tensor: t, node });
    }
    const writes = k.outputs.filter((o, i) => k.outputs.indexOf(o) === i && program.tensors[o]).map((o) => ({ name: o, bytes: program.tensors[o].bytes }));
    data.set(k.name, { kernel: k, step: steps.get(k.name)!, parts, reads, writes });
  }
  const heightOf = (d: KernelData) => 58 + (d.parts.length > 1 ? d.parts.length * 15 + 4 : 0) + (d.reads.length ? 20 : 0);

  const layoutCols: Column[] = columns.map((c, i) => ({
    id: `b${i}`, items: c.kernels.map((k) => ({ id: k.name, width: KERNEL_W, height: heightOf(data.get(k.name)!) })),
  }));

  // Pruned ops, one greyed node per forward node, in backward order, one column per block.
  const prunedCols: { title: string; items: PrunedData[] }[] = [];
  if (showPruned) {
    const byNode = new Map<string, PrunedData>();
    for (const p of program.pruned) {
      const d = byNode.get(p.node) ?? { node: p.node, ops: [], reason: p.reason };
      if (!d.ops.includes(p.op)) d.ops.push(p.op);
      byNode.set(p.node, d);
    }
    const ordered = [...byNode.values()].sort((a, b) => graph.nodes.findIndex((n) => n.name === b.node) - graph.nodes.findIndex((n) => n.name === a.node));
    prunedCols.push(...groupColumns(ordered, (d) => d.node, graph, family));
    prunedCols.forEach((c, i) => layoutCols.push({ id: `p${i}`, items: c.items.map((d) => ({ id: `pruned:${d.node}`, width: KERNEL_W, height: 58 + Math.ceil(d.ops.length / 2) * 14 })) }));
  }

  const placed = layoutColumns(layoutCols, BACKWARD_LAYOUT, xs);
  const nodes: BackwardFlowNode[] = [];
  const columnOf = new Map<string, string>();
  for (const pc of placed) {
    const pruned = pc.id.startsWith('p');
    const title = pruned ? prunedCols[Number(pc.id.slice(1))].title : columns[Number(pc.id.slice(1))].title;
    nodes.push({
      id: `frame:${pc.id}`, type: 'bframe', position: { x: pc.x, y: pc.y }, width: pc.width, height: pc.height, zIndex: -1,
      selectable: false, draggable: false, style: { width: pc.width, height: pc.height },
      data: { title: pruned ? `${title} · pruned` : title, pruned },
    });
    for (const it of pc.items) {
      columnOf.set(it.id, pc.id);
      const position = { x: it.x, y: it.y };
      if (pruned) {
        const d = prunedCols[Number(pc.id.slice(1))].items.find((x) => `pruned:${x.node}` === it.id)!;
        nodes.push({ id: it.id, type: 'pruned', position, width: it.width, height: it.height, draggable: false, data: d });
      } else {
        nodes.push({ id: it.id, type: 'kernel', position, width: it.width, height: it.height, draggable: false, data: data.get(it.id)! });
      }
    }
  }

  const edges: Edge[] = [];
  const writer = new Map<string, string>();
  for (const k of backward) {
    const from = new Set<string>();
    for (const t of k.inputs) {
      const w = writer.get(t);
      if (w && w !== k.name) from.add(w);
    }
    for (const w of from) {
      const same = columnOf.get(w) === columnOf.get(k.name);
      edges.push({ id: `${w}->${k.name}`, source: w, target: k.name, sourceHandle: same ? 'out' : 'next', targetHandle: same ? 'in' : 'prev', type: same ? 'straight' : 'default' });
    }
    for (const o of k.outputs) writer.set(o, k.name);
  }
  if (showPruned && backward.length && prunedCols.length) {
    const lastKernel = backward[backward.length - 1].name;
    const firstPruned = `pruned:${prunedCols[0].items[0].node}`;
    edges.push({ id: 'to-pruned', source: lastKernel, target: firstPruned, sourceHandle: 'next', targetHandle: 'prev', className: 'edge-pruned' });
    const all = prunedCols.flatMap((c) => c.items.map((d) => `pruned:${d.node}`));
    for (let i = 1; i < all.length; i++) {
      const same = columnOf.get(all[i - 1]) === columnOf.get(all[i]);
      edges.push({ id: `${all[i - 1]}->${all[i]}`, source: all[i - 1], target: all[i], sourceHandle: same ? 'out' : 'next', targetHandle: same ? 'in' : 'prev', className: 'edge-pruned', type: same ? 'straight' : 'default' });
    }
  }
  return { sizes: columnSizes(layoutCols, BACKWARD_LAYOUT), nodes, edges };
}
