/**
 * Live memory of the training program: the SRAM and Flash its firmware links to against the target's budgets (stacked by
 * category, the paper's analytic figure beside), a warning when over, and the step's memory as a
 * timeline or as the arena layout. Every figure is the engine's report.
 */
import { useEffect, useState } from 'react';
import { ArenaChart } from '../memory/ArenaChart.tsx';
import { Term } from '../explain/Term.tsx';
import { BudgetBars } from '../memory/BudgetBars.tsx';
import { BudgetWarning } from '../memory/BudgetWarning.tsx';
import { TargetControls } from '../memory/TargetControls.tsx';
import { TimelineChart } from '../memory/TimelineChart.tsx';
import { formatBytes, formatInputSize } from '../format.ts';
import { useStudio } from '../store/index.ts';
import { originLabel, useSchemeName } from '../store/selectors.ts';
import type { MemoryView } from '../store/ui-slice.ts';

/** Below this window height the Train tab's results get too little room under the open memory panel. */
const SHORT_WINDOW = 900;

function useWindowHeight(): number {
  const [h, setH] = useState(() => window.innerHeight);
  useEffect(() => {
    const on = () => setH(window.innerHeight);
    window.addEventListener('resize', on);
    return () => window.removeEventListener('resize', on);
  }, []);
  return h;
}

const VIEWS: { id: MemoryView; label: string }[] = [
  { id: 'timeline', label: 'Timeline' },
  { id: 'arena', label: 'Arena' },
];

export function MemoryPanel() {
  const view = useStudio((s) => s.memoryView);
  const setMemoryView = useStudio((s) => s.setMemoryView);
  const kernels = useStudio((s) => s.program.kernels.length);
  const origin = useStudio((s) => s.doc.origin);
  const inputSize = useStudio((s) => formatInputSize(s.program.graph.tensors[s.program.graph.input].shape));
  const userCollapsed = useStudio((s) => s.memoryCollapsed);
  const tab = useStudio((s) => s.graphTab);
  const height = useWindowHeight();
  // On a short window the Train tab folds the panel to its summary line (its results need the room);
  // "Show details" unfolds it for the rest of the session.
  const [keepOpen, setKeepOpen] = useState(false);
  const autoFolded = !userCollapsed && !keepOpen && tab === 'train' && height < SHORT_WINDOW;
  const collapsed = userCollapsed || autoFolded;
  const report = useStudio((s) => s.program.report);
  const schemeName = useSchemeName() ?? 'custom scheme';
  return (
    <section className="memory-panel" id="memory-panel" aria-label="Memory" tabIndex={-1}>
      <div className="memory-panel-head">
        <h2>Training memory</h2>
        <span className="muted memory-what" data-testid="memory-what"
          title="The step the Train tab trains and the firmware export builds: the project's model and scheme">
          <span className="mono">{originLabel(origin)}</span> {inputSize} · <span className="mono">{schemeName}</span> · {kernels} kernels · batch 1
        </span>
        {collapsed && (
          <span className="memory-summary num" data-testid="memory-summary">
            Peak SRAM <strong className={report.sramFits ? '' : 'over'}>{formatBytes(report.peakSramBytes)}</strong> / {formatBytes(report.budgets.sramBytes)}
            {' '}· paper model {formatBytes(report.analyticBytes)} · Flash <strong className={report.flashFits ? '' : 'over'}>{formatBytes(report.flashBytes)}</strong> / {formatBytes(report.budgets.flashBytes)}
          </span>
        )}
        <span className="memory-spacer" />
        {!collapsed && <TargetControls />}
        <button type="button" className="button button-small" aria-expanded={!collapsed} aria-controls="memory-body"
          onClick={() => (autoFolded ? setKeepOpen(true) : useStudio.getState().setMemoryCollapsed(!collapsed))}
          title={autoFolded ? 'Folded while the Train tab is open on this window height, to give its results room: show the bars, the timeline and the arena' : collapsed ? 'Show the bars, the timeline and the arena' : 'Keep only this line: more room for the views above'}>
          {collapsed ? 'Show details ▴' : 'Hide details ▾'}
        </button>
      </div>
      <BudgetWarning />
      <div className="memory-body" id="memory-body" hidden={collapsed}>
        <BudgetBars />
        <div className="memory-chart-area">
          <div className="subtabs">
            <div role="tablist" aria-label="Memory views" className="subtabs-list">
              {VIEWS.map((v) => (
                <button key={v.id} type="button" role="tab" aria-selected={view === v.id} className="subtab" onClick={() => setMemoryView(v.id)}>
                  {v.label}
                </button>
              ))}
            </div>
            <span className="muted subtabs-hint">
              {view === 'timeline' ? 'arena bytes live at each step · click a step to select its op' : 'time × address, one block per buffer · click a block'}
            </span>
            <Term id="arena" />
          </div>
          {view === 'timeline' ? <TimelineChart /> : <ArenaChart />}
        </div>
      </div>
    </section>
  );
}
