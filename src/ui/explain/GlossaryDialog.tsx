/** Every term of the app in one place, with where it comes from in the paper; also where the tour starts again. */
import { useEffect, useRef } from 'react';
import { useStudio } from '../store/index.ts';
import { GLOSSARY } from './glossary.ts';
import { restartTour } from './tour.ts';

export function GlossaryDialog() {
  const at = useStudio((s) => s.glossary);
  const close = () => useStudio.getState().openGlossary(null);
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (at === null) return;
    const target = at ? dialog.current?.querySelector<HTMLElement>(`#term-${at}`) : null;
    (target ?? dialog.current)?.focus();
    target?.scrollIntoView({ block: 'start' });
  }, [at]);

  if (at === null) return null;
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div ref={dialog} className="glossary-dialog" role="dialog" aria-modal="true" aria-labelledby="glossary-title" tabIndex={-1}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            close();
          }
        }}>
        <header className="glossary-head">
          <h2 id="glossary-title">Glossary</h2>
          <span className="muted">the words of this app, and where they come from in “On-Device Training Under 256KB Memory” (Lin et al., NeurIPS 2022)</span>
          <span className="compare-spacer" />
          <button type="button" className="button button-small" onClick={() => {
            close();
            restartTour();
          }}>Take the tour again</button>
          <button type="button" className="button button-ghost button-small" onClick={close} aria-label="Close the glossary">Close</button>
        </header>
        <dl className="glossary-list" tabIndex={0} aria-label="Terms">
          {GLOSSARY.map((t) => (
            <div key={t.id} id={`term-${t.id}`} tabIndex={-1} className={`glossary-entry${t.id === at ? ' current' : ''}`}>
              <dt>{t.term}</dt>
              <dd>
                <p>{t.short}</p>
                {t.more && <p className="muted">{t.more}</p>}
                {t.paper && <p className="term-paper">In the paper: {t.paper}</p>}
              </dd>
            </div>
          ))}
        </dl>
      </div>
    </div>
  );
}
