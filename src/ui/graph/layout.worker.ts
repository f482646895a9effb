/**
 * The graph views' dagre layouts, off the main thread (dagre takes longer than a frame): a family
 * graph's columns placed left to right (column-layout.ts: placeColumns), a general graph's nodes
 * (dag-layout.ts: layoutDag) when it has more than DAG_WORKER_THRESHOLD of them.
 */
import { placeColumns, type ColumnSize } from './column-layout.ts';
import { layoutDag, type DagItem, type DagLayout, type DagLayoutOptions } from './dag-layout.ts';

export type LayoutRequest =
  | { kind: 'columns'; key: string; sizes: ColumnSize[]; gap: number }
  | { kind: 'dag'; key: string; items: DagItem[]; edges: [string, string][]; options: DagLayoutOptions };

export type LayoutReply =
  | { kind: 'columns'; key: string; xs: number[]; ms: number }
  | { kind: 'dag'; key: string; layout: DagLayout; ms: number };

self.onmessage = (e: MessageEvent<LayoutRequest>) => {
  const t0 = performance.now();
  const r = e.data;
  const reply: LayoutReply = r.kind === 'columns'
    ? { kind: 'columns', key: r.key, xs: placeColumns(r.sizes, r.gap), ms: 0 }
    : { kind: 'dag', key: r.key, layout: layoutDag(r.items, r.edges, r.options), ms: 0 };
  reply.ms = performance.now() - t0;
  self.postMessage(reply);
};
