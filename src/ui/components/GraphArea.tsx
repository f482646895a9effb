/** The graph area: the forward graph, the generated backward graph, the layer table, the scheme JSON, training and analysis, as tabs. */
import { lazy, Suspense, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { BackwardGraph } from '../graph/BackwardGraph.tsx';
import { ForwardGraph } from '../graph/ForwardGraph.tsx';
import { useStudio } from '../store/index.ts';
import type { GraphTab } from '../store/ui-slice.ts';
import { AnalysisGate } from './AnalysisGate.tsx';
import { LayerTable } from './LayerTable.tsx';

// The training panel brings recharts and a worker: it loads the first time its tab opens.
const TrainTab = lazy(() => import('./TrainTab.tsx').then((m) => ({ default: m.TrainTab })));

// Contribution analysis brings recharts and a pool of workers: it loads the first time its tab opens.
const AnalysisTab = lazy(() => import('../analysis/AnalysisTab.tsx').then((m) => ({ default: m.AnalysisTab })));

// Scheme comparison compiles several programs and may train: it loads the first time its tab opens.
const CompareView = lazy(() => import('../compare/CompareView.tsx').then((m) => ({ default: m.CompareView })));

// The step-through brings its worker and canvases: it loads the first time its tab opens.
const StepView = lazy(() => import('../step/StepView.tsx').then((m) => ({ default: m.StepView })));

// Monaco is large: it loads the first time the tab opens.
const SchemeEditor = lazy(() => import('../scheme/SchemeEditor.tsx'));

const TABS: { id: GraphTab; label: string; key: string }[] = [
  { id: 'forward', label: 'Forward graph', key: '1' },
  { id: 'backward', label: 'Backward graph', key: '2' },
  { id: 'layers', label: 'Layers', key: '3' },
  { id: 'scheme', label: 'Scheme JSON', key: '4' },
  { id: 'train', label: 'Train', key: '5' },
  { id: 'analysis', label: 'Analysis', key: '6' },
  { id: 'compare', label: 'Compare', key: '7' },
  { id: 'step', label: 'Step', key: '8' },
];

/** Tabs whose work goes on in the background: once opened they stay mounted, hidden while another view is shown. */
const KEPT_TABS: GraphTab[] = ['train', 'analysis', 'compare'];

function KeptTab({ shown, loading, children }: { shown: boolean; loading: string; children: ReactNode }) {
  return (
    <div className="train-host" hidden={!shown}>
      <Suspense fallback={<div className="muted editor-loading">{loading}</div>}>{children}</Suspense>
    </div>
  );
}

export function GraphArea() {
  const tab = useStudio((s) => s.graphTab);
  const setGraphTab = useStudio((s) => s.setGraphTab);
  const tabRefs = useRef<Partial<Record<GraphTab, HTMLButtonElement | null>>>({});
  const [opened, setOpened] = useState<GraphTab[]>([]);
  if (KEPT_TABS.includes(tab) && !opened.includes(tab)) setOpened([...opened, tab]);

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
    <section className="graph-area" id="graph-area" aria-label="Graph area" tabIndex={-1}>
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
            title={`Alt+${t.key}`}
            onClick={() => setGraphTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="tab-panel" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'forward' && <ForwardGraph />}
        {tab === 'backward' && <BackwardGraph />}
        {tab === 'layers' && <LayerTable />}
        {tab === 'scheme' && (
          <Suspense fallback={<div className="muted editor-loading">Loading the editor…</div>}>
            <SchemeEditor />
          </Suspense>
        )}
        {/* Once opened, the trainer and the analysis stay mounted (hidden) so a run goes on while other views are shown. */}
        {opened.includes('train') && <KeptTab shown={tab === 'train'} loading="Loading the trainer…"><TrainTab /></KeptTab>}
        {opened.includes('analysis') && <KeptTab shown={tab === 'analysis'} loading="Loading the analysis…"><AnalysisGate><AnalysisTab /></AnalysisGate></KeptTab>}
        {opened.includes('compare') && <KeptTab shown={tab === 'compare'} loading="Loading the comparison…"><CompareView /></KeptTab>}
        {/* The step-through shows a forward or backward graph of its own: not kept, so only one of each is mounted. */}
        {tab === 'step' && (
          <Suspense fallback={<div className="muted editor-loading">Loading the step-through…</div>}>
            <StepView />
          </Suspense>
        )}
      </div>
    </section>
  );
}
