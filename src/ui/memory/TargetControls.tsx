/**
 * The target part and its budgets (editable; an edit makes the target custom; a budget out of the target's bounds is refused).
 * The menu groups the chips the export builds for apart from the memory-planning ones.
 */
import { NumberField } from '../components/NumberField.tsx';
import { TARGET_PRESETS } from '../targets.ts';
import { useStudio } from '../store/index.ts';

const kb = (bytes: number) => String(Math.round((bytes / 1024) * 10) / 10);

function KbField({ label, bytes, onApply, testId }: { label: string; bytes: number; onApply(bytes: number): string | null; testId: string }) {
  return <NumberField label={label} value={bytes} format={kb} unit="KB" min={1} step={1} testId={testId} className="field-compact" inputClassName="input-kb"
    onApply={(v) => onApply(v * 1024)} />;
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
          <optgroup label="Exports a firmware project">
            {TARGET_PRESETS.filter((t) => t.exports).map((t) => <option key={t.id} value={t.id}>{t.label}</option>)}
          </optgroup>
          <optgroup label="Memory planning only (no export yet)">
            {TARGET_PRESETS.filter((t) => !t.exports).map((t) => <option key={t.id} value={t.id}>{t.label}</option>)}
          </optgroup>
          {target.id === 'custom' && <option value="custom">Custom</option>}
        </select>
      </label>
      <KbField label="SRAM" bytes={target.sramBytes} onApply={(b) => setBudget('sramBytes', b)} testId="sram-total" />
      <KbField label="Train budget" bytes={target.trainBudget} onApply={(b) => setBudget('trainBudget', b)} testId="sram-budget" />
      <KbField label="Flash" bytes={target.flashBytes} onApply={(b) => setBudget('flashBytes', b)} testId="flash-budget" />
    </div>
  );
}
