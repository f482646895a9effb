/**
 * In front of the Analysis tab: contribution analysis fine-tunes real weights, so on a zoo
 * architecture (synthetic weights) it says what it would measure instead and lets the user choose,
 * rather than silently measuring another model.
 */
import { useState, type ReactNode } from 'react';
import { useStudio } from '../store/index.ts';
import type { ModelOrigin } from '../store/project-model.ts';
import { originLabel, weightsKind } from '../store/selectors.ts';
import { Term } from '../explain/Term.tsx';

export function AnalysisGate({ children }: { children: ReactNode }) {
  const origin = useStudio((s) => s.doc.origin);
  const [accepted, setAccepted] = useState<ModelOrigin | null>(null);
  if (weightsKind(origin) !== 'synthetic' || accepted === origin) {
    return (
      <>
        <p className="analysis-intro">
          <Term id="contribution-analysis">Contribution analysis</Term> fine-tunes the model once per bias range and per conv and
          ratio, and measures the validation accuracy each adds; the scheme search then picks the largest{' '}
          <Term id="summed-gain">summed gain</Term> whose planned peak SRAM fits the training budget.
        </p>
        {children}
      </>
    );
  }
  const label = originLabel(origin);
  return (
    <div className="train-tab">
      <section className="choice-card" aria-label="Analysing a zoo architecture">
        <h2><span className="mono">{label}</span> has synthetic weights</h2>
        <p>
          Contribution analysis measures how much accuracy each bias and weight update adds by fine-tuning the model on real
          images. Synthetic weights have learned nothing, so their gains would be noise. What can be measured here is the demo
          model this project pretrained, on the demo images.
        </p>
        <div className="choice-actions">
          <button type="button" className="button button-primary" onClick={() => useStudio.getState().chooseDemoModel()}>
            Open the demo model and analyse it
          </button>
          <button type="button" className="button" onClick={() => setAccepted(origin)}>
            Analyse the demo model, keep {label} open
          </button>
        </div>
        <p className="muted">
          With the second choice the analysis runs on the demo model, and applying a scheme it found opens the demo model in the
          project with that scheme (one edit, Ctrl+Z undoes it). To analyse one of the paper&apos;s models, open its .pkl file (Ctrl+O).
        </p>
      </section>
    </div>
  );
}
