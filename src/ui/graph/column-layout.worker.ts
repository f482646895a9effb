/** Places columns left to right with dagre, off the main thread (dagre takes longer than a frame). */
import dagre from '@dagrejs/dagre';
import type { ColumnSize } from './column-layout.ts';

export interface PlaceRequest {
  key: string;
  sizes: ColumnSize[];
  gap: number;
}

export interface PlaceReply {
  key: string;
  xs: number[];
  ms: number;
}

self.onmessage = (e: MessageEvent<PlaceRequest>) => {
  const t0 = performance.now();
  const { key, sizes, gap } = e.data;
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', ranksep: gap, nodesep: 20, rankalign: 'top', ranker: 'longest-path' });
  g.setDefaultEdgeLabel(() => ({}));
  sizes.forEach((s, i) => g.setNode(String(i), { width: s.width, height: s.height }));
  for (let i = 1; i < sizes.length; i++) g.setEdge(String(i - 1), String(i));
  dagre.layout(g);
  const xs = sizes.map((s, i) => g.node(String(i)).x - s.width / 2);
  const min = Math.min(0, ...xs);
  const reply: PlaceReply = { key, xs: xs.map((x) => x - min), ms: performance.now() - t0 };
  self.postMessage(reply);
};
