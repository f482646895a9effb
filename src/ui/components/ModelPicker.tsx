/** Chooses a zoo architecture; an opened file shows as its own entry while it is the open model. */
import { ZOO_NAMES } from '../../engine/models/zoo.ts';
import { useStudio } from '../store/index.ts';

const FILE_VALUE = '__file__';

export function ModelPicker() {
  const origin = useStudio((s) => s.doc.origin);
  const chooseZooModel = useStudio((s) => s.chooseZooModel);
  const value = origin.kind === 'zoo' ? origin.arch : FILE_VALUE;
  return (
    <label className="field">
      <span className="field-label">Model</span>
      <select
        className="select"
        value={value}
        onChange={(e) => e.target.value !== FILE_VALUE && chooseZooModel(e.target.value)}
      >
        {origin.kind === 'file' && (
          <optgroup label="Opened file">
            <option value={FILE_VALUE}>{origin.fileName}</option>
          </optgroup>
        )}
        <optgroup label="Model zoo (synthetic weights)">
          {ZOO_NAMES.map((name) => (
            <option key={name} value={name}>{name}{origin.kind === 'zoo' && origin.arch === name && origin.spec ? ' (edited)' : ''}</option>
          ))}
        </optgroup>
      </select>
    </label>
  );
}
