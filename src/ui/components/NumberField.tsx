/**
 * A number the user types (resolution, classes, budgets, training settings). It applies on Enter, on
 * leaving the field or, if asked, after a pause in typing. A value that is refused is never kept: the
 * field goes back to the value in force and stays marked, with the reason, until it is edited again.
 */
import { useEffect, useId, useState } from 'react';

interface Props {
  label: string;
  value: number;
  /** Applies a value; returns why it was refused, or null. */
  onApply(value: number): string | null;
  unit?: string;
  min?: number;
  max?: number;
  step?: number | 'any';
  /** Apply after this pause in typing (off by default). */
  applyAfterMs?: number;
  /** How the kept value reads in the field (e.g. bytes shown as KB). */
  format?: (v: number) => string;
  disabled?: boolean;
  testId?: string;
  className?: string;
  inputClassName?: string;
}

export function NumberField({ label, value, onApply, unit, min, max, step, applyAfterMs, format = String, disabled, testId, className, inputClassName }: Props) {
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();
  const shown = format(value);

  const apply = (text: string | null) => {
    if (text === null) return;
    setDraft(null);
    if (text.trim() === '' || text.trim() === shown) return;
    const n = Number(text);
    const why = Number.isFinite(n) ? onApply(n) : `“${text}” is not a number`;
    setError(why ? `${text.trim()}${unit ? ` ${unit}` : ''} refused: ${why}. Kept ${shown}${unit ? ` ${unit}` : ''}.` : null);
  };

  useEffect(() => {
    if (!applyAfterMs || draft === null || draft.trim() === '' || draft.trim() === shown) return;
    const timer = setTimeout(() => apply(draft), applyAfterMs);
    return () => clearTimeout(timer);
    // `apply` reads only the draft and the props it closes over at this render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [draft, applyAfterMs, shown]);

  return (
    <label className={`field${className ? ` ${className}` : ''}`}>
      <span className="field-label">{label}</span>
      <span className="field-input-wrap">
        <input
          className={`input input-number${inputClassName ? ` ${inputClassName}` : ''}${error ? ' input-invalid' : ''}`}
          type="number"
          inputMode="decimal"
          min={min}
          max={max}
          step={step}
          value={draft ?? shown}
          disabled={disabled}
          data-testid={testId}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          onChange={(e) => {
            setDraft(e.target.value);
            setError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') apply(draft);
            if (e.key === 'Escape') {
              setDraft(null);
              setError(null);
            }
          }}
          onBlur={() => apply(draft)}
        />
        {unit && <span className="field-unit">{unit}</span>}
        {error && (
          <span id={errorId} className="field-error" role="alert">
            {error}
          </span>
        )}
      </span>
    </label>
  );
}
