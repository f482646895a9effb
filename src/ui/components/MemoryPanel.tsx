/**
 * Live memory of the training program: peak SRAM and Flash against the target's budgets (stacked by
 * category, the paper's analytic figure beside), a warning when over, and the step's memory as a
 * timeline or as the arena layout. Every figure is the engine's report.
 */
import { ArenaChart } from '../memory/ArenaChart.tsx';
import { Term } from '../explain/Term.tsx';
import { BudgetBars } from '../memory/BudgetBars.tsx';
import { BudgetWarning } from '../memory/BudgetWarning.tsx';
import { TargetControls } from '../memory/TargetControls.tsx';
import { TimelineChart } from '../memory/TimelineChart.tsx';
import { useStudio } from '../store/index.ts';
import { originLabel, useSchemeName } from '../store/selectors.ts';
import type { MemoryView } from '../store/ui-slice.ts';

const VIEWS: { id: MemoryView; label: string }[] = [
  { id: 'timeline', label: 'Timeline' },
  { id: 'arena', label: 'Arena' },
];

export function MemoryPanel() {
  const view = useStudio((s) => s.memoryView);
  const setMemoryView = useStudio((s) => s.setMemoryView);
  const kernels = useStudio((s) => s.program.kernels.length);
  const origin = useStudio((s) => s.doc.origin);
  const resolution = useStudio((s) => s.project.shape.resolution);
  const schemeName = useSchemeName() ?? 'custom scheme';
  return (
    <section className="memory-panel" id="memory-panel" aria-label="Memory" tabIndex={-1}>
      <div className="memory-panel-head">
        <h2>Training memory</h2>
        <span className="muted memory-what" data-testid="memory-what"
          title="The step the Train tab trains and the firmware export builds: the project's model and scheme">
          <span className="mono">{originLabel(origin)}</span> {resolution}×{resolution} · <span className="mono">{schemeName}</span> · {kernels} kernels · batch 1
        </span>
        <span className="memory-spacer" />
        <TargetControls />
      </div>
      <BudgetWarning />
      <div className="memory-body">
        <BudgetBars />
        <div className="memory-chart-area">
          <div className="subtabs" role="tablist" aria-label="Memory views">
            {VIEWS.map((v) => (
              <button key={v.id} type="button" role="tab" aria-selected={view === v.id} className="subtab" onClick={() => setMemoryView(v.id)}>
                {v.label}
              </button>
            ))}
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
