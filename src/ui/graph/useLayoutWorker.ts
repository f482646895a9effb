/**
 * dagre's layouts computed in the layout worker (layout.worker.ts): null until it answers for this
 * request (the views then show their immediate placement, which the answer refines), and null when
 * there is nothing to ask.
 */
import { useEffect, useState } from 'react';
import type { ColumnSize } from './column-layout.ts';
import type { DagLayout } from './dag-layout.ts';
import type { DagRequest } from './forward-layout.ts';
import type { LayoutReply, LayoutRequest } from './layout.worker.ts';
import LayoutWorker from './layout.worker.ts?worker';

let worker: Worker | null = null;
const listeners = new Set<(r: LayoutReply) => void>();
/** The last answers by key: switching arrangements or models back is instant. */
const answers = new Map<string, LayoutReply>();
const KEEP = 8;

function getWorker(): Worker | null {
  if (worker) return worker;
  try {
    worker = new LayoutWorker();
    worker.onmessage = (e: MessageEvent<LayoutReply>) => {
      answers.set(e.data.key, e.data);
      if (answers.size > KEEP) answers.delete(answers.keys().next().value!);
      listeners.forEach((l) => l(e.data));
    };
  } catch {
    worker = null; // no workers: keep the immediate placement
  }
  return worker;
}

/** Asks the worker once per key (unless it answered it lately); the key stands for the request's content. */
function useWorkerReply<R extends LayoutReply>(request: LayoutRequest | null): R | null {
  const key = request?.key ?? null;
  const [reply, setReply] = useState<R | null>(null);
  useEffect(() => {
    if (!request) return;
    if (answers.get(request.key)?.kind === request.kind) return; // the render below reads it
    const w = getWorker();
    if (!w) return;
    const onReply = (r: LayoutReply) => {
      if (r.key === request.key && r.kind === request.kind) setReply(r as R);
    };
    listeners.add(onReply);
    w.postMessage(request);
    return () => {
      listeners.delete(onReply);
    };
    // `key` stands for the request.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  if (reply && key !== null && reply.key === key) return reply;
  // An answer already known shows from the first render, with no frame of the stand-in.
  const known = key !== null ? answers.get(key) : undefined;
  return known && known.kind === request?.kind ? (known as R) : null;
}

/** dagre's placement of a graph's columns (their left edges). */
export function useColumnPlacement(sizes: ColumnSize[], gap: number): number[] | null {
  const key = sizes.length ? `${gap}:${sizes.map((s) => `${Math.round(s.width)}x${Math.round(s.height)}`).join(',')}` : null;
  const request = key === null ? null : { kind: 'columns' as const, key, sizes, gap };
  return useWorkerReply<Extract<LayoutReply, { kind: 'columns' }>>(request)?.xs ?? null;
}

/** dagre's layout of a large general graph; null for no request or until the worker answers. */
export function useDagPlacement(dag: DagRequest | null): DagLayout | null {
  const request = dag ? { kind: 'dag' as const, ...dag } : null;
  return useWorkerReply<Extract<LayoutReply, { kind: 'dag' }>>(request)?.layout ?? null;
}
