/** The graph area: the forward graph (layer table for now), the backward graph and the scheme, as tabs. */
import { useRef, type KeyboardEvent } from 'react';
import { useStudio } from '../store/index.ts';
import type { GraphTab } from '../store/ui-slice.ts';
import { EmptyState } from './EmptyState.tsx';
import { LayerTable } from './LayerTable.tsx';

const TABS: { id: GraphTab; label: string }[] = [
  { id: 'forward', label: 'Forward graph' },
  { id: 'backward', label: 'Backward graph' },
  { id: 'scheme', label: 'Scheme JSON' },
];

export function GraphArea() {
  const tab = useStudio((s) => s.graphTab);
  const setGraphTab = useStudio((s) => s.setGraphTab);
  const tabRefs = useRef<Partial<Record<GraphTab, HTMLButtonElement | null>>>({});

  // Arrow keys move between tabs (the ARIA tabs pattern).
  const onTabKey = (e: KeyboardEvent) => {
    const at = TABS.findIndex((t) => t.id === tab);
    const to = e.key === 'ArrowRight' ? at + 1 : e.key === 'ArrowLeft' ? at - 1 : null;
    if (to === null) return;
    e.preventDefault();
    const next = TABS[(to + TABS.length) % TABS.length].id;
    setGraphTab(next);
    tabRefs.current[next]?.focus();
  };

  return (
    <section className="graph-area" aria-label="Graph area">
      <div className="tabs" role="tablist" aria-label="Graph views" onKeyDown={onTabKey}>
        {TABS.map((t) => (
          <button
            key={t.id}
            ref={(el) => { tabRefs.current[t.id] = el; }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            className="tab"
            onClick={() => setGraphTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="tab-panel" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'forward' && <LayerTable />}
        {tab === 'backward' && (
          <EmptyState title="No backward graph yet">
            <p>The backward graph appears once a training scheme is compiled.</p>
            <p>
              A scheme chooses which layers update their weights and biases. The compiler then derives the
              gradient ops at compile time, prunes everything the frozen layers do not need, and this view
              draws the result next to the forward graph.
            </p>
          </EmptyState>
        )}
        {tab === 'scheme' && (
          <EmptyState title="No training scheme yet">
            <p>The scheme you pick or load appears here as JSON: for each conv, whether its weights and biases train or stay frozen.</p>
            <p>
              It is the same file <code>tinytrain plan --scheme</code> reads, so what you see here is what the
              command line and the exported firmware use.
            </p>
          </EmptyState>
        )}
      </div>
    </section>
  );
}
