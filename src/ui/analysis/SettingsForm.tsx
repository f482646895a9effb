/**
 * The analysis settings: the three splits, epochs, learning rate, resolution, the seeds, the bias k
 * values, the convs and ratios of the weight jobs, the finalists and baselines of the held-out comparison, the pool size. Lists are typed as "2, 4, 8"; a list that does not parse
 * is marked and named in one message, and the previous valid settings stay in force meanwhile.
 */
import { useState } from 'react';
import type { AnalysisSettings } from '../../engine/analysis/contribution.ts';
import { ratioLabel } from './analysis-format.ts';

const ALL_RATIOS = [1 / 8, 1 / 4, 1 / 2, 1];

export interface SettingsFormProps {
  settings: AnalysisSettings;
  workers: number;
  disabled: boolean;
  /** A general graph's input size: its file fixes the resolution. */
  fixedResolution?: number;
  onChange(settings: AnalysisSettings, workers: number): void;
}

/** "2, 4, 8" -> [2, 4, 8]; null when an item is not a whole number. */
function parseList(text: string): number[] | null {
  const items = text.split(/[\s,]+/).filter(Boolean);
  const nums = items.map(Number);
  return nums.every((n) => Number.isInteger(n) && n >= 0) ? nums : null;
}

function NumberField({ label, value, min, max, step, disabled, title, onChange }: {
  label: string; value: number; min: number; max?: number; step?: number; disabled: boolean; title?: string; onChange(v: number): void;
}) {
  return (
    <label className="analysis-field" title={title}>
      <span className="field-label">{label}</span>
      <input className="input input-number" type="number" value={value} min={min} max={max} step={step ?? 1} disabled={disabled}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (e.target.value !== '' && Number.isFinite(v)) onChange(v);
        }} />
    </label>
  );
}

function ListField({ label, value, placeholder, disabled, title, onChange }: {
  label: string; value: string; placeholder?: string; disabled: boolean; title?: string; onChange(text: string, ok: boolean): void;
}) {
  const [text, setText] = useState(value);
  const [synced, setSynced] = useState(value);
  // The settings changed from outside (loaded from the browser): show them.
  if (value !== synced) {
    setSynced(value);
    setText(value);
  }
  const ok = text.trim() === 'all' || parseList(text) !== null;
  return (
    <label className="analysis-field analysis-field-wide" title={title}>
      <span className="field-label">{label}</span>
      <input className={`input analysis-list${ok ? '' : ' input-invalid'}`} value={text} placeholder={placeholder} disabled={disabled}
        aria-invalid={!ok}
        onChange={(e) => {
          setText(e.target.value);
          onChange(e.target.value, e.target.value.trim() === 'all' || parseList(e.target.value) !== null);
        }} />
    </label>
  );
}

export function SettingsForm({ settings: s, workers, disabled, fixedResolution, onChange }: SettingsFormProps) {
  const [listError, setListError] = useState<string | null>(null);
  const set = (patch: Partial<AnalysisSettings>) => onChange({ ...s, ...patch }, workers);
  const maxWorkers = Math.max(8, navigator.hardwareConcurrency || 1);
  return (
    <div className="analysis-settings" aria-label="Analysis settings" role="group">
      <div className="analysis-settings-row">
        <NumberField label="training images" value={s.trainImages} min={1} disabled={disabled} title="Images each job fine-tunes on (the train split)"
          onChange={(v) => set({ trainImages: v })} />
        <NumberField label="validation images" value={s.valImages} min={1} disabled={disabled} title="Images each job's accuracy is measured on: the gains come from them"
          onChange={(v) => set({ valImages: v })} />
        <NumberField label="test images" value={s.testImages} min={0} disabled={disabled}
          title="Held-out images only the final comparison is scored on: no gain is measured on them and the search never sees them"
          onChange={(v) => set({ testImages: v })} />
        <NumberField label="epochs" value={s.epochs} min={1} disabled={disabled} onChange={(v) => set({ epochs: v })} />
        <NumberField label="learning rate" value={s.lr.weight} min={0} step={0.001} disabled={disabled} title="For weights, biases and the head"
          onChange={(v) => set({ lr: { weight: v, bias: v, head: v } })} />
        <NumberField label="resolution" value={s.resolution} min={8} step={8} disabled={disabled || fixedResolution !== undefined}
          title={fixedResolution !== undefined ? `This model's input size is fixed by its file (${fixedResolution}); only the inverted-bottleneck family opens at other sizes` : undefined}
          onChange={(v) => set({ resolution: v })} />
        <NumberField label="seed" value={s.seed} min={0} disabled={disabled} title="Seeds the split, and is the first training seed"
          onChange={(v) => set({ seed: v })} />
        <NumberField label="seeds" value={s.seeds} min={1} max={10} disabled={disabled}
          title="Training runs per measurement (seed, seed + 1, …): the ± of every gain is their standard deviation"
          onChange={(v) => set({ seeds: v })} />
        <NumberField label="workers" value={workers} min={1} max={maxWorkers} disabled={disabled}
          title={`Web Workers running jobs at once (this machine reports ${navigator.hardwareConcurrency || 1} cores)`}
          onChange={(v) => onChange(s, Math.max(1, Math.min(maxWorkers, Math.round(v))))} />
      </div>
      <div className="analysis-settings-row">
        <ListField label="bias k values" value={s.biasKs.join(', ')} placeholder="2, 4, 8" disabled={disabled}
          title="Bias jobs: train the biases of the last k convs, for each k"
          onChange={(text, ok) => {
            setListError(ok ? null : `bias k values: “${text}” is not a list of whole numbers`);
            const v = parseList(text);
            if (ok && v) set({ biasKs: v });
          }} />
        <NumberField label="weights on top of k =" value={s.weightBaseK} min={0} disabled={disabled}
          title="Weight jobs train one conv's weights on top of the biases of the last k convs"
          onChange={(v) => set({ weightBaseK: v })} />
        <ListField label="convs" value={s.convs === 'all' ? 'all' : s.convs.join(', ')} placeholder="all" disabled={disabled}
          title="Convs whose weights are measured: all within the last k, or a list of conv indices"
          onChange={(text, ok) => {
            setListError(ok ? null : `convs: “${text}” is neither “all” nor a list of conv indices`);
            if (!ok) return;
            set({ convs: text.trim() === 'all' ? 'all' : parseList(text)! });
          }} />
        <NumberField label="finalists" value={s.finalists} min={0} max={10} disabled={disabled}
          title="How many of the search's best schemes are trained whole and compared on the test images, beside the best baseline under the budget"
          onChange={(v) => set({ finalists: v })} />
        <NumberField label="baselines" value={s.baselines} min={1} max={10} disabled={disabled}
          title="At most this many baselines join them: the best by estimate, then those the estimate cannot rank below it (within its spread, or training parts that were not measured)"
          onChange={(v) => set({ baselines: v })} />
        <fieldset className="analysis-ratios" disabled={disabled}>
          <legend className="field-label">ratios</legend>
          {ALL_RATIOS.map((r) => (
            <label key={r}>
              <input type="checkbox" checked={s.ratios.some((q) => Math.abs(q - r) < 1e-9)}
                onChange={(e) => set({ ratios: ALL_RATIOS.filter((q) => (q === r ? e.target.checked : s.ratios.some((x) => Math.abs(x - q) < 1e-9))) })} />
              {ratioLabel(r)}
            </label>
          ))}
        </fieldset>
      </div>
      {listError && <p className="analysis-message analysis-error" role="alert">{listError}</p>}
    </div>
  );
}
