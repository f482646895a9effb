/**
 * A number that rebuilds the model (resolution, class count). Applies on Enter, on leaving the field
 * or after a pause in typing; a value the engine refuses is marked with its message and not kept.
 */
import type { ModelShape } from '../store/project-model.ts';
import { useStudio } from '../store/index.ts';
import { NumberField } from './NumberField.tsx';

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
  const setShape = useStudio((s) => s.setShape);
  return <NumberField label={label} value={value} unit={unit} min={min} max={max} step={step} applyAfterMs={APPLY_AFTER_MS}
    onApply={(v) => setShape(field, v)} />;
}
