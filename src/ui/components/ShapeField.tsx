/**
 * A number that rebuilds the model (resolution, class count). Applies on Enter, on leaving the field
 * or after a pause in typing; a value the engine refuses shows its message and keeps the model.
 */
import { useEffect, useId, useState } from 'react';
import type { ModelShape } from '../store/project-model.ts';
import { useStudio } from '../store/index.ts';

/** Pause in typing after which the value is applied. */
const APPLY_AFTER_MS = 600;

interface Props {
  field: keyof ModelShape;
  label: string;
  unit?: string;
  min: number;
  max: number;
  step: number;
}

export function ShapeField({ field, label, unit, min, max, step }: Props) {
  const value = useStudio((s) => s.project.shape[field]);
  const error = useStudio((s) => (s.shapeError?.field === field ? s.shapeError : null));
  const setShape = useStudio((s) => s.setShape);
  const clearShapeError = useStudio((s) => s.clearShapeError);
  const errorId = useId();

  // The text being edited; follows the model when it changes from elsewhere (another model, a file).
  const [draft, setDraft] = useState(String(value));
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    setDraft(String(value));
  }

  const apply = (text: string) => {
    if (text.trim() === '') return;
    setShape(field, Number(text));
  };

  useEffect(() => {
    if (draft.trim() === '' || (draft === String(value) && !error)) return;
    const timer = setTimeout(() => setShape(field, Number(draft)), APPLY_AFTER_MS);
    return () => clearTimeout(timer);
  }, [draft, value, error, field, setShape]);

  const revert = () => {
    setDraft(String(value));
    clearShapeError();
  };

  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <span className="field-input-wrap">
        <input
          className={`input input-number${error ? ' input-invalid' : ''}`}
          type="number"
          inputMode="numeric"
          min={min}
          max={max}
          step={step}
          value={draft}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') apply(draft);
            if (e.key === 'Escape') revert();
          }}
          onBlur={() => (draft.trim() === '' ? revert() : apply(draft))}
        />
        {unit && <span className="field-unit">{unit}</span>}
        {error && (
          <span id={errorId} className="field-error" role="status">
            {error.message}; keeping {value}
          </span>
        )}
      </span>
    </label>
  );
}
