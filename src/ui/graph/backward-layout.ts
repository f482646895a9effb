/**
 * The generated backward graph as React Flow nodes: the program's backward and update kernels in
 * schedule order, one column per forward block (head first, as the gradient flows), edges where a
 * kernel reads what another wrote. Pruned ops, when shown, come after as greyed nodes, one per
 * forward node, with the reason.
 */
import type { Edge, Node as FlowNode } from '@xyflow/react';
import type { Graph, Node } from '../../engine/ir/graph.ts';
import type { TrainingProgram } from '../../engine/program/compile.ts';
import type { Kernel } from '../../engine/program/types.ts';
import { columnSizes, layoutColumns, type Column, type ColumnLayoutOptions, type ColumnSize } from './column-layout.ts';
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
  // A general graph's nodes have no block: each is a column of its own (the pool and the loss stay with the head).
  if (block === undefined) return n.op === 'avgpool' || n.op === 'linear' || n.op === 'softmax_ce' ? 'head' : n.name;
  return block < 0 ? 'stem' : `block ${block}`;
}

export const BACKWARD_LAYOUT: ColumnLayoutOptions = { header: 26, pad: 10, itemGap: 18, columnGap: 48 };

/** `xs`: where dagre put the columns (null: side by side until it answers). */
export function backwardLayout(graph: Graph, program: TrainingProgram, showPruned: boolean, xs: number[] | null): { sizes: ColumnSize[]; nodes: BackwardFlowNode[]; edges: Edge[] } {
  const nodeByName = new Map(graph.nodes.map((n) => [n.name, n]));
  const forwardWriter = new Map<string, string>();
  const steps = new Map<string, number>();
  program.kernels.forEach((k, i) => {
    steps.set(k.name, i);
    if (k.phase === 'forward') for (const o of k.outputs) forwardWriter.set(o, k.node);
  });
  const backward = program.kernels.filter((k) => k.phase !== 'forward');

  // Columns: consecutive kernels of one forward block.
  const columns: { title: string; kernels: Kernel[] }[] = [];
  for (const k of backward) {
    const title = blockLabel(nodeByName.get(k.node));
    const last = columns[columns.length - 1];
    if (last && last.title === title) last.kernels.push(k);
    else columns.push({ title, kernels: [k] });
  }
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
    for (const d of ordered) {
      const title = blockLabel(nodeByName.get(d.node));
      const last = prunedCols[prunedCols.length - 1];
      if (last && last.title === title) last.items.push(d);
      else prunedCols.push({ title, items: [d] });
    }
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
