/** Peak SRAM against the training budget and Flash against the Flash budget, stacked by category; the paper's analytic figure beside. */
import { formatBytes } from '../format.ts';
import { Term } from '../explain/Term.tsx';
import { useStudio } from '../store/index.ts';
import { useSchemeName } from '../store/selectors.ts';
import { categoryColor, FLASH_CATEGORIES, FLASH_COLOR, FLASH_LABEL, sramLabel } from './categories.ts';
import { StackedBudgetBar } from './StackedBudgetBar.tsx';

export function BudgetBars() {
  const report = useStudio((s) => s.program.report);
  const preset = useSchemeName();
  // Every category the engine reports, in its order.
  const sram = Object.entries(report.breakdown).map(([c, bytes]) => ({ key: c, label: sramLabel(c, report), bytes, color: categoryColor(c) }));
  const paperLabel = preset && /@\d+kb$/.test(preset) ? preset.slice(preset.indexOf('@')) : null;
  const flash = FLASH_CATEGORIES.map((c) => ({ key: c, label: FLASH_LABEL[c], bytes: report.flashBreakdown[c], color: FLASH_COLOR[c] }));
  return (
    // Focusable: it scrolls when the engine reports more categories than fit.
    <div className="budget-bars" tabIndex={0} role="group" aria-label="Peak SRAM and Flash against the budgets">
      <section className="budget-card" aria-label="Peak SRAM">
        <header className="budget-head">
          <h3>Peak SRAM</h3>
          <span className={`budget-figure num${report.sramFits ? '' : ' over'}`} data-testid="sram-figure" data-bytes={report.peakSramBytes}
            title={`${report.peakSramBytes.toLocaleString('en-US')} bytes`}>
            {formatBytes(report.peakSramBytes)}
          </span>
          <span className="muted num">/ {formatBytes(report.budgets.sramBytes)}</span>
          <span className="budget-analytic num" title="The paper's analytic model of the scheme's extra memory (its search cost)"
            data-testid="analytic-figure" data-bytes={report.analyticBytes}>
            paper model {formatBytes(report.analyticBytes)}
          </span>
        </header>
        <p className="budget-explain" data-testid="paper-figure-note">
          {paperLabel
            ? <>The label <strong className="mono">{paperLabel}</strong> is the <Term id="paper-figure">paper model</Term> figure: the scheme&apos;s extra memory only. <Term id="peak-sram">Peak SRAM</Term> is the whole step.</>
            : <><Term id="paper-figure">Paper model</Term>: the scheme&apos;s extra memory by the paper&apos;s formula. <Term id="peak-sram">Peak SRAM</Term> is the whole step.</>}
        </p>
        <StackedBudgetBar label="Peak SRAM" segments={sram} total={report.peakSramBytes} budget={report.budgets.sramBytes} testId="sram-bar" />
        <p className="budget-note" data-testid="input-note" data-streamed={report.input.streamed} title={report.notes.join(' ')}>
          {report.input.streamed
            ? `Input streamed: ${report.input.ringRows}-row ring ${formatBytes(report.input.ringBytes)}, not the ${formatBytes(report.input.imageBytes)} image`
            : `Input whole in SRAM (${formatBytes(report.input.imageBytes)}).`}
        </p>
      </section>
      <section className="budget-card" aria-label="Flash">
        <header className="budget-head">
          <h3>Flash</h3>
          <span className={`budget-figure num${report.flashFits ? '' : ' over'}`} data-testid="flash-figure" data-bytes={report.flashBytes}
            title={`${report.flashBytes.toLocaleString('en-US')} bytes`}>
            {formatBytes(report.flashBytes)}
          </span>
          <span className="muted num">/ {formatBytes(report.budgets.flashBytes)}</span>
        </header>
        <StackedBudgetBar label="Flash" segments={flash} total={report.flashBytes} budget={report.budgets.flashBytes} testId="flash-bar" />
      </section>
    </div>
  );
}
