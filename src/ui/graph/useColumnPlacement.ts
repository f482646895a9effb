/**
 * dagre's placement of a graph's columns, computed in a worker; null until it answers for these
 * sizes (the layout then places the columns side by side, which dagre's answer refines).
 */
import { useEffect, useState } from 'react';
import type { ColumnSize } from './column-layout.ts';
import type { PlaceReply, PlaceRequest } from './column-layout.worker.ts';
import LayoutWorker from './column-layout.worker.ts?worker';

let worker: Worker | null = null;
const listeners = new Set<(r: PlaceReply) => void>();

function getWorker(): Worker | null {
  if (worker) return worker;
  try {
    worker = new LayoutWorker();
    worker.onmessage = (e: MessageEvent<PlaceReply>) => listeners.forEach((l) => l(e.data));
  } catch {
    worker = null; // no workers: keep the side-by-side placement
  }
  return worker;
}

export function useColumnPlacement(sizes: ColumnSize[], gap: number): number[] | null {
  const key = `${gap}:${sizes.map((s) => `${Math.round(s.width)}x${Math.round(s.height)}`).join(',')}`;
  const [placed, setPlaced] = useState<{ key: string; xs: number[] } | null>(null);
  useEffect(() => {
    const w = getWorker();
    if (!w) return;
    const onReply = (r: PlaceReply) => {
      if (r.key === key) setPlaced({ key, xs: r.xs });
    };
    listeners.add(onReply);
    const req: PlaceRequest = { key, sizes, gap };
    w.postMessage(req);
    return () => {
      listeners.delete(onReply);
    };
    // `key` stands for `sizes`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, gap]);
  return placed && placed.key === key ? placed.xs : null;
}
