/**
 * The Analysis tab: contribution analysis of the open project. An opened model file is measured as
 * it is; a zoo architecture has only synthetic weights, so the shipped demo model is measured instead
 * (as in the Train tab), and applying a scheme then opens the demo model in the project with it.
 * Either way one edit, which Ctrl+Z undoes.
 */
import { useEffect, useState } from 'react';
import type { Scheme } from '../../engine/train/scheme.ts';
import { userMessage } from '../../engine/input-error.ts';
import { useStudio } from '../store/index.ts';
import { AnalysisPanel } from './AnalysisPanel.tsx';
import { DEMO_FILE_NAME, loadAnalysisSource, type AnalysisSource } from './analysis-source.ts';

export function AnalysisTab() {
  const origin = useStudio((s) => s.doc.origin);
  const budget = useStudio((s) => s.doc.target.trainBudget);
  const resolution = useStudio((s) => s.doc.shape.resolution);
  const scheme = useStudio((s) => s.doc.scheme);
  const [source, setSource] = useState<{ origin: typeof origin; value: AnalysisSource } | { origin: typeof origin; error: string } | null>(null);

  useEffect(() => {
    let live = true;
    loadAnalysisSource(origin).then((value) => live && setSource({ origin, value }), (e) => live && setSource({ origin, error: userMessage(e) }));
    return () => {
      live = false;
    };
  }, [origin]);

  const onApply = (scheme: Scheme, name: string, analysedResolution: number, classes: number): string | null => {
    const s = useStudio.getState();
    if (!source || !('value' in source)) return 'the analysed model is not loaded';
    const label = `apply ${name} from the analysis`;
    const r = source.value.demo
      // The scheme is what was asked for; the model, resolution and classes it brings are listed in the edit notice, as for any edit.
      ? s.commit({ ...s.doc, origin: { kind: 'file', fileName: DEMO_FILE_NAME, bytes: source.value.model.bytes }, shape: { resolution: analysedResolution, classes }, scheme }, label, { kind: 'scheme' })
      : s.applyScheme(scheme, label);
    if (r.ok) s.showNotice(`Applied ${name}${source.value.demo ? ' with the demo model it was measured on' : ''}`);
    return r.ok ? null : r.error ?? 'refused';
  };

  if (!source) return <div className="train-tab"><p className="muted">Loading the model and images…</p></div>;
  if ('error' in source) return <div className="train-tab"><p className="analysis-message analysis-error" role="alert">Could not load what the analysis needs: {source.error}</p></div>;
  const { value } = source;
  return (
    <div className="train-tab analysis-tab">
      {value.demo && origin.kind === 'zoo' && (
        <p className="muted train-tab-note">
          {origin.arch} has synthetic weights here, so this measures the shipped demo model (tinytrain-demo, pretrained by this
          project) on the demo images, as the Train tab does; applying a scheme opens that model in the project. Open a .pkl model
          file (Ctrl+O) to analyse it.
        </p>
      )}
      {!value.demo && <p className="muted train-tab-note">This measures {value.label}, the project&apos;s model, by fine-tuning it on the demo images.</p>}
      <AnalysisPanel
        key={value.modelDigest}
        source={value}
        budgetBytes={budget}
        searchShape={{ resolution: value.demo ? null : resolution, head: value.demo ? 'float32' : scheme.head }}
        projectScheme={scheme}
        onApply={onApply}
      />
    </div>
  );
}
