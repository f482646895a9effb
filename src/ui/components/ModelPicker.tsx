/**
 * Chooses the model: the demo model this project pretrained (real weights, what a new project opens),
 * an opened file while it is the open model, or a zoo architecture, plainly labelled as synthetic
 * weights (its memory and firmware are real; training it teaches nothing).
 */
import { ZOO_NAMES } from '../../engine/models/zoo.ts';
import { DEMO_MODEL_NAME, isDemoOrigin } from '../demo/demo-model.ts';
import { useStudio } from '../store/index.ts';

const FILE_VALUE = '__file__';
const DEMO_VALUE = '__demo__';

export function ModelPicker() {
  const origin = useStudio((s) => s.doc.origin);
  const chooseZooModel = useStudio((s) => s.chooseZooModel);
  const chooseDemoModel = useStudio((s) => s.chooseDemoModel);
  const demo = isDemoOrigin(origin);
  const value = demo ? DEMO_VALUE : origin.kind === 'zoo' ? origin.arch : FILE_VALUE;
  return (
    <label className="field">
      <span className="field-label">Model</span>
      <select
        className="select select-model"
        value={value}
        onChange={(e) => {
          if (e.target.value === DEMO_VALUE) chooseDemoModel();
          else if (e.target.value !== FILE_VALUE) chooseZooModel(e.target.value);
        }}
      >
        <optgroup label="Pretrained by this project (real weights)">
          <option value={DEMO_VALUE}>{DEMO_MODEL_NAME}</option>
        </optgroup>
        {origin.kind === 'file' && !demo && (
          <optgroup label="Opened file">
            <option value={FILE_VALUE}>{origin.fileName}</option>
          </optgroup>
        )}
        <optgroup label="Architectures (synthetic weights)">
          {ZOO_NAMES.map((name) => (
            <option key={name} value={name}>{name}{origin.kind === 'zoo' && origin.arch === name && origin.spec ? ' (edited)' : ''} (synthetic)</option>
          ))}
        </optgroup>
      </select>
    </label>
  );
}
