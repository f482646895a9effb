/**
 * Runs the scheme search in its worker whenever the gains or the budget change (after a pause, so a
 * burst of finished jobs costs one search); the last answer stays shown until the next arrives.
 */
import { useEffect, useRef, useState } from 'react';
import type { SearchReply, SearchRequest } from './scheme-search.ts';

const SEARCH_AFTER_MS = 400;

/** `lastKey`: the key of the request `last` answers (the held-out comparison waits for the answer to the current one). */
export type SearchState = { status: 'idle' } | { status: 'searching'; last: SearchReply | null; lastKey: string | null } | { status: 'done'; last: SearchReply; lastKey: string };

/** `key` identifies the request (model, settings, gains, budget): a new key, a new search. */
export function useSchemeSearch(request: Omit<SearchRequest, 'seq'> | null, key: string): SearchState {
  const [state, setState] = useState<SearchState>({ status: 'idle' });
  const worker = useRef<Worker | null>(null);
  const seq = useRef(0);
  const busy = useRef(false);
  const keys = useRef(new Map<number, string>());

  const active = request ? key : null;
  useEffect(() => () => worker.current?.terminate(), []);

  useEffect(() => {
    if (!request) return;
    const timer = setTimeout(() => {
      // A search still running is for gains that are out of date: stop it rather than queue behind it.
      if (busy.current) {
        worker.current?.terminate();
        worker.current = null;
      }
      if (!worker.current) {
        worker.current = new Worker(new URL('./scheme-search.worker.ts', import.meta.url), { type: 'module' });
        worker.current.onmessage = (e: MessageEvent<SearchReply>) => {
          if (e.data.seq !== seq.current) return;
          busy.current = false;
          setState({ status: 'done', last: e.data, lastKey: keys.current.get(e.data.seq) ?? '' });
        };
        worker.current.onerror = (e) => {
          busy.current = false;
          setState({ status: 'done', last: { seq: seq.current, ok: false, error: `the search worker stopped (${e.message || 'no message'})` }, lastKey: keys.current.get(seq.current) ?? '' });
        };
      }
      const req: SearchRequest = { ...request, seq: ++seq.current };
      keys.current = new Map([[req.seq, key]]);
      busy.current = true;
      setState((s) => (s.status === 'idle' ? { status: 'searching', last: null, lastKey: null } : { status: 'searching', last: s.last, lastKey: s.lastKey }));
      worker.current.postMessage(req);
    }, SEARCH_AFTER_MS);
    return () => clearTimeout(timer);
    // `key` stands for `request` (a new object on every render).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active]);
  return active === null ? { status: 'idle' } : state;
}
