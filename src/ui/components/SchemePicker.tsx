/** Chooses a scheme preset: the paper's schemes for the model, and the baselines; "custom" once edited. */
import { builtinSchemeNames } from '../../engine/train/builtin-schemes.ts';
import { lastKNames } from '../store/scheme-edits.ts';
import { useSchemeName } from '../store/selectors.ts';
import { useStudio } from '../store/index.ts';

const CUSTOM = '__custom__';

export function SchemePicker() {
  const model = useStudio((s) => s.project.model.graph.name);
  const convs = useStudio((s) => s.project.summary.convs);
  const choosePreset = useStudio((s) => s.choosePreset);
  const names = builtinSchemeNames(model);
  const current = useSchemeName();
  const paper = names.filter((n) => n.includes('@'));
  const lastK = [...new Set([...lastKNames(convs), ...(current?.startsWith('last-') ? [current] : [])])]
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  const base = [...names.filter((n) => !n.includes('@') && !n.startsWith('last-')), ...lastK];
  return (
    <label className="field">
      <span className="field-label">Scheme</span>
      <select className="select select-scheme" aria-label="Scheme" value={current ?? CUSTOM} onChange={(e) => e.target.value !== CUSTOM && choosePreset(e.target.value)}>
        {current === null && <option value={CUSTOM}>custom (edited)</option>}
        {paper.length > 0 && (
          <optgroup label="The paper's schemes (label: its analytic memory figure)">
            {paper.map((n) => <option key={n} value={n}>{n}</option>)}
          </optgroup>
        )}
        <optgroup label="Baselines (last-k: weights and biases of the last k convs)">
          {base.map((n) => <option key={n} value={n}>{n}</option>)}
        </optgroup>
      </select>
    </label>
  );
}
