/** The target part and its budgets (editable; an edit makes the target custom). */
import { useState } from 'react';
import { TARGET_PRESETS } from '../targets.ts';
import { useStudio } from '../store/index.ts';

function KbField({ label, bytes, onApply, testId }: { label: string; bytes: number; onApply(bytes: number): void; testId: string }) {
  const [draft, setDraft] = useState<string | null>(null);
  const apply = () => {
    if (draft !== null && draft.trim() !== '') onApply(Number(draft) * 1024);
    setDraft(null);
  };
  return (
    <label className="field field-compact">
      <span className="field-label">{label}</span>
      <input className="input input-number input-kb" type="number" min={1} step={1} data-testid={testId}
        value={draft ?? String(Math.round((bytes / 1024) * 10) / 10)}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === 'Enter') apply();
          if (e.key === 'Escape') setDraft(null);
        }} />
      <span className="field-unit">KB</span>
    </label>
  );
}

export function TargetControls() {
  const target = useStudio((s) => s.doc.target);
  const chooseTarget = useStudio((s) => s.chooseTarget);
  const setBudget = useStudio((s) => s.setBudget);
  return (
    <div className="target-controls" role="group" aria-label="Target and budgets">
      <label className="field field-compact">
        <span className="field-label">Target</span>
        <select className="select select-small" value={target.id} onChange={(e) => chooseTarget(e.target.value)} aria-label="Target">
          {TARGET_PRESETS.map((t) => <option key={t.id} value={t.id}>{t.label}</option>)}
          {target.id === 'custom' && <option value="custom">Custom</option>}
        </select>
      </label>
      <KbField label="SRAM" bytes={target.sramBytes} onApply={(b) => setBudget('sramBytes', b)} testId="sram-total" />
      <KbField label="Train budget" bytes={target.trainBudget} onApply={(b) => setBudget('trainBudget', b)} testId="sram-budget" />
      <KbField label="Flash" bytes={target.flashBytes} onApply={(b) => setBudget('flashBytes', b)} testId="flash-budget" />
    </div>
  );
}
