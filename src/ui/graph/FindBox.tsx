/** Ctrl+F in a graph: type part of a name or a type (conv21, dw, add, weight…), Enter jumps to the match. */
import { useEffect, useMemo, useRef, useState } from 'react';

export interface FindItem {
  id: string;
  label: string;
  /** Other words it answers to: op, role, kind. */
  keywords: string;
}

interface Props {
  items: FindItem[];
  onPick(id: string): void;
  onClose(): void;
}

export function FindBox({ items, onPick, onClose }: Props) {
  const [query, setQuery] = useState('');
  const [at, setAt] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const exact = items.filter((i) => i.label.toLowerCase() === q);
    const rest = items.filter((i) => i.label.toLowerCase() !== q && `${i.label} ${i.keywords}`.toLowerCase().includes(q));
    return [...exact, ...rest];
  }, [items, query]);
  const current = matches.length ? matches[Math.min(at, matches.length - 1)] : null;

  return (
    <div className="find-box" role="search">
      <input
        ref={input}
        className="input"
        placeholder="Find a node by name or type"
        aria-label="Find node"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setAt(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
          if (e.key === 'Enter' && matches.length) {
            const next = e.shiftKey ? (at - 1 + matches.length) % matches.length : current && at < matches.length ? at : 0;
            const pick = matches[next];
            onPick(pick.id);
            setAt(e.shiftKey ? next : (next + 1) % matches.length);
          }
        }}
      />
      <span className="find-count muted num">{query.trim() ? `${matches.length} match${matches.length === 1 ? '' : 'es'}` : 'Enter: next · Shift+Enter: previous'}</span>
      <button type="button" className="button button-ghost button-small" onClick={onClose} aria-label="Close find">Esc</button>
      {matches.length > 0 && (
        <ul className="find-results" role="listbox" aria-label="Matches">
          {matches.slice(0, 8).map((m) => (
            <li key={m.id} role="option" aria-selected={m === current}>
              <button type="button" onClick={() => onPick(m.id)}>
                <span className="mono">{m.label}</span> <span className="muted">{m.keywords}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
