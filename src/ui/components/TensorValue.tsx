/** A tensor as the properties panel shows it: shape, dtype and name. */
import type { Tensor } from '../../engine/ir/tensor.ts';
import { formatShape } from '../format.ts';

export function TensorValue({ tensor }: { tensor: Tensor }) {
  return (
    <span className="tensor-value">
      <span className="mono">{formatShape(tensor.shape)}</span>
      <span className="muted"> {tensor.dtype}</span>
      <span className="tensor-name mono" title={tensor.name}>{tensor.name}</span>
    </span>
  );
}
