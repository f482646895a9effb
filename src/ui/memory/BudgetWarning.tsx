/** Shown when the plan exceeds a budget: the engine's sentence (requested, available, missing) and the op at the peak, as a link. */
import { useStudio } from '../store/index.ts';

export function BudgetWarning() {
  const report = useStudio((s) => s.program.report);
  const selectKernel = useStudio((s) => s.selectKernel);
  if (report.fits) return null;
  return (
    <div className="budget-warning" role="alert" data-testid="budget-warning">
      <strong>Over budget.</strong>{' '}
      {report.messages.map((m) => <span key={m}>{m} </span>)}
      {!report.sramFits && (
        <button type="button" className="link-button" onClick={() => selectKernel(report.peak.kernel)}>
          Show the peak: step {report.peak.step}, {report.peak.op} of {report.peak.node}
        </button>
      )}
    </div>
  );
}
