/**
 * A number that rebuilds the model (resolution, class count). Applies on Enter, on leaving the field
 * or after a pause in typing; a value the engine refuses is marked with its message and not kept.
 */
import { hasArch } from '../../engine/models/weights-file.ts';
import { formatInputSize } from '../format.ts';
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
  // A general graph (an imported .tflite that is not of the inverted-bottleneck family) is fixed to its
  // file's input size, which need not be square: it is shown as it is, not as an editable resolution.
  const fixedInput = useStudio((s) => field === 'resolution' && !hasArch(s.program.graph)
    ? formatInputSize(s.program.graph.tensors[s.program.graph.input].shape) : null);
  if (fixedInput) {
    return (
      <div className="field" title="This model's graph is fixed to its file's input size">
        <span className="field-label">Input</span>
        <span className="field-input-wrap">
          <output className="input input-number input-fixed" data-testid="fixed-input-size" aria-label={`Input ${fixedInput} px, fixed by the model file`}>{fixedInput}</output>
          {unit && <span className="field-unit">{unit}</span>}
        </span>
      </div>
    );
  }
  return <NumberField label={label} value={value} unit={unit} min={min} max={max} step={step} applyAfterMs={APPLY_AFTER_MS}
    onApply={(v) => setShape(field, v)} />;
}
