/**
 * A word with its explanation one click away: the word, then a small "?" that opens what it is, why
 * it matters and where it comes from in the paper, with a link to the whole glossary. Esc or a
 * click elsewhere closes it. The popover is portalled to the page so that graph nodes (which are
 * transformed) and scrolling panels never clip it.
 */
import { useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { useStudio } from '../store/index.ts';
import { TERMS } from './glossary.ts';

const WIDTH = 320;

export function Term({ id, children }: { id: string; children?: ReactNode }) {
  const term = TERMS[id];
  const [open, setOpen] = useState(false);
  const [at, setAt] = useState<{ left: number; top: number } | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const popover = useRef<HTMLDivElement>(null);
  const popId = useId();

  useLayoutEffect(() => {
    if (!open || !button.current) return;
    const r = button.current.getBoundingClientRect();
    const left = Math.max(8, Math.min(window.innerWidth - WIDTH - 8, r.left - 12));
    const below = r.bottom + 6;
    const h = popover.current?.offsetHeight ?? 160;
    setAt({ left, top: below + h > window.innerHeight - 8 ? Math.max(8, r.top - h - 6) : below });
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent) {
        if (e.key !== 'Escape') return;
        e.stopPropagation();
        setOpen(false);
        button.current?.focus();
        return;
      }
      if (!popover.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener('mousedown', close);
    window.addEventListener('keydown', close, true);
    return () => {
      window.removeEventListener('mousedown', close);
      window.removeEventListener('keydown', close, true);
    };
  }, [open]);

  if (!term) return <>{children}</>;
  return (
    <span className="term">
      {children}
      <button ref={button} type="button" className="term-help nodrag" aria-label={`What is ${term.term}?`} aria-expanded={open}
        aria-controls={open ? popId : undefined} data-term={id}
        onClick={(e) => {
          e.stopPropagation();
          setOpen(!open);
        }}>?</button>
      {open && createPortal(
        <div ref={popover} id={popId} className="term-popover" role="dialog" aria-label={term.term}
          style={{ left: at?.left ?? -9999, top: at?.top ?? 0, width: WIDTH }}>
          <strong>{term.term}</strong>
          <p>{term.short}</p>
          {term.more && <p className="muted">{term.more}</p>}
          {term.paper && <p className="term-paper">In the paper: {term.paper}</p>}
          <button type="button" className="link-button" onClick={() => {
            setOpen(false);
            useStudio.getState().openGlossary(id);
          }}>All terms (glossary)</button>
        </div>,
        document.body,
      )}
    </span>
  );
}
